/**
 * node-hid, for real: the native module loads and enumerates. These machines have no USB keys,
 * so the list is empty; the open errors are checked through the pure describer for each OS.
 */
import HID from 'node-hid';
import { describe, expect, it } from 'vitest';
import { listHidAuthenticators, openHidAuthenticator, openNodeHidConnection } from '../src/node-hid.js';
import { describeOpenFailure } from '../src/open-errors.js';

describe('node-hid binding', () => {
  it('loads node-hid and enumerates: no FIDO device here, an empty list, no throw', async () => {
    expect(typeof HID.getHidapiVersion()).toBe('string');
    const all = await HID.devicesAsync();
    expect(Array.isArray(all)).toBe(true);
    const keys = await listHidAuthenticators();
    expect(keys).toEqual([]);
  });

  it('opening a path that does not exist is a typed error', async () => {
    const e = await openHidAuthenticator('/dev/hidraw-fido2kit-none').catch((x) => x);
    expect(e).toMatchObject({ name: 'HidError', code: 'ERR_TRANSPORT', reason: 'not-found' });
    expect(e.details).toMatchObject({ path: '/dev/hidraw-fido2kit-none', platform: process.platform });
    expect(e.message).toContain('/dev/hidraw-fido2kit-none');
    await expect(openNodeHidConnection('')).rejects.toThrow('"path" expected a non-empty string');
  });
});

describe('open errors that help', () => {
  it('Linux permission denied names the udev rule, with the key ids when known', () => {
    const e = describeOpenFailure(
      new Error(
        "cannot open device with path /dev/hidraw3: Failed to open a device with path '/dev/hidraw3': Permission denied",
      ),
      { path: '/dev/hidraw3', platform: 'linux', vendorId: 0x1050, productId: 0x0407 },
    );
    expect(e).toMatchObject({ code: 'ERR_TRANSPORT', reason: 'permission-denied' });
    expect(e.details).toMatchObject({ reason: 'permission-denied' });
    expect(e.message).toContain('/etc/udev/rules.d/70-fido.rules');
    expect(e.message).toContain(
      'KERNEL=="hidraw*", SUBSYSTEM=="hidraw", ATTRS{idVendor}=="1050", ATTRS{idProduct}=="0407", TAG+="uaccess"',
    );
    expect(e.message).toContain('udevadm control --reload-rules');
  });

  it('Windows access denied explains the administrator requirement', () => {
    const e = describeOpenFailure(new Error('Failed to open a device: (0x00000005) Access is denied.'), {
      path: '\\\\?\\hid#vid_1050&pid_0407',
      platform: 'win32',
    });
    expect(e.details).toMatchObject({ reason: 'permission-denied' });
    expect(e.message).toContain('administrator');
    expect(e.message).toContain('WebAuthn API');
  });

  it('other failures keep hidapi’s words', () => {
    expect(
      describeOpenFailure(new Error('No such file or directory'), { path: 'p', platform: 'linux' }).details,
    ).toMatchObject({ reason: 'not-found' });
    const e = describeOpenFailure('weird', { path: 'p', platform: 'darwin' });
    expect(e.message).toBe('cannot open the HID device p: weird');
    expect(e).toMatchObject({ code: 'ERR_TRANSPORT', reason: 'open-failed' });
  });
});
