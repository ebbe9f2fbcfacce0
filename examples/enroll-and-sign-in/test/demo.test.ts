import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import { runProgram } from './run.js';

const MAIN = new URL('../src/main.ts', import.meta.url);
const demo = (args: string[]) => runProgram(MAIN, args);

describe('the enroll-and-sign-in demo, run as a program against the virtual key', () => {
  const data = mkdtempSync(join(tmpdir(), 'fido2kit-demo-'));

  it('first run: makes a virtual key, enrols alice with attestation enforced, signs in with no username', async () => {
    const r = await demo(['--data', data, '--yes']);
    expect(r.stderr).not.toMatch(/fido2kit-demo:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Made a virtual security key (PIN 123456, one fingerprint enrolled)');
    expect(r.stdout).toContain('attestation enforced against the metadata catalog');
    expect(r.stdout).toContain('Key model: fido2kit Virtual Security Key');
    expect(r.stdout).toContain('Added "fido2kit Virtual Security Key" to alice\'s sign-in methods.');
    expect(r.stdout).toMatch(
      /Signed in as alice with "fido2kit Virtual Security Key" \(signature counter \d+, user verified\)\./,
    );
    const store = JSON.parse(readFileSync(join(data, 'relying-party.json'), 'utf8'));
    expect(store.users.map((u: { name: string }) => u.name)).toEqual(['alice']);
  });

  it('second run with another account on the same key: --json steps, and the sign-in asks which account', async () => {
    const r = await demo([
      '--data',
      data,
      '--user',
      'bob',
      '--key-name',
      'Blue key',
      '--account',
      'bob',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.steps.map((s) => s.step)).toEqual(['key', 'enroll', 'select-account', 'sign-in']);
    expect(r.steps[0]).toMatchObject({ kind: 'virtual', created: false });
    expect(r.steps[1]).toMatchObject({
      user: 'bob',
      keyName: 'Blue key',
      model: 'fido2kit Virtual Security Key',
    });
    expect(r.steps[2]).toMatchObject({ accounts: expect.arrayContaining(['alice', 'bob']) });
    expect(r.steps[3]).toMatchObject({ user: 'bob', keyName: 'Blue key', userVerified: true });
  });

  it('picks the other account with --account, and the counter moves on', async () => {
    const r = await demo(['--data', data, 'sign-in', '--account', 'alice', '--json']);
    expect(r.code).toBe(0);
    expect(r.steps.at(-1)).toMatchObject({ step: 'sign-in', user: 'alice', userVerified: true });
    expect(Number(r.steps.at(-1)?.counter)).toBeGreaterThan(1);
  });

  it('with several accounts and no terminal and no --account, says what to pass and exits non-zero', async () => {
    const r = await demo(['--data', data, 'sign-in']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pass --account');
    expect(r.stderr).toContain('Run in a terminal, or answer on the command line');
  });

  it('enrolling the same account again on the same key is refused by the key, and the program says so', async () => {
    const r = await demo(['--data', data, 'enroll', '--user', 'alice', '--json']);
    expect(r.code).toBe(0);
    expect(r.steps.at(-1)).toMatchObject({ step: 'enroll', user: 'alice', alreadyRegistered: true });
  });

  it('every key of the virtual key model enrols with attestation enforced: a new state file, an old one', async () => {
    const other = mkdtempSync(join(tmpdir(), 'fido2kit-demo-'));
    await demo(['--data', other, 'enroll', '--yes']);
    // a second key (a new state file) is another key of the same model: the catalog approves it
    const fresh = await demo([
      '--data',
      other,
      'enroll',
      '--virtual',
      join(other, 'another-key.json'),
      '--user',
      'carol',
      '--json',
    ]);
    expect(fresh.code).toBe(0);
    expect(fresh.steps.at(-1)).toMatchObject({ step: 'enroll', user: 'carol' });
    // a key saved before the model existed (its own CA in the state) attests as the model now
    const old = join(other, 'old-key.json');
    copyFileSync(
      new URL(
        '../../../packages/virtual-authenticator/test/vectors/state-before-model.json',
        import.meta.url,
      ),
      old,
    );
    const r = await demo([
      '--data',
      other,
      'enroll',
      '--virtual',
      old,
      '--user',
      'dave',
      '--pin',
      '123456',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.steps.at(-1)).toMatchObject({ step: 'enroll', user: 'dave' });
  });

  it('a key model outside the catalog is refused when attestation is enforced', async () => {
    const other = mkdtempSync(join(tmpdir(), 'fido2kit-demo-'));
    const file = join(other, 'vendor-key.json');
    const key = new VirtualAuthenticator({
      aaguid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      pin: '123456',
      fingerprints: 1,
    });
    writeFileSync(file, JSON.stringify(key.exportState()));
    const r = await demo(['--data', other, 'enroll', '--virtual', file, '--user', 'carol', '--json']);
    expect(r.code).toBe(1);
    expect(r.steps.at(-1)).toMatchObject({ step: 'error', code: 'ERR_ATTESTATION_UNTRUSTED' });
    expect(r.stderr).toContain('only accepts approved key models');
  });

  it('--help explains every option; a bad command is a usage error', async () => {
    const help = await demo(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--pin', '--yes', '--account', '--json', '--device', '--virtual'])
      expect(help.stdout).toContain(flag);
    const bad = await demo(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command');
  });
});
