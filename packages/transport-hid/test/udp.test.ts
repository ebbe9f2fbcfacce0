/**
 * The UDP link, end to end on loopback: a tiny "firmware" (a socket bound to the device port that
 * speaks CTAPHID with the device-side state machine around a fake authenticator), driven by
 * HidTransport over UdpHidConnection on non-default ports.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD } from '../src/ctaphid.js';
import { SimulatedHidDevice } from '../src/simulated-device.js';
import { HidTransport } from '../src/transport.js';
import { UdpHidConnection } from '../src/udp.js';
import { FakeCtapDevice, hex } from './helpers/fake-device.js';

interface Firmware {
  key: SimulatedHidDevice;
  fake: FakeCtapDevice;
  devicePort: number;
  close(): Promise<void>;
}

/** Listens on an ephemeral device port and answers to `hostPort`, as solo1's PC build does. */
async function startFirmware(hostPort: number): Promise<Firmware> {
  const fake = new FakeCtapDevice();
  const key = new SimulatedHidDevice(fake, { keepaliveIntervalMs: 20 });
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const link = key.link((report) => socket.send(report, hostPort, '127.0.0.1'));
  socket.on('message', (msg) => link.receive(new Uint8Array(msg)));
  return {
    key,
    fake,
    devicePort: socket.address().port,
    close: () =>
      new Promise((resolve) => {
        link.close();
        socket.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

describe('UdpHidConnection', () => {
  it('runs CTAPHID over UDP: INIT, CBOR of every size, MSG, PING, WINK, keepalive', async () => {
    const hostPort = await freePort();
    const firmware = await startFirmware(hostPort);
    cleanup.push(firmware.close);
    const connection = await UdpHidConnection.open({ devicePort: firmware.devicePort, hostPort });
    const device = await HidTransport.open(connection, { timeoutMs: 1000 });
    cleanup.push(() => device.close());
    expect(device.info.channelId).toBe(1);
    for (const n of [1, 57, 58, 1000, MAX_PAYLOAD - 1]) {
      const request = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      expect(hex(await device.cbor(request))).toBe(`00${hex(request)}`);
    }
    expect(hex(await device.msg(Uint8Array.of(0, 3, 0, 0)))).toBe('000300009000');
    expect(hex(await device.ping(new TextEncoder().encode('hello world!')))).toBe('68656c6c6f20776f726c6421');
    await device.wink();
    expect(firmware.key.stats.winks).toBe(1);
    firmware.fake.options = { requirePresence: true };
    const statuses: string[] = [];
    const answer = await device.cbor(Uint8Array.of(1), {
      onKeepalive: (s) => {
        statuses.push(s);
        setTimeout(() => firmware.fake.touch(), 30);
      },
    });
    expect(hex(answer)).toBe('0001');
    expect(statuses).toContain('user-presence-needed');
  });

  it('cancels over UDP', async () => {
    const hostPort = await freePort();
    const firmware = await startFirmware(hostPort);
    cleanup.push(firmware.close);
    firmware.fake.options = { requirePresence: true };
    const device = await HidTransport.open(
      await UdpHidConnection.open({ devicePort: firmware.devicePort, hostPort }),
      { timeoutMs: 1000 },
    );
    cleanup.push(() => device.close());
    const e = await device.cbor(Uint8Array.of(1), { signal: AbortSignal.timeout(50) }).catch((x) => x);
    expect(e).toMatchObject({ code: 'ERR_ABORTED' });
    expect(e.cause).toMatchObject({ code: 'CTAP2_ERR_KEEPALIVE_CANCEL' });
  });

  it('with no simulator listening, INIT times out (typed) and the port is released', async () => {
    const hostPort = await freePort();
    const devicePort = await freePort();
    const connection = await UdpHidConnection.open({ devicePort, hostPort });
    const e = await HidTransport.open(connection, { timeoutMs: 150 }).catch((x) => x);
    expect(['ERR_TIMEOUT', 'ERR_DEVICE_GONE']).toContain(e.code);
    // open() closed the connection: the port can be bound again.
    const again = await UdpHidConnection.open({ devicePort, hostPort });
    await again.close();
  });

  it('a port already in use is a typed error', async () => {
    const hostPort = await freePort();
    const first = await UdpHidConnection.open({ hostPort, devicePort: 1 });
    cleanup.push(() => first.close());
    const e = await UdpHidConnection.open({ hostPort, devicePort: 1 }).catch((x) => x);
    expect(e).toMatchObject({ code: 'ERR_TRANSPORT' });
    expect(e.message).toMatch(/^cannot bind UDP 127\.0\.0\.1:\d+: /);
    expect(() => UdpHidConnection.open({ hostPort: 70000 })).toThrow('"hostPort" expected a port number');
  });

  it('ignores datagrams that are not 64-byte reports, and fails reads after close', async () => {
    const hostPort = await freePort();
    const connection = await UdpHidConnection.open({ hostPort, devicePort: 1 });
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.send(new Uint8Array(10), hostPort, '127.0.0.1', () => resolve()));
    s.close();
    expect(await connection.read(50)).toBeUndefined();
    await connection.close();
    expect(await connection.read(10).catch((x) => x.code)).toBe('ERR_DEVICE_GONE');
  });
});
