/**
 * BleTransport against the simulated peripheral: link setup (revision selection, control point
 * length, MTU), CTAP2 and U2F over MSG, keepalives, cancel, and every injected fault ending in a
 * typed error or a transparent retry — never a hang — with the next call working.
 */

import type { CtapDevice } from '@fido2kit/ctap2';
import { Ctap1, Ctap2, encodeU2fApdu } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import {
  type BleConnection,
  BleTransport,
  type BleTransportOptions,
  SERVICE_REVISION,
} from '../src/index.js';
import { type BleFault, SimulatedBlePeripheral, type SimulatedBlePeripheralOptions } from '../src/testing.js';

/** A CtapDevice that echoes: cbor → 00 ‖ request, msg → request ‖ 90 00. */
class EchoDevice implements CtapDevice {
  readonly transport = 'virtual' as const;
  failMsg = false;
  async cbor(request: Uint8Array): Promise<Uint8Array> {
    return Uint8Array.of(0x00, ...request);
  }
  async msg(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.failMsg) throw new Error('firmware fault');
    return Uint8Array.of(...apdu, 0x90, 0x00);
  }
  async close(): Promise<void> {}
}

/** U2F VERSION, extended-length form (FIDO U2F Raw Message Formats §3). */
const U2F_VERSION = encodeU2fApdu(0x03, 0, 0, new Uint8Array(0));
const FAST: BleTransportOptions = { timeoutMs: 250, cancelTimeoutMs: 200, busyBackoffMs: 5 };
const REQUEST = Uint8Array.from({ length: 200 }, (_, i) => 1 + (i % 250)); // 200 bytes: 11 fragments at maxLen 20

async function echoLink(peripheral: SimulatedBlePeripheralOptions = {}, options: BleTransportOptions = FAST) {
  const key = new SimulatedBlePeripheral(new EchoDevice(), {
    keepaliveIntervalMs: 20,
    messageTimeoutMs: 80,
    ...peripheral,
  });
  const device = await BleTransport.open(key.connection(), options);
  return { key, device };
}

async function outcome(p: Promise<Uint8Array>): Promise<string> {
  try {
    const r = await p;
    const same =
      r.length === REQUEST.length + 1 && r[0] === 0 && r.subarray(1).every((b, i) => b === REQUEST[i]);
    return same ? 'ok' : 'WRONG';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `error ${code}` : `UNTYPED ${String(e)}`;
  }
}

describe('link setup', () => {
  it('selects FIDO2, reads the control point length and sizes fragments to min(cpl, MTU − 3)', async () => {
    for (const [mtu, cpl, maxLen] of [
      [23, 512, 20],
      [185, 512, 182],
      [185, 180, 180],
      [512, 512, 509],
      [517, 20, 20],
    ] as const) {
      const key = new SimulatedBlePeripheral(new VirtualAuthenticator(), { mtu, controlPointLength: cpl });
      const device = await BleTransport.open(key.connection());
      expect(device.info).toMatchObject({
        mtu,
        controlPointLength: cpl,
        maxFragmentLength: maxLen,
        revision: 'fido2',
        cbor: true,
      });
      expect(key.selectedRevision).toBe(SERVICE_REVISION.FIDO2);
      const ctap = await Ctap2.open(device);
      expect(ctap.info.versions).toContain('FIDO_2_1');
      await device.close();
    }
  });

  it('falls back to U2F 1.2, U2F 1.1 or U2F 1.0 (no bitfield) and refuses CTAP2 there', async () => {
    for (const [revisions, protocol, expected] of [
      [SERVICE_REVISION.U2F_1_2, 'auto', 'u2f-1.2'],
      [SERVICE_REVISION.U2F_1_1, 'auto', 'u2f-1.1'],
      [null, 'auto', 'u2f-1.0'],
      [SERVICE_REVISION.FIDO2 | SERVICE_REVISION.U2F_1_2, 'u2f', 'u2f-1.2'],
    ] as const) {
      const key = new SimulatedBlePeripheral(new VirtualAuthenticator({ u2f: 'u2f-only' }), { revisions });
      const device = await BleTransport.open(key.connection(), { protocol });
      expect(device.info.revision).toBe(expected);
      expect(device.info.cbor).toBe(false);
      // A U2F registration (a 73-byte APDU: 4 fragments at 20 bytes) over MSG.
      const registration = await new Ctap1(device).register(
        new Uint8Array(32).fill(1),
        new Uint8Array(32).fill(2),
      );
      expect(registration.keyHandle.length).toBeGreaterThan(0);
      await expect(device.cbor(Uint8Array.of(0x04))).rejects.toMatchObject({
        code: 'ERR_NOT_SUPPORTED',
        reason: 'no-common-revision',
      });
      await device.close();
    }
  });

  it('on a FIDO2 link, a U2F APDU (CLA 0x00) still reaches the U2F side', async () => {
    const key = new SimulatedBlePeripheral(new VirtualAuthenticator({ u2f: 'dual' }));
    const device = await BleTransport.open(key.connection());
    const registration = await new Ctap1(device).register(
      new Uint8Array(32).fill(1),
      new Uint8Array(32).fill(2),
    );
    expect(registration.keyHandle.length).toBeGreaterThan(0);
    // Routed as CTAP2 (command 0x00), the bytes would get a 1-byte CTAP status; the U2F side answers "U2F_V2" ‖ 90 00.
    expect(await new Ctap1(device).getVersion()).toBe('U2F_V2');
    expect((await Ctap2.open(device)).info.versions).toContain('U2F_V2');
    await device.close();
  });

  it("protocol 'fido2' refuses a U2F-only key and closes the connection", async () => {
    const key = new SimulatedBlePeripheral(new EchoDevice(), { revisions: SERVICE_REVISION.U2F_1_2 });
    const connection = key.connection();
    await expect(BleTransport.open(connection, { protocol: 'fido2' })).rejects.toMatchObject({
      name: 'BleError',
      code: 'ERR_NOT_SUPPORTED',
      reason: 'no-common-revision',
    });
    await expect(connection.readControlPointLength()).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE' });
  });

  it('a control point length outside 20…512 is refused as bad-characteristic', async () => {
    const key = new SimulatedBlePeripheral(new EchoDevice());
    const real = key.connection();
    const lying: BleConnection = {
      mtu: real.mtu,
      readServiceRevisionBitfield: () => real.readServiceRevisionBitfield(),
      writeServiceRevisionBitfield: (v: Uint8Array) => real.writeServiceRevisionBitfield(v),
      readControlPointLength: async () => Uint8Array.of(0x00, 0x10),
      subscribeStatus: (l: (f: Uint8Array) => void) => real.subscribeStatus(l),
      onDisconnect: (l: () => void) => real.onDisconnect(l),
      writeControlPoint: (f: Uint8Array) => real.writeControlPoint(f),
      close: () => real.close(),
    };
    await expect(BleTransport.open(lying)).rejects.toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      reason: 'bad-characteristic',
    });
  });

  it('bad arguments are ERR_INVALID_ARGUMENT', async () => {
    const { device } = await echoLink();
    expect(() => device.cbor('04' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    await expect(BleTransport.open(null as unknown as BleConnection)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    const key = new SimulatedBlePeripheral(new EchoDevice());
    await expect(BleTransport.open(key.connection(), { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(() => new SimulatedBlePeripheral(new EchoDevice(), { mtu: 22 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    await expect(device.cbor(new Uint8Array(65536))).rejects.toMatchObject({ code: 'ERR_REQUEST_TOO_LARGE' });
    await device.close();
    await expect(device.ping()).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE', reason: 'closed' });
  });
});

describe('messages', () => {
  it('PING echoes every length from 0 to 3000 bytes at maxLen 20 (SEQ wraps past 2449)', async () => {
    const { device, key } = await echoLink();
    for (const n of [0, 1, 17, 18, 36, 37, 2449, 2450, 3000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      expect(await device.ping(data)).toEqual(data);
    }
    expect(key.stats.pings).toBe(9);
    await device.close();
  });

  it('keepalives reach onKeepalive as processing / user-presence-needed, then the answer comes', async () => {
    const authenticator = new VirtualAuthenticator({
      presence: () => new Promise((resolve) => setTimeout(() => resolve(true), 300)),
    });
    const key = new SimulatedBlePeripheral(authenticator, { keepaliveIntervalMs: 50 });
    const device = await BleTransport.open(key.connection());
    const statuses: string[] = [];
    const ctap = await Ctap2.open(device);
    await ctap.selection({ onKeepalive: (s) => statuses.push(s) });
    expect(statuses).toContain('user-presence-needed');
    expect(key.stats.keepalives).toBeGreaterThan(0);
    await device.close();
  });

  it('abort sends CANCEL; the call rejects with ERR_ABORTED and the next call works', async () => {
    const authenticator = new VirtualAuthenticator({ presence: () => new Promise(() => {}) });
    const key = new SimulatedBlePeripheral(authenticator, { keepaliveIntervalMs: 20 });
    const device = await BleTransport.open(key.connection());
    const ctap = await Ctap2.open(device);
    const controller = new AbortController();
    const call = ctap.selection({
      signal: controller.signal,
      onKeepalive: (s) => {
        if (s === 'user-presence-needed') controller.abort(new Error('user closed the dialog'));
      },
    });
    await expect(call).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(key.stats.cancels).toBe(1);
    expect((await ctap.getInfo()).versions).toContain('FIDO_2_1');
    await device.close();
  });

  it('an onKeepalive that throws cancels the request and its error reaches the caller', async () => {
    const authenticator = new VirtualAuthenticator({ presence: () => new Promise(() => {}) });
    const key = new SimulatedBlePeripheral(authenticator, { keepaliveIntervalMs: 20 });
    const device = await BleTransport.open(key.connection());
    const boom = new Error('UI went away');
    await expect(
      device.cbor(Uint8Array.of(0x0b), {
        onKeepalive: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(key.stats.cancels).toBe(1);
    await device.close();
  });

  it('an ERROR frame becomes the CTAP1 status of the same number', async () => {
    const echo = new EchoDevice();
    echo.failMsg = true;
    const key = new SimulatedBlePeripheral(echo);
    const device = await BleTransport.open(key.connection());
    const e = await device.msg(U2F_VERSION).catch((x) => x);
    expect(e).toMatchObject({ name: 'CtapError', code: 'CTAP1_ERR_OTHER', status: 0x7f });
    expect(e.message).toContain('CTAPBLE ERROR ERR_OTHER');
    await device.close();
  });

  it('the peripheral answers ERR_BUSY to a second request and ERR_INVALID_CMD to a KEEPALIVE from the central', async () => {
    const key = new SimulatedBlePeripheral(
      new VirtualAuthenticator({ presence: () => new Promise(() => {}) }),
    );
    const link = key.connection();
    const seen: string[] = [];
    await link.writeServiceRevisionBitfield(Uint8Array.of(SERVICE_REVISION.FIDO2));
    await link.subscribeStatus((f) => seen.push(Buffer.from(f).toString('hex')));
    await link.writeControlPoint(Uint8Array.of(0x83, 0x00, 0x01, 0x0b)); // authenticatorSelection: waits for a touch
    await link.writeControlPoint(Uint8Array.of(0x83, 0x00, 0x01, 0x04)); // getInfo while busy
    await link.writeControlPoint(Uint8Array.of(0xbe, 0x00, 0x00)); // CANCEL
    await new Promise((r) => setTimeout(r, 150));
    await link.writeControlPoint(Uint8Array.of(0x82, 0x00, 0x01, 0x01));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toContain('bf000106'); // ERROR ERR_BUSY
    expect(seen).toContain('8300012d'); // MSG CTAP2_ERR_KEEPALIVE_CANCEL
    expect(seen.at(-1)).toBe('bf000101'); // ERROR ERR_INVALID_CMD
    await link.close();
  });
});

describe('fault injection', () => {
  const cases: BleFault[] = [];
  for (const kind of ['drop', 'duplicate'] as const) {
    for (const direction of ['to-peripheral', 'to-host'] as const) {
      for (const after of [0, 1, 5, 10]) cases.push({ kind, direction, after });
    }
  }
  for (const fault of cases) {
    it(`${fault.kind} fragment #${fault.after} ${fault.direction}: a typed error or a retry, then the next call works`, async () => {
      const { key, device } = await echoLink();
      key.inject(fault);
      const started = Date.now();
      const result = await outcome(device.cbor(REQUEST));
      expect(result).toMatch(/^(ok|error (ERR_TIMEOUT|ERR_INVALID_RESPONSE))$/);
      // A request that lost a later fragment never ran: the peripheral says so and it is resent. (A lost
      // first fragment leaves the peripheral nothing to answer: the host times out.)
      if (fault.direction === 'to-peripheral' && fault.after! > 0) expect(result).toBe('ok');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await outcome(device.cbor(REQUEST))).toBe('ok');
      await device.close();
    });
  }

  it('a request the peripheral never received whole is resent: lost middle (ERR_INVALID_SEQ) and lost last fragment (ERR_REQ_TIMEOUT)', async () => {
    const { key, device } = await echoLink();
    key.inject({ kind: 'drop', direction: 'to-peripheral', after: 3 });
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    key.inject({ kind: 'drop', direction: 'to-peripheral', after: 10 });
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    expect(key.stats.errors).toBe(2);
    expect(key.stats.requests).toBe(2);
    await device.close();
  });

  it('a broken answer is ERR_INVALID_RESPONSE naming the framing fault, then a PING resynchronises', async () => {
    const { key, device } = await echoLink();
    key.inject({ kind: 'duplicate', direction: 'to-host', after: 2 });
    const e = await device.cbor(REQUEST).catch((x) => x);
    expect(e).toMatchObject({ name: 'BleError', code: 'ERR_INVALID_RESPONSE', reason: 'framing' });
    expect(e.details).toMatchObject({ framing: 'wrong-sequence' });
    const pings = key.stats.pings;
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    expect(key.stats.pings).toBe(pings + 1);
    key.inject({ kind: 'drop', direction: 'to-host', after: 10 }); // the last fragment of the answer
    expect(await outcome(device.cbor(REQUEST))).toBe('error ERR_TIMEOUT');
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    await device.close();
  });

  for (const direction of ['to-host', 'to-peripheral'] as const) {
    it(`a disconnect mid-message (${direction}) is ERR_DEVICE_GONE for this and every later call`, async () => {
      const { key, device } = await echoLink();
      key.inject({ kind: 'disconnect', direction, after: 4 });
      const e = await device.cbor(REQUEST).catch((x) => x);
      expect(e).toMatchObject({ name: 'BleError', code: 'ERR_DEVICE_GONE', reason: 'disconnected' });
      await expect(device.ping()).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE' });
      await device.close();
    });
  }

  it('a keepalive storm (5000 KEEPALIVE frames) is survived: every one reported, then the answer', async () => {
    const { key, device } = await echoLink();
    key.inject({ kind: 'keepalive-storm', count: 5000 });
    let keepalives = 0;
    const answer = await device.cbor(REQUEST, { onKeepalive: () => keepalives++ });
    expect(answer.subarray(1)).toEqual(REQUEST);
    expect(keepalives).toBeGreaterThanOrEqual(5000);
    expect(await outcome(device.cbor(REQUEST))).toBe('ok');
    await device.close();
  });

  it('endless keepalives do not outlast maxDurationMs', async () => {
    const authenticator = new VirtualAuthenticator({ presence: () => new Promise(() => {}) });
    const key = new SimulatedBlePeripheral(authenticator, { keepaliveIntervalMs: 5 });
    const device = await BleTransport.open(key.connection(), { maxDurationMs: 300, cancelTimeoutMs: 100 });
    const ctap = await Ctap2.open(device);
    const started = Date.now();
    const e = await ctap.selection().catch((x) => x);
    expect(e).toMatchObject({ code: 'ERR_TIMEOUT', reason: 'timeout' });
    expect(e.message).toContain('within 300 ms');
    expect(Date.now() - started).toBeLessThan(1500);
    await device.close();
  });
});
