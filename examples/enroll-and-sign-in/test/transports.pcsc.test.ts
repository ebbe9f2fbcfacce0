// The same demo over the two transports a real key uses, with the virtual key behind them:
// CTAPHID reports over UDP to a simulated HID device (the way firmware simulators connect), and
// NFC through a real PC/SC stack: libpcsclite → pcscd → vpcd → the virtual FIDO card.

import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVirtualKey } from '@fido2kit/example-common';
import { SimulatedHidDevice } from '@fido2kit/transport-hid/testing';
import { type PcscdHandle, startPcscd, VpcdCard } from '@fido2kit/transport-nfc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from './run.js';

const MAIN = new URL('../src/main.ts', import.meta.url);
const NEW_KEY = { pin: '123456', fingerprints: 1, attestation: 'packed' as const };

async function udpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('the demo over CTAPHID on UDP (simulated HID device)', () => {
  it('enrols and signs in through 64-byte CTAPHID reports', async () => {
    const data = mkdtempSync(join(tmpdir(), 'fido2kit-demo-udp-'));
    const state = join(data, 'virtual-key.json');
    const { authenticator } = loadVirtualKey(state, NEW_KEY);
    const hid = new SimulatedHidDevice(authenticator);
    const hostPort = await udpPort();
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    const link = hid.link((report) => socket.send(report, hostPort, '127.0.0.1'));
    socket.on('message', (m) => link.receive(new Uint8Array(m)));
    try {
      const devicePort = socket.address().port;
      const r = await runProgram(MAIN, [
        '--device',
        `udp:${devicePort}:${hostPort}`,
        '--virtual',
        state,
        '--data',
        data,
        '--json',
      ]);
      expect(r.stderr).not.toContain('fido2kit-demo:');
      expect(r.code).toBe(0);
      expect(r.steps.map((s) => s.step)).toEqual(['key', 'enroll', 'sign-in']);
      expect(r.steps[0]).toMatchObject({ kind: 'udp' });
      expect(r.steps[1]).toMatchObject({ user: 'alice', model: 'fido2kit Virtual Security Key' });
      expect(r.steps[2]).toMatchObject({ user: 'alice', userVerified: true });
      expect(authenticator.credentials.map((c) => c.user.name)).toEqual(['alice']);
    } finally {
      link.close();
      await new Promise<void>((r) => socket.close(() => r()));
    }
  });
});

describe('the demo over NFC through pcscd and vpcd', () => {
  let pcscd: PcscdHandle;
  beforeAll(async () => {
    pcscd = await startPcscd();
  }, 60_000);
  afterAll(async () => {
    await pcscd?.stop();
  });

  it('enrols two accounts and signs in with the one chosen, through the virtual FIDO card', async () => {
    const data = mkdtempSync(join(tmpdir(), 'fido2kit-demo-nfc-'));
    const state = join(data, 'virtual-key.json');
    const { authenticator } = loadVirtualKey(state, NEW_KEY);
    const card = new VpcdCard({ authenticator });
    await card.connect();
    try {
      const args = ['--device', 'nfc', '--virtual', state, '--data', data, '--json'];
      const first = await runProgram(MAIN, args, { timeoutMs: 90_000 });
      expect(first.stderr).not.toContain('fido2kit-demo:');
      expect(first.code).toBe(0);
      expect(first.steps[0]).toMatchObject({ kind: 'nfc' });
      expect(first.steps.at(-1)).toMatchObject({ step: 'sign-in', user: 'alice', userVerified: true });
      const second = await runProgram(MAIN, [...args, '--user', 'bob', '--account', 'bob'], {
        timeoutMs: 90_000,
      });
      expect(second.code).toBe(0);
      expect(second.steps.map((s) => s.step)).toEqual(['key', 'enroll', 'select-account', 'sign-in']);
      expect(second.steps.at(-1)).toMatchObject({ user: 'bob' });
    } finally {
      await card.close();
    }
  }, 180_000);
});
