import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../enroll-and-sign-in/test/run.js';
import { COMMANDS, commandHelp, mainHelp, parse } from '../src/cli.js';

const MAIN = new URL('../src/main.ts', import.meta.url);
const keys = (args: string[]) => runProgram(MAIN, args);
const stateFile = () => join(mkdtempSync(join(tmpdir(), 'fido2kit-keys-')), 'virtual-key.json');

describe('fido2kit-keys: the command line', () => {
  it('has a help page for every command, naming its own options and the common ones', () => {
    for (const spec of COMMANDS) {
      const words = spec.name.split(' ');
      const r = parse([...words, '--help']);
      expect(r).toEqual({ help: commandHelp(spec) });
      const text = commandHelp(spec);
      expect(text).toContain(`Usage: fido2kit-keys ${spec.name}`);
      expect(text).toContain('--virtual FILE');
      expect(text).toContain('--json');
      for (const o of spec.options) expect(text).toContain(`--${o}`);
      expect(mainHelp()).toContain(spec.name);
    }
    expect(commandHelp(COMMANDS.find((c) => c.name === 'reset')!)).toContain('within 10 seconds');
    expect(parse(['help', 'pin', 'change'])).toEqual(parse(['pin', 'change', '-h']));
  });

  it('rejects unknown commands, wrong arguments and options of other commands', () => {
    expect(() => parse(['frobnicate'])).toThrow('no such command: frobnicate');
    expect(() => parse(['pin'])).toThrow('pin: which one?');
    expect(() => parse(['fingerprints', 'rename', 'only-one'])).toThrow('expected ID|NAME NEW_NAME');
    expect(() => parse(['info', '--name', 'x'])).toThrow('info takes no --name');
    expect(() => parse(['reset', '--device', 'hid', '--plugged-in-ago', '3'])).toThrow('virtual key only');
    expect(() => parse(['info', '--device', 'bluetooth'])).toThrow('--device bluetooth');
    // a group word alone lists
    expect(parse(['credentials'])).toMatchObject({ spec: { name: 'credentials list' } });
    expect(parse(['info', '--device', 'hid:/dev/hidraw3'])).toMatchObject({
      device: { device: 'hid', path: '/dev/hidraw3' },
    });
  });

  it('prints the main help and a command help as a program, and exits 2 on a bad command line', async () => {
    const [main, sub, bad] = await Promise.all([
      keys(['--help']),
      keys(['fingerprints', 'add', '--help']),
      keys(['pin', 'reset']),
    ]);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: fido2kit-keys COMMAND [options]');
    expect(main.stdout).toMatch(/fingerprints add\s+enrol a fingerprint/);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Usage: fido2kit-keys fingerprints add [options]');
    expect(sub.stdout).toContain('samples remain');
    expect(sub.stdout).toContain('--name NAME');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pin reset: no such command');
  });
});

describe('fido2kit-keys against the virtual key: list, info, wink, PIN, reset', { timeout: 120_000 }, () => {
  it('lists the virtual key, then info on a new key: no PIN, a sensor with no fingerprints', async () => {
    const file = stateFile();
    const listed = await keys(['list', '--device', 'virtual', '--virtual', file, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.steps[0]).toMatchObject({
      step: 'list',
      keys: [{ kind: 'virtual', device: 'virtual', where: file, exists: false }],
    });
    const human = await keys(['list', '--device', 'virtual', '--virtual', file]);
    expect(human.stdout).toContain('Security keys found: 1');
    expect(human.stdout).toMatch(
      /virtual {2}fido2kit Virtual Security Key {2}\S+ \(made on first use\) {2}--device virtual/,
    );
    const r = await keys(['info', '--virtual', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Made a virtual security key (no PIN, a fingerprint sensor with no fingerprints)',
    );
    expect(r.stdout).toMatch(/Model\s+fido2kit Virtual Security Key/);
    expect(r.stdout).toMatch(/AAGUID\s+f1d02c17-a0a1-4b5e-8c3d-2e9f7a6b1c40/);
    expect(r.stdout).toMatch(/Versions\s+FIDO_2_0, FIDO_2_1/);
    expect(r.stdout).toMatch(/PIN\s+not set \(set one with: fido2kit-keys pin set\); minimum length 4/);
    expect(r.stdout).toMatch(/Fingerprints\s+sensor present, none enrolled/);
    expect(r.stdout).toMatch(/Credentials\s+room for 25 more discoverable credentials/);
  });

  it('sets a PIN; info shows it with its retries; a wrong PIN shows the retries left; wink is not supported', async () => {
    const file = stateFile();
    const set = await keys(['pin', 'set', '--virtual', file, '--pin', '1234']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('The PIN must have at least 4 characters');
    expect(set.stdout).toContain('PIN set.');
    const again = await keys(['pin', 'set', '--virtual', file, '--pin', '5678', '--json']);
    expect(again.code).toBe(1);
    expect(again.steps.at(-1)).toMatchObject({ step: 'error', code: 'ERR_PIN_ALREADY_SET' });

    const shown = await keys(['info', '--virtual', file, '--json']);
    expect(shown.code).toBe(0);
    expect(shown.steps.map((s) => s.step)).toEqual(['key', 'info']);
    expect(shown.steps[1]).toMatchObject({
      model: 'fido2kit Virtual Security Key',
      pin: { set: true, retries: 8, minLength: 4 },
      options: { clientPin: true },
    });

    const wrong = await keys(['pin', 'change', '--virtual', file, '--pin', '0000', '--new-pin', '4321']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('PIN retries left: 8.');
    expect(wrong.stderr).toContain('Wrong PIN. 7 retries left.');
    const wrongJson = await keys([
      'pin',
      'change',
      '--virtual',
      file,
      '--pin',
      '0000',
      '--new-pin',
      '4321',
      '--json',
    ]);
    expect(wrongJson.steps.at(-1)).toMatchObject({
      step: 'error',
      code: 'CTAP2_ERR_PIN_INVALID',
      retries: 6,
    });

    const changed = await keys([
      'pin',
      'change',
      '--virtual',
      file,
      '--pin',
      '1234',
      '--new-pin',
      '4321',
      '--json',
    ]);
    expect(changed.code).toBe(0);
    expect(changed.steps.slice(1)).toEqual([
      { step: 'pin-retries', retries: 6 },
      { step: 'pin-change', changed: true, retries: 8 },
    ]);

    const tooShort = await keys(['pin', 'change', '--virtual', file, '--pin', '4321', '--new-pin', '12']);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('the PIN must have at least 4 characters');

    const w = await keys(['wink', '--virtual', file]);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('wink is not supported by the virtual key');
  });

  it('without a terminal, asks for nothing: a missing --pin or --yes is named', async () => {
    const file = stateFile();
    const [noPin, noYes] = await Promise.all([
      keys(['pin', 'set', '--virtual', file]),
      keys(['reset', '--virtual', `${file}.2`]),
    ]);
    expect(noPin.code).toBe(1);
    expect(noPin.stderr).toContain('pass --new-pin');
    expect(noYes.code).toBe(1);
    expect(noYes.stderr).toContain('erases everything on this key');
    expect(noYes.stderr).toContain('pass --yes');
  });

  it('reset: refused after the 10 seconds with the rule explained; within them, erases the PIN', async () => {
    const file = stateFile();
    expect((await keys(['pin', 'set', '--virtual', file, '--pin', '1234'])).code).toBe(0);
    const late = await keys(['reset', '--virtual', file, '--yes', '--plugged-in-ago', '11']);
    expect(late.code).toBe(1);
    expect(late.stdout).toContain('The virtual key was plugged in 11 seconds ago');
    expect(late.stderr).toContain('CTAP2_ERR_NOT_ALLOWED');
    expect(late.stderr).toContain('only within 10 seconds of being plugged in');
    expect(late.stderr).toContain('Unplug it, plug it back in');

    const r = await keys(['reset', '--virtual', file, '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.steps.at(-1)).toEqual({ step: 'reset', reset: true });
    const after = await keys(['info', '--virtual', file, '--json']);
    expect(after.steps[1]).toMatchObject({ pin: { set: false } });
  });
});

describe('fido2kit-keys management commands: what they say when they cannot go on, and the settings', {
  timeout: 120_000,
}, () => {
  it('asks for a PIN to be set first, shows the retries after a wrong PIN, toggles alwaysUv, enables enterprise attestation', async () => {
    const file = stateFile();
    const noPin = await keys(['fingerprints', 'add', '--virtual', file]);
    expect(noPin.code).toBe(1);
    expect(noPin.stderr).toContain(
      'needs a PIN on the key, and it has none. Set one first: fido2kit-keys pin set',
    );
    expect((await keys(['pin', 'set', '--virtual', file, '--pin', '1234'])).code).toBe(0);

    const wrong = await keys(['credentials', 'list', '--virtual', file, '--pin', '9999', '--json']);
    expect(wrong.code).toBe(1);
    expect(wrong.steps.at(-1)).toMatchObject({ step: 'error', code: 'CTAP2_ERR_PIN_INVALID', retries: 7 });

    const on = await keys(['config', 'always-uv', 'on', '--virtual', file, '--pin', '1234']);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain(
      'alwaysUv is on: the key asks for its PIN or a fingerprint for every sign-in.',
    );
    const again = await keys(['config', 'always-uv', 'on', '--virtual', file, '--pin', '1234', '--json']);
    expect(again.steps.at(-1)).toEqual({ step: 'config', alwaysUv: true, changed: false });
    const toggled = await keys(['config', 'always-uv', '--virtual', file, '--pin', '1234', '--json']);
    expect(toggled.steps.at(-1)).toEqual({ step: 'config', alwaysUv: false, changed: true });

    const ep = await keys(['config', 'enterprise-attestation', '--virtual', file, '--pin', '1234', '--json']);
    expect(ep.code).toBe(0);
    expect(ep.steps.at(-1)).toEqual({ step: 'config', enterpriseAttestation: true, changed: true });
    const info = await keys(['info', '--virtual', file]);
    expect(info.stdout).toMatch(/Options on\s+ep, /);
  });
});
