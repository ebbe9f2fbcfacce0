/**
 * What a newcomer meets on the documented variations of the demo (issue 19): each case runs the
 * program as a child process, as a user would.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from './run.js';

const MAIN = new URL('../src/main.ts', import.meta.url);
const demo = (args: string[]) => runProgram(MAIN, args);
const tempDir = () => mkdtempSync(join(tmpdir(), 'fido2kit-demo-newcomer-'));

describe('the demo says what is true and what to do', { timeout: 120_000 }, () => {
  it('--no-enforce-attestation: the key-model line claims a verified attestation only when it was', async () => {
    const data = tempDir();
    expect((await demo(['--data', data, 'enroll', '--yes'])).code).toBe(0);
    const r = await demo([
      '--data',
      data,
      'enroll',
      '--no-enforce-attestation',
      '--virtual',
      join(data, 'another-key.json'),
      '--user',
      'carol',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const enroll = r.steps.find((s) => s.step === 'enroll') as Record<string, unknown>;
    expect(typeof enroll.attestationTrusted).toBe('boolean');
    const note = String(enroll.modelNote);
    expect(note).toMatch(/^Key model: /);
    if (enroll.attestationTrusted)
      expect(note).toContain('attestation verified against the metadata catalog');
    else {
      expect(note).not.toContain('verified against');
      expect(note).toContain('attestation is not enforced');
    }
  });

  it('--virtual in a directory that does not exist is refused, and nothing is created', async () => {
    const missing = join(tempDir(), 'no', 'such', 'dir');
    const r = await demo(['--virtual', join(missing, 'k.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('an unknown option gets one plain line (no quote left open) and exit code 2', async () => {
    const r = await demo(['--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('fido2kit-demo: unknown option --frob');
    expect(r.stderr).not.toContain("'--frob");
  });

  it('--json errors carry their real code and never ask to run again with --json', async () => {
    const r = await demo(['--data', tempDir(), '--device', 'hid', '--json']);
    expect(r.code).toBe(1);
    const error = r.steps.find((s) => s.step === 'error');
    expect(error?.code).toMatch(/^ERR_[A-Z_]+$/);
    expect(error?.code).not.toBe('Error');
    expect(r.stderr + r.stdout).not.toContain('run again with --json');
  });

  it('--account names an account the key does not hold: says so, with no advice about touching the key', async () => {
    const data = tempDir();
    expect((await demo(['--data', data, '--yes'])).code).toBe(0);
    expect((await demo(['--data', data, '--user', 'bob', '--key-name', 'Blue key', '--yes'])).code).toBe(0);
    const r = await demo(['--data', data, 'sign-in', '--account', 'zed', '--json']);
    expect(r.code).toBe(1);
    expect(r.steps.at(-1)).toMatchObject({ step: 'error', code: 'ERR_NO_SUCH_ACCOUNT' });
    expect(r.stderr).toContain('this key holds no account "zed" for fido2kit.example; it holds: ');
    // the spinner asked for a touch before the key listed its accounts; the error and advice do not
    expect(r.stderr.slice(r.stderr.indexOf('fido2kit-demo:'))).not.toMatch(/touch/i);
  });

  it('with several accounts on the key and no terminal, plain runs sign in the enrolled user; --pin unused by a fingerprint is mentioned', async () => {
    const data = tempDir();
    expect((await demo(['--data', data, '--yes'])).code).toBe(0);
    const bob = await demo(['--data', data, '--user', 'bob', '--key-name', 'Blue key', '--pin', '123456']);
    expect(bob.code).toBe(0);
    expect(bob.stdout).toContain('Signed in as bob with "Blue key"');
    expect(bob.stderr).toContain('--pin was not used: the key verified you with its fingerprint sensor');
    const plain = await demo(['--data', data]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Signed in as alice');
  });

  it('`npm run --silent demo -- --json` pipes: every line on stdout is JSON', async () => {
    const { execFile } = await import('node:child_process');
    const root = new URL('../../../', import.meta.url);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'npm',
        ['run', '--silent', 'demo', '--', '--data', tempDir(), '--json'],
        { cwd: root, timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const lines = out.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { step: string }).step)).toEqual(['key', 'enroll', 'sign-in']);
  });
});
