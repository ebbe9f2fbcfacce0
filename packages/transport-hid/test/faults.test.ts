/**
 * Fault injection: every dropped, duplicated or reordered report, an unplugged or stalled device
 * ends in a typed error or a correct retry, never a hang; and the next message works.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedHidDevice } from '../src/simulated-device.js';
import type { HidFault } from '../src/simulated-faults.js';
import { HidTransport } from '../src/transport.js';
import type { HidTransportOptions } from '../src/transport-options.js';
import { FakeCtapDevice, hex } from './helpers/fake-device.js';

const OPTIONS: HidTransportOptions = { timeoutMs: 250, cancelTimeoutMs: 200, busyBackoffMs: 5 };
/** Every code a fault may end in. Anything else (a TypeError, a hang) fails the test. */
const TYPED = new Set(['ERR_TIMEOUT', 'ERR_INVALID_RESPONSE', 'CTAP1_ERR_INVALID_SEQ', 'CTAP1_ERR_TIMEOUT']);

async function fresh() {
  const fake = new FakeCtapDevice();
  const key = new SimulatedHidDevice(fake, { keepaliveIntervalMs: 20, messageTimeoutMs: 80 });
  const device = await HidTransport.open(key.connection(), OPTIONS);
  return { key, device };
}

/** A request of 4 reports (200 bytes) whose echo is 4 reports too. */
const REQUEST = Uint8Array.from({ length: 200 }, (_, i) => i);

async function outcome(p: Promise<Uint8Array>): Promise<string> {
  try {
    const r = await p;
    return hex(r) === `00${hex(REQUEST)}` || hex(r) === hex(REQUEST) ? 'ok' : `WRONG ${hex(r).slice(0, 20)}`;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && TYPED.has(code) ? `error ${code}` : `UNTYPED ${String(e)}`;
  }
}

describe('fault injection', () => {
  const cases: HidFault[] = [];
  for (const kind of ['drop', 'duplicate', 'reorder'] as const) {
    for (const direction of ['to-device', 'to-host'] as const) {
      for (const after of [0, 1, 2, 3]) cases.push({ kind, direction, after });
    }
  }

  for (const fault of cases) {
    for (const call of ['cbor', 'ping'] as const) {
      it(`${fault.kind} report #${fault.after} ${fault.direction} during ${call}`, async () => {
        const { key, device } = await fresh();
        key.inject(fault);
        const started = Date.now();
        const result = await outcome(call === 'cbor' ? device.cbor(REQUEST) : device.ping(REQUEST));
        expect(result).toMatch(/^(ok|error [A-Z0-9_]+)$/);
        expect(Date.now() - started).toBeLessThan(3000);
        // The next message works.
        expect(await outcome(device.cbor(REQUEST))).toBe('ok');
        expect(await outcome(device.ping(REQUEST))).toBe('ok');
        await device.close();
      });
    }
  }

  it('faults on the way to the device are retried transparently (the request never ran)', async () => {
    const { key, device } = await fresh();
    key.inject({ kind: 'drop', direction: 'to-device', after: 1 });
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    key.inject({ kind: 'reorder', direction: 'to-device', after: 1 });
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    key.inject({ kind: 'duplicate', direction: 'to-device', after: 2 });
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    expect(key.stats.requests).toBe(3);
    await device.close();
  });

  it('a lost report on the way back is a typed error, and the channel is resynchronised', async () => {
    const { key, device } = await fresh();
    key.inject({ kind: 'drop', direction: 'to-host', after: 1 });
    expect(await outcome(device.cbor(REQUEST))).toBe('error ERR_INVALID_RESPONSE');
    expect(await outcome(device.ping(REQUEST))).toBe('ok'); // after the resync INIT
    key.inject({ kind: 'drop', direction: 'to-host', after: 1 });
    expect(await device.cbor(REQUEST).catch((x: unknown) => x)).toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      name: 'HidError',
      reason: 'ctaphid-malformed',
      details: { reason: 'ctaphid-malformed', problem: 'wrong-sequence' },
    });
    expect(await outcome(device.ping(REQUEST))).toBe('ok');
    key.inject({ kind: 'drop', direction: 'to-host', after: 3 });
    expect(await outcome(device.cbor(REQUEST))).toBe('error ERR_TIMEOUT');
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    await device.close();
  });

  it('a device unplugged mid-message gives ERR_DEVICE_GONE, now and later; plugged back in it works', async () => {
    const { key, device } = await fresh();
    key.inject({ kind: 'unplug', direction: 'to-host', after: 2 });
    const e = await device.cbor(REQUEST).catch((x: { code?: string }) => x);
    expect(e).toMatchObject({
      code: 'ERR_DEVICE_GONE',
      name: 'HidError',
      reason: 'device-gone',
      message: 'the device was unplugged',
    });
    expect(await device.ping().catch((x: { code?: string }) => x.code)).toBe('ERR_DEVICE_GONE');
    expect(await HidTransport.open(key.connection(), OPTIONS).catch((x: { code?: string }) => x.code)).toBe(
      'ERR_DEVICE_GONE',
    );
    key.replug();
    const again = await HidTransport.open(key.connection(), OPTIONS);
    expect(await outcome(again.cbor(REQUEST))).toBe('ok');
    await Promise.all([device.close(), again.close()]);
  });

  it('a device unplugged while the user is asked to touch it ends the call at once', async () => {
    const fake = new FakeCtapDevice({ requirePresence: true, presenceTimeoutMs: 10_000 });
    const key = new SimulatedHidDevice(fake, { keepaliveIntervalMs: 20 });
    const device = await HidTransport.open(key.connection(), OPTIONS);
    const call = device.cbor(REQUEST, { onKeepalive: () => key.unplug() });
    expect(await call.catch((x: { code?: string }) => x.code)).toBe('ERR_DEVICE_GONE');
    await device.close();
  });

  it('a stalled device times out (typed) and works again once it resumes', async () => {
    const { key, device } = await fresh();
    key.inject({ kind: 'stall', direction: 'to-host', after: 1 });
    const started = Date.now();
    expect(await outcome(device.cbor(REQUEST))).toBe('error ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1000);
    // Still stalled: the resync INIT times out too.
    expect(await outcome(device.ping(REQUEST))).toBe('error ERR_TIMEOUT');
    key.resume();
    expect(await outcome(device.ping(REQUEST))).toBe('ok');
    await device.close();
  });

  it('a stalled device with a pending abort still ends the call (ERR_ABORTED)', async () => {
    const { key, device } = await fresh();
    key.stall();
    const e = await device
      .cbor(REQUEST, { signal: AbortSignal.timeout(30) })
      .catch((x: { code?: string }) => x);
    expect(e).toMatchObject({ code: 'ERR_ABORTED' });
    key.resume();
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    await device.close();
  });
});
