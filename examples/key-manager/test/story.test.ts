import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { loadVirtualKey, saveVirtualKey } from '@fido2kit/example-common';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../enroll-and-sign-in/test/run.js';

const MAIN = new URL('../src/main.ts', import.meta.url);
const DEMO = new URL('../../enroll-and-sign-in/src/main.ts', import.meta.url);

/** Registers a discoverable credential on the virtual key in its state file, as a browser would. */
async function register(file: string, pin: string, rpId: string, rpName: string, user: string) {
  const { authenticator } = loadVirtualKey(file);
  const client = new WebAuthnClient({
    device: authenticator.device(),
    origin: `https://${rpId}`,
    onPinRequired: async () => pin,
  });
  await client.create({
    rp: { id: rpId, name: rpName },
    user: {
      id: base64url.encode(new TextEncoder().encode(`${user}@${rpId}`)),
      name: user,
      displayName: user.toUpperCase(),
    },
    challenge: base64url.encode(crypto.getRandomValues(new Uint8Array(32))),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  saveVirtualKey(file, authenticator);
}

describe('fido2kit-keys, the whole story on one virtual key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fido2kit-keys-story-'));
  const file = join(dir, 'virtual-key.json');
  const keys = (args: string[]) => runProgram(MAIN, [...args, '--virtual', file]);

  it('sets a PIN on the new key, and info shows it', async () => {
    const set = await keys(['pin', 'set', '--pin', '1234']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(
      'Made a virtual security key (no PIN, a fingerprint sensor with no fingerprints)',
    );
    expect(set.stdout).toContain('PIN set.');
    const info = await keys(['info', '--json']);
    expect(info.steps[1]).toMatchObject({
      step: 'info',
      pin: { set: true, retries: 8 },
      fingerprints: { sensor: true, enrolled: false },
    });
  });

  it('enrols two fingerprints, showing "touch the sensor", each sample and the samples remaining', async () => {
    const first = await keys(['fingerprints', 'add', '--name', 'Right thumb', '--pin', '1234']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Touch the sensor with the finger to enrol');
    expect(first.stderr).toContain('Touch the sensor…');
    expect(first.stdout).toContain('Sample 1: good; 3 samples remaining');
    expect(first.stdout).toContain('Sample 3: good; 1 sample remaining');
    expect(first.stdout).toContain('Sample 4: good; done');
    expect(first.stdout).toMatch(/Enrolled fingerprint "Right thumb" \(ID [0-9a-f]+\)\./);

    const second = await keys([
      'fingerprints',
      'add',
      '--pin',
      '1234',
      '--json',
      '--virtual-samples',
      'good,too-fast,good,poor-quality',
    ]);
    expect(second.code).toBe(0);
    const samples = second.steps.filter((s) => s.step === 'fingerprint-sample');
    expect(samples.map((s) => [s.status, s.remainingSamples])).toEqual([
      ['good', 3],
      ['too-fast', 3],
      ['good', 2],
      ['poor-quality', 2],
      ['good', 1],
      ['good', 0],
    ]);
    expect(second.steps.at(-1)).toMatchObject({
      step: 'fingerprint-added',
      name: 'Fingerprint 2',
      samples: 6,
    });
  });

  it('lists them, renames one and deletes the other (asking first)', async () => {
    const listed = await keys(['fingerprints', 'list', '--pin', '1234']);
    expect(listed.stdout).toContain('Fingerprints enrolled: 2');
    expect(listed.stdout).toMatch(/ {2}[0-9a-f]+ {2}Right thumb\n {2}[0-9a-f]+ {2}Fingerprint 2\n/);

    const renamed = await keys(['fingerprints', 'rename', 'Fingerprint 2', 'Left index', '--pin', '1234']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toMatch(/Renamed fingerprint [0-9a-f]+ from "Fingerprint 2" to "Left index"\./);

    const unasked = await keys(['fingerprints', 'delete', 'Right thumb', '--pin', '1234']);
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toContain('pass --yes');
    const deleted = await keys(['fingerprints', 'delete', 'Right thumb', '--pin', '1234', '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/Deleted fingerprint "Right thumb" \([0-9a-f]+\)\./);

    const left = await keys(['fingerprints', '--pin', '1234', '--json']);
    expect(left.steps[1]).toMatchObject({ step: 'fingerprints', fingerprints: [{ name: 'Left index' }] });
  });

  it('lists the credentials made by the demo and by a browser, grouped by site, and deletes one', async () => {
    // the demo program enrols alice with the relying party fido2kit.example on this very key
    const demo = await runProgram(DEMO, [
      'enroll',
      '--device',
      'virtual',
      '--virtual',
      file,
      '--data',
      dir,
      '--user',
      'alice',
      '--pin',
      '1234',
      '--yes',
    ]);
    expect(demo.stderr).not.toMatch(/fido2kit-demo:/);
    expect(demo.code).toBe(0);
    await register(file, '1234', 'fido2kit.example', 'fido2kit demo', 'bob');
    await register(file, '1234', 'example.com', 'Example', 'carol');

    const human = await keys(['credentials', 'list', '--pin', '1234']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('3 credentials stored on this key; room for 22 more.');
    expect(human.stdout).toMatch(/example\.com \(Example\)\n {2}carol {2}CAROL {2}ID \S+\n/);
    expect(human.stdout).toMatch(/fido2kit\.example[^\n]*\n(?: {2}(?:alice|bob)\b[^\n]*\n){2}/);

    const json = await keys(['credentials', 'list', '--pin', '1234', '--json']);
    const step = json.steps[1] as {
      stored: number;
      remaining: number;
      sites: { rpId: string; credentials: { userName: string; id: string }[] }[];
    };
    expect(step).toMatchObject({ step: 'credentials', stored: 3, remaining: 22 });
    expect(step.sites.map((s) => [s.rpId, s.credentials.map((c) => c.userName).sort()])).toEqual([
      ['example.com', ['carol']],
      ['fido2kit.example', ['alice', 'bob']],
    ]);

    const unasked = await keys([
      'credentials',
      'delete',
      '--rp',
      'fido2kit.example',
      '--user',
      'bob',
      '--pin',
      '1234',
    ]);
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toContain("Delete bob's credential for fido2kit.example?");
    expect(unasked.stderr).toContain('pass --yes');

    const carol = step.sites[0]!.credentials[0]!.id;
    const byId = await keys(['credentials', 'delete', carol.slice(0, 12), '--pin', '1234', '--yes']);
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain("Deleted carol's credential for example.com.");
    const bob = await keys([
      'credentials',
      'delete',
      '--rp',
      'fido2kit.example',
      '--user',
      'bob',
      '--pin',
      '1234',
      '--yes',
      '--json',
    ]);
    expect(bob.steps.at(-1)).toMatchObject({
      step: 'credential-deleted',
      rpId: 'fido2kit.example',
      userName: 'bob',
    });

    const after = await keys(['credentials', '--pin', '1234', '--json']);
    expect(after.steps[1]).toMatchObject({
      stored: 1,
      sites: [{ rpId: 'fido2kit.example', credentials: [{ userName: 'alice', displayName: 'alice' }] }],
    });
  });

  it('raises the minimum PIN length, which forces a PIN change', async () => {
    const raised = await keys(['config', 'min-pin-length', '6', '--pin', '1234']);
    expect(raised.code).toBe(0);
    expect(raised.stdout).toContain('The minimum PIN length is now 6.');
    expect(raised.stdout).toContain('The PIN must be changed before the key is used again');
    const lower = await keys(['config', 'min-pin-length', '5', '--pin', '1234']);
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain('the minimum PIN length is 6 and can only grow');
    const info = await keys(['info', '--json']);
    expect(info.steps[1]).toMatchObject({ pin: { set: true, minLength: 6, forceChange: true } });
  });

  it('resets: everything is erased', async () => {
    const r = await keys(['reset', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Resetting erases everything on this key');
    expect(r.stderr).toContain('only within 10 seconds of being plugged in');
    expect(r.stdout).toContain('The virtual key was plugged in when this program started.');
    expect(r.stdout).toContain('The key is reset');
    const info = await keys(['info', '--json']);
    expect(info.steps[1]).toMatchObject({
      pin: { set: false, minLength: 4 },
      fingerprints: { sensor: true, enrolled: false },
      remainingDiscoverableCredentials: 25,
    });
  });
});
