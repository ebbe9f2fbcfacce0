import { describe, expect, it } from 'vitest';
import type { HidConnection } from '../src/connection.js';
import {
  BROADCAST_CID,
  CTAPHID_CAPABILITIES,
  CTAPHID_COMMANDS,
  CTAPHID_ERRORS,
  CtaphidReassembler,
  encodeInitResponse,
  encodeMessage,
  MAX_PAYLOAD,
} from '../src/ctaphid.js';
import { SimulatedHidDevice } from '../src/simulated-device.js';
import { HidTransport } from '../src/transport.js';
import type { HidTransportOptions } from '../src/transport-options.js';
import { FakeCtapDevice, hex, rejection, wait } from './helpers/fake-device.js';

const FAST: HidTransportOptions = { timeoutMs: 400, cancelTimeoutMs: 300, busyBackoffMs: 5 };

async function setup(fake = new FakeCtapDevice(), options = {}) {
  const key = new SimulatedHidDevice(fake, { keepaliveIntervalMs: 20, messageTimeoutMs: 100, ...options });
  const device = await HidTransport.open(key.connection(), FAST);
  return { key, fake, device };
}

describe('HidTransport.open', () => {
  it('allocates a channel with INIT and reads the capabilities', async () => {
    const { key, device } = await setup();
    expect(device.transport).toBe('usb');
    expect(device.info).toMatchObject({
      channelId: 1,
      protocolVersion: 2,
      deviceVersion: { major: 1, minor: 0, build: 0 },
      capabilities: CTAPHID_CAPABILITIES.WINK | CTAPHID_CAPABILITIES.CBOR,
      wink: true,
      cbor: true,
      msg: true,
    });
    const second = await HidTransport.open(key.connection(), FAST);
    expect(second.info.channelId).toBe(2);
    await Promise.all([device.close(), second.close()]);
  });

  it('checks the nonce echo: answers to other nonces are skipped', async () => {
    const key = new SimulatedHidDevice(new FakeCtapDevice());
    const inner = key.connection();
    let forged = false;
    // A connection on which another host's INIT answer (other nonce, other channel) arrives first.
    const connection: HidConnection = {
      write: (r) => inner.write(r),
      read: async (ms) => {
        if (!forged) {
          forged = true;
          const payload = encodeInitResponse({
            nonce: new Uint8Array(8).fill(0xee),
            cid: 0x7777,
            protocolVersion: 2,
            deviceVersion: { major: 9, minor: 9, build: 9 },
            capabilities: 0,
          });
          return encodeMessage(BROADCAST_CID, CTAPHID_COMMANDS.INIT, payload)[0];
        }
        return inner.read(ms);
      },
      close: () => inner.close(),
    };
    const device = await HidTransport.open(connection, FAST);
    expect(device.info.channelId).toBe(1);
    await device.close();
  });

  it('times out, typed, when no answer carries our nonce, and closes the connection', async () => {
    let closed = false;
    const silent: HidConnection = {
      write: async () => {},
      read: async (ms) => {
        await wait(Math.min(ms, 20));
        return undefined;
      },
      close: async () => {
        closed = true;
      },
    };
    const e = await rejection(HidTransport.open(silent, { timeoutMs: 100 }));
    expect(e).toMatchObject({ code: 'ERR_TIMEOUT', name: 'HidError', reason: 'timeout' });
    expect(e.message).toBe('the device was silent for 100 ms while answering CTAPHID_INIT');
    expect(closed).toBe(true);
  });

  it('refuses a reserved channel id from INIT', async () => {
    let nonce = new Uint8Array(8);
    const bad: HidConnection = {
      write: async (r) => {
        nonce = r.slice(7, 15);
      },
      read: async () =>
        encodeMessage(
          BROADCAST_CID,
          CTAPHID_COMMANDS.INIT,
          encodeInitResponse({
            nonce,
            cid: BROADCAST_CID,
            protocolVersion: 2,
            deviceVersion: { major: 1, minor: 0, build: 0 },
            capabilities: 4,
          }),
        )[0],
      close: async () => {},
    };
    expect(await rejection(HidTransport.open(bad, FAST))).toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      reason: 'unexpected-answer',
    });
  });
});

describe('HidTransport messages', () => {
  it('CBOR requests and responses of every framing shape, up to 7609 bytes', async () => {
    const { device, fake } = await setup();
    for (const n of [1, 56, 57, 58, 116, 117, 1000, MAX_PAYLOAD - 1]) {
      const request = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
      const response = await device.cbor(request);
      expect(response[0]).toBe(0);
      expect(hex(response.subarray(1))).toBe(hex(request));
    }
    expect(fake.requests).toHaveLength(8);
    expect(await rejection(device.cbor(new Uint8Array(MAX_PAYLOAD + 1)))).toMatchObject({
      code: 'ERR_REQUEST_TOO_LARGE',
      reason: 'request-too-large',
    });
    await device.close();
  });

  it('MSG carries U2F APDUs; a device with NMSG refuses them up front', async () => {
    const { device } = await setup();
    expect(hex(await device.msg(Uint8Array.of(0, 3, 0, 0)))).toBe('000300009000');
    await device.close();
    const nmsg = await setup(new FakeCtapDevice(), {
      capabilities: CTAPHID_CAPABILITIES.CBOR | CTAPHID_CAPABILITIES.NMSG,
    });
    const e = await rejection(nmsg.device.msg(Uint8Array.of(0, 3, 0, 0)));
    expect(e).toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      reason: 'not-supported',
      message: 'the device does not implement CTAPHID_MSG',
    });
    await nmsg.device.close();
  });

  it('PING echoes (python-fido2 test_ping payloads and a full-size one)', async () => {
    const { device } = await setup();
    for (const text of ['hello world!', '            ', '']) {
      const data = new TextEncoder().encode(text);
      expect(hex(await device.ping(data))).toBe(hex(data));
    }
    const big = crypto.getRandomValues(new Uint8Array(MAX_PAYLOAD));
    expect(hex(await device.ping(big))).toBe(hex(big));
    await device.close();
  });

  it('WINK reaches the device; without the WINK capability it is refused', async () => {
    const { key, device } = await setup();
    await device.wink();
    expect(key.stats.winks).toBe(1);
    await device.close();
    const plain = await setup(new FakeCtapDevice(), { capabilities: CTAPHID_CAPABILITIES.CBOR });
    expect(await rejection(plain.device.wink())).toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    await plain.device.close();
  });

  it('an authenticator error becomes the CTAP status byte of the response', async () => {
    const { device } = await setup(new FakeCtapDevice({ failWith: 0x31 }));
    expect(hex(await device.cbor(Uint8Array.of(6)))).toBe('31');
    await device.close();
  });

  it('serialises concurrent calls on one transport', async () => {
    const { device } = await setup(new FakeCtapDevice({ delayMs: 10 }));
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => device.cbor(new Uint8Array(100 * i).fill(i)).then((r) => r.length)),
    );
    expect(results).toEqual([101, 201, 301, 401]);
    await device.close();
  });

  it('a device that forgot our channel (reset) gets a new one and the call goes through', async () => {
    const { key, device } = await setup();
    key.replug(); // a power cycle: channels forgotten, connections kept
    expect(hex(await device.ping(Uint8Array.of(5)))).toBe('05');
    key.replug();
    expect(hex(await device.cbor(Uint8Array.of(6)))).toBe('0006');
    await device.close();
  });

  it('after close every call rejects with ERR_DEVICE_GONE', async () => {
    const { device } = await setup();
    await device.close();
    await device.close();
    expect(await rejection(device.ping())).toMatchObject({
      code: 'ERR_DEVICE_GONE',
      reason: 'closed',
      message: 'the HID transport is closed',
    });
  });

  it('refuses wrong arguments with ERR_INVALID_ARGUMENT errors that name them', async () => {
    const { device } = await setup();
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => device.cbor('x' as unknown as Uint8Array)).toThrow(
      '"request" expected Uint8Array, got string',
    );
    expect(() => device.cbor('x' as unknown as Uint8Array)).toThrow(invalid);
    expect(() => device.lock(11)).toThrow('"seconds" expected an integer in 0..10, got 11');
    expect(() => device.lock(11)).toThrow(invalid);
    await expect(
      HidTransport.open(new SimulatedHidDevice(new FakeCtapDevice()).connection(), { timeoutMs: -1 }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: '"timeoutMs" expected a positive number of ms, got -1',
    });
    await device.close();
  });
});

describe('keepalive and cancel', () => {
  it('reports processing and user-presence keepalives, then the answer after the touch', async () => {
    const fake = new FakeCtapDevice({ delayMs: 60, requirePresence: true });
    const { device, key } = await setup(fake);
    const statuses: string[] = [];
    const call = device.cbor(Uint8Array.of(1, 2), {
      onKeepalive: (s) => {
        statuses.push(s);
        if (s === 'user-presence-needed') setTimeout(() => fake.touch(), 50);
      },
    });
    expect(hex(await call)).toBe('000102');
    expect(statuses[0]).toBe('processing');
    expect(statuses).toContain('user-presence-needed');
    expect(key.stats.keepalives).toBeGreaterThan(1);
    await device.close();
  });

  it('keepalives keep a slow answer alive past the silence timeout', async () => {
    const { device } = await setup(new FakeCtapDevice({ delayMs: 900 }));
    expect((await device.cbor(Uint8Array.of(4))).length).toBe(2); // timeoutMs is 400
    await device.close();
  });

  it('abort sends CANCEL, expects CTAP2_ERR_KEEPALIVE_CANCEL, and the next call works', async () => {
    const fake = new FakeCtapDevice({ requirePresence: true });
    const { device, key } = await setup(fake);
    const controller = new AbortController();
    const call = device.cbor(Uint8Array.of(1), {
      signal: controller.signal,
      onKeepalive: (s) => {
        if (s === 'user-presence-needed') controller.abort(new Error('user closed the dialog'));
      },
    });
    const e = await rejection(call);
    expect(e).toMatchObject({ code: 'ERR_ABORTED', message: 'the operation was aborted' });
    expect((e.cause as { code?: string }).code).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(key.stats.cancels).toBe(1);
    fake.options = {};
    expect(hex(await device.cbor(Uint8Array.of(9)))).toBe('0009');
    await device.close();
  });

  it('an authenticator that ignores the signal still ends the call promptly', async () => {
    const fake = new FakeCtapDevice({ requirePresence: true, ignoreSignal: true, presenceTimeoutMs: 5000 });
    const { device } = await setup(fake, { cancelGraceMs: 30 });
    const started = Date.now();
    const e = await rejection(device.cbor(Uint8Array.of(1), { signal: AbortSignal.timeout(50) }));
    expect(e.code).toBe('ERR_ABORTED');
    expect(Date.now() - started).toBeLessThan(1000);
    fake.touch();
    fake.options = {};
    expect(hex(await device.ping(Uint8Array.of(1)))).toBe('01');
    await device.close();
  });

  it('an already aborted signal rejects before anything is sent', async () => {
    const { device, key } = await setup();
    const before = key.stats.reportsToDevice;
    const e = await rejection(device.cbor(Uint8Array.of(1), { signal: AbortSignal.abort() }));
    expect(e.code).toBe('ERR_ABORTED');
    expect(key.stats.reportsToDevice).toBe(before);
    await device.close();
  });

  it('a throwing onKeepalive cancels the request and surfaces its error', async () => {
    const { device } = await setup(new FakeCtapDevice({ requirePresence: true }));
    const boom = new Error('boom');
    const e = await rejection(
      device.cbor(Uint8Array.of(1), {
        onKeepalive: () => {
          throw boom;
        },
      }),
    );
    expect(e).toBe(boom);
    expect(hex(await device.ping(Uint8Array.of(2)))).toBe('02');
    await device.close();
  });

  it('maxDurationMs caps a call that only ever gets keepalives', async () => {
    const key = new SimulatedHidDevice(
      new FakeCtapDevice({ requirePresence: true, presenceTimeoutMs: 5000 }),
      {
        keepaliveIntervalMs: 20,
      },
    );
    const device = await HidTransport.open(key.connection(), { ...FAST, maxDurationMs: 200 });
    const e = await rejection(device.cbor(Uint8Array.of(1)));
    expect(e).toMatchObject({ code: 'ERR_TIMEOUT', message: 'no answer to CTAPHID_CBOR within 200 ms' });
    await device.close();
  });
});

describe('several hosts: busy, lock', () => {
  it('CHANNEL_BUSY is retried with backoff until the device is free', async () => {
    const { key, device: a } = await setup(new FakeCtapDevice({ delayMs: 120 }));
    const b = await HidTransport.open(key.connection(), FAST);
    const slow = a.cbor(Uint8Array.of(1));
    await wait(20);
    expect(hex(await b.ping(Uint8Array.of(7)))).toBe('07');
    expect(hex(await slow)).toBe('0001');
    await Promise.all([a.close(), b.close()]);
  });

  it('without retries CHANNEL_BUSY surfaces as CtapError CTAP1_ERR_CHANNEL_BUSY', async () => {
    const { key, device: a } = await setup(new FakeCtapDevice({ delayMs: 200 }));
    const b = await HidTransport.open(key.connection(), { ...FAST, busyRetries: 0 });
    const slow = a.cbor(Uint8Array.of(1));
    await wait(20);
    const e = await rejection(b.ping(Uint8Array.of(7)));
    expect(e).toMatchObject({ name: 'CtapError', code: 'CTAP1_ERR_CHANNEL_BUSY', status: 6 });
    expect(e.message).toBe('the device answered CTAPHID_PING with CTAPHID_ERROR ERR_CHANNEL_BUSY (0x06)');
    await slow;
    await Promise.all([a.close(), b.close()]);
  });

  it('LOCK keeps other channels out until released', async () => {
    const { key, device: a } = await setup();
    const b = await HidTransport.open(key.connection(), { ...FAST, busyRetries: 1 });
    await a.lock(2);
    expect(await rejection(b.ping(Uint8Array.of(1)))).toMatchObject({ code: 'CTAP1_ERR_CHANNEL_BUSY' });
    expect(hex(await a.ping(Uint8Array.of(2)))).toBe('02');
    await a.lock(0);
    expect(hex(await b.ping(Uint8Array.of(3)))).toBe('03');
    await Promise.all([a.close(), b.close()]);
  });

  it('each host sees only its own channel although every report reaches every connection', async () => {
    const { key, device: a } = await setup(new FakeCtapDevice());
    const b = await HidTransport.open(key.connection(), FAST);
    const results = await Promise.all([
      a.cbor(new Uint8Array(300).fill(1)),
      b.cbor(new Uint8Array(300).fill(2)),
      a.ping(new Uint8Array(500).fill(3)),
      b.ping(new Uint8Array(500).fill(4)),
    ]);
    expect(results.map((r) => r[r.length - 1])).toEqual([1, 2, 3, 4]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('the device side (raw reports)', () => {
  async function raw(options = {}) {
    const key = new SimulatedHidDevice(new FakeCtapDevice(), { messageTimeoutMs: 50, ...options });
    const connection = key.connection();
    const transport = await HidTransport.open(key.connection(), FAST);
    const cid = transport.info.channelId;
    while ((await connection.read(0)) !== undefined) {
      // The transport's INIT answer reached this connection too.
    }
    const r = async (): Promise<string> => {
      const report = await connection.read(500);
      if (report === undefined) return 'silence';
      const out = new CtaphidReassembler().push(report);
      return out.status === 'complete'
        ? `${out.cid.toString(16)}:${out.cmd.toString(16)}:${hex(out.payload)}`
        : out.status;
    };
    return { key, connection, cid, r, transport };
  }
  const ERR = (code: number) => `3f:${code.toString(16).padStart(2, '0')}`;

  it('answers protocol mistakes with the CTAPHID error the spec names', async () => {
    const { connection, cid, r, transport } = await raw();
    const send = (reports: Uint8Array[]) => Promise.all(reports.map((x) => connection.write(x)));
    await send(encodeMessage(0, CTAPHID_COMMANDS.PING, new Uint8Array(0)));
    expect(await r()).toBe(`0:${ERR(CTAPHID_ERRORS.ERR_INVALID_CHANNEL)}`);
    await send(encodeMessage(BROADCAST_CID, CTAPHID_COMMANDS.PING, new Uint8Array(0)));
    expect(await r()).toBe(`ffffffff:${ERR(CTAPHID_ERRORS.ERR_INVALID_CHANNEL)}`);
    await send(encodeMessage(0x4242, CTAPHID_COMMANDS.PING, new Uint8Array(0)));
    expect(await r()).toBe(`4242:${ERR(CTAPHID_ERRORS.ERR_INVALID_CHANNEL)}`);
    await send(encodeMessage(BROADCAST_CID, CTAPHID_COMMANDS.INIT, new Uint8Array(7)));
    expect(await r()).toBe(`ffffffff:${ERR(CTAPHID_ERRORS.ERR_INVALID_LEN)}`);
    await send(encodeMessage(cid, 0x55, new Uint8Array(0)));
    expect(await r()).toBe(`${cid}:${ERR(CTAPHID_ERRORS.ERR_INVALID_CMD)}`);
    await send(encodeMessage(cid, CTAPHID_COMMANDS.LOCK, Uint8Array.of(11)));
    expect(await r()).toBe(`${cid}:${ERR(CTAPHID_ERRORS.ERR_INVALID_PAR)}`);
    const long = encodeMessage(cid, CTAPHID_COMMANDS.PING, new Uint8Array(200));
    await send([long[0]!, long[2]!]);
    expect(await r()).toBe(`${cid}:${ERR(CTAPHID_ERRORS.ERR_INVALID_SEQ)}`);
    await send([long[0]!]);
    expect(await r()).toBe(`${cid}:${ERR(CTAPHID_ERRORS.ERR_MSG_TIMEOUT)}`);
    const tooLong = long[0]!.slice();
    tooLong.set([0x1d, 0xba], 5);
    await send([tooLong]);
    expect(await r()).toBe(`${cid}:${ERR(CTAPHID_ERRORS.ERR_INVALID_LEN)}`);
    await transport.close();
    await connection.close();
  });

  it('INIT on an allocated channel resynchronises it and keeps the channel id', async () => {
    const { connection, cid, r, transport } = await raw();
    const long = encodeMessage(cid, CTAPHID_COMMANDS.PING, new Uint8Array(200));
    await connection.write(long[0]!);
    await connection.write(encodeMessage(cid, CTAPHID_COMMANDS.INIT, new Uint8Array(8).fill(1))[0]!);
    expect(await r()).toBe(`${cid}:6:0101010101010101${cid.toString(16).padStart(8, '0')}0201000005`);
    expect(await r()).toBe('silence');
    await transport.close();
    await connection.close();
  });
});
