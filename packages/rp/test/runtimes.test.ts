/**
 * The portable packages' smoke test (browser-smoke.ts: cose decoding and signature checks on
 * every backend the runtime has, verifyAuthenticationResponse on all 15 WebAuthn L3 pairs, a
 * packed registration through @fido2kit/attestation) bundled once and run in Bun and in Deno,
 * from the `bun` and `deno` npm packages. Skipped, with a note, where a binary is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = (name: string) => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));
const runtimes = [
  { name: 'bun', path: bin('bun'), args: (f: string) => ['run', f] },
  {
    name: 'deno',
    path: bin('deno'),
    args: (f: string) => ['run', '--quiet', '--allow-read', '--allow-env', f],
  },
];

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fido2kit-rp-runtimes-'));
  await build({
    entryPoints: [fileURLToPath(new URL('./browser-smoke.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    conditions: ['@fido2kit/source'],
    outfile: join(dir, 'smoke.mjs'),
    logLevel: 'silent',
  });
  writeFileSync(
    join(dir, 'run.mjs'),
    "import { smoke } from './smoke.mjs';\nconsole.log(JSON.stringify(await smoke()));\n",
  );
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(runtimes)('$name', ({ name, path, args }) => {
  const present = existsSync(path);
  if (!present)
    console.log(
      `note: ${name} is not installed (npm package "${name}"); its run of the smoke test is skipped`,
    );
  it.skipIf(!present)(
    'passes the portable smoke test',
    () => {
      const out = execFileSync(path, args(join(dir, 'run.mjs')), {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const results = JSON.parse(out.trim().split('\n').pop() as string) as {
        name: string;
        ok: boolean;
        detail?: string;
      }[];
      expect(results.filter((r) => !r.ok)).toEqual([]);
      // Bun and Deno reach node:crypto through process.getBuiltinModule; WebCrypto and noble run explicitly
      expect(results[0]?.name).toBe('default backend: node');
      expect(results.filter((r) => r.name.includes('verifyAuthenticationResponse'))).toHaveLength(15 + 14);
      expect(results.some((r) => r.name.includes('verifyRegistrationResponse') && r.ok)).toBe(true);
    },
    180_000,
  );
});
