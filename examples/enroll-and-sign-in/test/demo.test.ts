import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('a key model outside the catalog is refused when attestation is enforced', async () => {
    const other = mkdtempSync(join(tmpdir(), 'fido2kit-demo-'));
    // metadata made for one virtual key, then a different key (another state file) enrols
    await demo(['--data', other, 'enroll', '--yes']);
    const r = await demo([
      '--data',
      other,
      'enroll',
      '--virtual',
      join(other, 'another-key.json'),
      '--user',
      'carol',
      '--json',
    ]);
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
