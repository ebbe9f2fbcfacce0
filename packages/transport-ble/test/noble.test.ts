/**
 * The noble binding on a machine without Bluetooth, for real: @stoprocent/noble is installed and
 * loaded, and each cause that stops Bluetooth gives its own typed error.
 * - no adapter: this machine's kernel lists no controller (no /sys/class/bluetooth) — real.
 * - BlueZ not running: a sysfs directory that lists hci0 (a temp dir: the one seam), then the real
 *   dbus-next finds no D-Bus system bus to ask for org.bluez.
 * - binding missing: the module loader seam fails as a missing package does.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBleAuthenticators, openBleAuthenticator } from '../src/index.js';

const linux = process.platform === 'linux';
let fakeSysfs: string;
let savedBus: string | undefined;

beforeAll(() => {
  fakeSysfs = mkdtempSync(join(tmpdir(), 'fido2kit-sysfs-bt-'));
  mkdirSync(join(fakeSysfs, 'hci0'));
  savedBus = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  // A socket path nobody listens on: the same as a machine whose system bus is not running.
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${join(fakeSysfs, 'no-bus-here')}`;
});

afterAll(() => {
  rmSync(fakeSysfs, { recursive: true, force: true });
  if (savedBus === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
  else process.env.DBUS_SYSTEM_BUS_ADDRESS = savedBus;
});

describe('the noble binding without Bluetooth', () => {
  it('noble itself loads here (the optional dependency installed with its prebuilt native part)', async () => {
    const noble = (await import('@stoprocent/noble')) as unknown as { withBindings?: unknown };
    expect(typeof noble.withBindings).toBe('function');
  });

  it.runIf(linux)('no adapter: this machine, for real', async () => {
    expect(existsSync('/sys/class/bluetooth')).toBe(false); // the fact the test relies on
    const e = await listBleAuthenticators({ timeoutMs: 500 }).catch((x) => x);
    expect(e).toMatchObject({ name: 'BleError', code: 'ERR_NOT_SUPPORTED', reason: 'no-adapter' });
    expect(e.message).toContain('no Bluetooth adapter');
    expect(e.details).toMatchObject({ reason: 'no-adapter', binding: 'dbus', sysfs: '/sys/class/bluetooth' });
    await expect(openBleAuthenticator('aa:bb:cc:dd:ee:ff', { scanTimeoutMs: 500 })).rejects.toMatchObject({
      reason: 'no-adapter',
    });
  });

  it.runIf(linux)(
    'BlueZ not running: an adapter is listed but there is no system bus to reach bluetoothd',
    async () => {
      const started = Date.now();
      const e = await listBleAuthenticators({ sysfsBluetoothDir: fakeSysfs }).catch((x) => x);
      expect(e).toMatchObject({ name: 'BleError', code: 'ERR_NOT_SUPPORTED', reason: 'bluez-not-running' });
      expect(e.message).toContain('systemctl start bluetooth');
      expect(e.cause).toBeDefined(); // dbus-next's own connection error
      expect(Date.now() - started).toBeLessThan(4000);
    },
  );

  it('binding missing: noble not installed', async () => {
    const missing = Object.assign(
      new Error("Cannot find package '@stoprocent/noble' imported from transport-ble"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    const e = await listBleAuthenticators({ loadNoble: () => Promise.reject(missing) }).catch((x) => x);
    expect(e).toMatchObject({ name: 'BleError', code: 'ERR_NOT_SUPPORTED', reason: 'binding-missing' });
    expect(e.message).toContain('npm install @stoprocent/noble');
    expect(e.cause).toBe(missing);
  });

  it.runIf(linux)('binding missing: dbus-next (for the BlueZ binding) not installed', async () => {
    const e = await listBleAuthenticators({
      sysfsBluetoothDir: fakeSysfs,
      loadDbus: () => Promise.reject(new Error("Cannot find package 'dbus-next'")),
    }).catch((x) => x);
    expect(e).toMatchObject({ code: 'ERR_NOT_SUPPORTED', reason: 'binding-missing' });
    expect(e.message).toContain('npm install dbus-next');
  });

  it('caller mistakes are ERR_INVALID_ARGUMENT', async () => {
    await expect(openBleAuthenticator('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(listBleAuthenticators({ timeoutMs: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
