/**
 * What a newcomer meets in the key manager (issue 19): each case runs fido2kit-keys as a child
 * process with no terminal, on its own virtual key.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../enroll-and-sign-in/test/run.js';

const keys = (args: string[]) => runProgram(new URL('../src/main.ts', import.meta.url), args);
const demo = (args: string[]) =>
  runProgram(new URL('../../enroll-and-sign-in/src/main.ts', import.meta.url), args);
const tempDir = () => mkdtempSync(join(tmpdir(), 'fido2kit-keys-newcomer-'));

async function keyWithPin(): Promise<string> {
  const file = join(tempDir(), 'key.json');
  expect((await keys(['pin', 'set', '--virtual', file, '--pin', '1234'])).code).toBe(0);
  return file;
}

describe('fido2kit-keys: honest messages, in the order they matter', { timeout: 120_000 }, () => {
  it('pin change: a wrong current PIN is reported before any new PIN is asked for', async () => {
    const file = await keyWithPin();
    const r = await keys(['pin', 'change', '--virtual', file, '--pin', '0000', '--json']);
    expect(r.code).toBe(1);
    expect(r.steps.at(-1)).toMatchObject({ step: 'error', code: 'CTAP2_ERR_PIN_INVALID', retries: 7 });
    expect(r.stderr).not.toContain('--new-pin');
  });

  it('pin change on a terminal: a too-short new PIN is refused as it is typed, and asked again', async () => {
    const file = await keyWithPin();
    // a real terminal: util-linux script(1) runs the program on a pseudo-terminal
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const command = [process.execPath, tsx, '--conditions=@fido2kit/source', main, 'pin', 'change']
      .concat(['--virtual', file, '--pin', '1234'])
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let out = '';
    const seen = (text: string, from = 0) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${out}`)), 30_000);
        const check = () => {
          const at = out.indexOf(text, from);
          if (at >= 0) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve(at + text.length);
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    let at = await seen('New PIN: ');
    child.stdin.write('12\r');
    at = await seen('The PIN must have at least 4 characters', at);
    at = await seen('New PIN: ', at);
    child.stdin.write('5678\r');
    at = await seen('The new PIN again: ', at);
    child.stdin.write('5678\r');
    await seen('PIN changed.', at);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const info = await keys(['info', '--virtual', file, '--pin', '5678', '--json']);
    expect(info.steps.find((s) => s.step === 'info')).toMatchObject({ pin: { retries: 8 } });
  });

  it('config min-pin-length 3: one message, exit code 2 as documented', async () => {
    const r = await keys(['config', 'min-pin-length', '3', '--virtual', join(tempDir(), 'key.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'fido2kit-keys: config min-pin-length 3: expected a whole number from 4 to 63',
    );
    expect(r.stderr.match(/min-pin-length 3/g)).toHaveLength(1);
  });

  it('credentials list --rp SITE with none for that site says so', async () => {
    const file = await keyWithPin();
    const r = await keys(['credentials', 'list', '--rp', 'example.com', '--virtual', file, '--pin', '1234']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('None stored for example.com.');
  });

  it('a question it cannot ask reads as a sentence, then names the flag', async () => {
    const file = await keyWithPin();
    const data = tempDir();
    const enrolled = await demo([
      '--data',
      data,
      'enroll',
      '--virtual',
      file,
      '--user',
      'bob',
      '--pin',
      '1234',
      '--no-enforce-attestation',
      '--yes',
    ]);
    expect(enrolled.code).toBe(0);
    const r = await keys([
      'credentials',
      'delete',
      '--rp',
      'fido2kit.example',
      '--user',
      'bob',
      '--virtual',
      file,
      '--pin',
      '1234',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'will no longer accept this key for bob. (No terminal to ask on: pass --yes.)',
    );
    expect(r.stderr).not.toMatch(/[.?]: no terminal/);
  });

  it('info counts the enrolled fingerprints when given the PIN, and says how to count them without it', async () => {
    const file = await keyWithPin();
    expect(
      (await keys(['fingerprints', 'add', '--virtual', file, '--pin', '1234', '--name', 'A'])).code,
    ).toBe(0);
    const counted = await keys(['info', '--virtual', file, '--pin', '1234']);
    expect(counted.stdout).toMatch(/Fingerprints\s+1 enrolled/);
    const json = await keys(['info', '--virtual', file, '--pin', '1234', '--json']);
    expect(json.steps.find((s) => s.step === 'info')).toMatchObject({ fingerprints: { count: 1 } });
    const uncounted = await keys(['info', '--virtual', file]);
    expect(uncounted.stdout).toMatch(/Fingerprints\s+at least one enrolled \(pass --pin to count them\)/);
  });

  it('unknown options and a --virtual file in a missing directory are usage errors, and nothing is created', async () => {
    const frob = await keys(['info', '--frob']);
    expect(frob.code).toBe(2);
    expect(frob.stderr.split('\n')[0]).toBe('fido2kit-keys: unknown option --frob');
    const missing = join(tempDir(), 'no', 'such');
    const r = await keys(['info', '--virtual', join(missing, 'k.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });
});
