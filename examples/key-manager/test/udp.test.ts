import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedHidDevice } from '@fido2kit/transport-hid/testing';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../../enroll-and-sign-in/test/run.js';

const MAIN = new URL('../src/main.ts', import.meta.url);

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A USB key as a firmware simulator exposes it: CTAPHID reports over UDP on loopback (as solo1's
 * and the Trussed PC builds do), around a virtual authenticator.
 */
describe('fido2kit-keys on a key over CTAPHID (a firmware simulator over UDP)', () => {
  const authenticator = new VirtualAuthenticator({ pin: '1234', fingerprints: 1 });
  const key = new SimulatedHidDevice(authenticator, { keepaliveIntervalMs: 20 });
  const socket: Socket = createSocket('udp4');
  let device = '';
  let close = () => {};

  beforeAll(async () => {
    const hostPort = await freePort();
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const link = key.link((report) => socket.send(report, hostPort, '127.0.0.1'));
    socket.on('message', (msg) => link.receive(new Uint8Array(msg)));
    close = () => link.close();
    device = `udp:${socket.address().port}:${hostPort}`;
  });
  afterAll(async () => {
    close();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  });

  it('winks the key, and shows its info', async () => {
    const virtual = join(mkdtempSync(join(tmpdir(), 'fido2kit-keys-udp-')), 'unused.json');
    const w = await runProgram(MAIN, ['wink', '--device', device, '--virtual', virtual]);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('firmware simulator at 127.0.0.1');
    expect(w.stdout).toContain('The key is winking');
    expect(key.stats.winks).toBe(1);

    const info = await runProgram(MAIN, ['info', '--device', device, '--virtual', virtual, '--json']);
    expect(info.code).toBe(0);
    expect(info.steps[0]).toMatchObject({ step: 'key', kind: 'udp', created: false });
    expect(info.steps[1]).toMatchObject({
      model: 'fido2kit Virtual Security Key',
      pin: { set: true, retries: 8 },
      fingerprints: { sensor: true, enrolled: true },
    });
  });
});
