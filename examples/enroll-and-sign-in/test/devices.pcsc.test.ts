// `--device nfc` when pcscd is running but no key is on the reader: the message says exactly that,
// not "start pcscd". pcscd with the vsmartcard vpcd driver gives a reader ("Virtual PCD 00 00")
// on which no card is connected.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PcscdHandle, startPcscd } from '@fido2kit/transport-nfc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from './run.js';

const DEMO = new URL('../src/main.ts', import.meta.url);

describe('--device nfc with pcscd running and no key on the reader', () => {
  let pcscd: PcscdHandle;
  beforeAll(async () => {
    pcscd = await startPcscd();
  }, 60_000);
  afterAll(async () => {
    await pcscd?.stop();
  });

  it('says pcscd is running and no FIDO key is on the reader, naming it', async () => {
    const data = mkdtempSync(join(tmpdir(), 'fido2kit-nfc-none-'));
    const r = await runProgram(DEMO, ['--device', 'nfc', '--virtual', join(data, 'k.json'), '--data', data], {
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pcscd is running, but no FIDO key is on the reader');
    expect(r.stderr).toContain('Virtual PCD');
    expect(r.stderr).toContain('Hold your key to the reader');
    expect(r.stderr).not.toMatch(/start pcscd/i);
  }, 90_000);
});
