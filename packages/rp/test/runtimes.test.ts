/**
 * The portable packages' smoke test (browser-smoke.ts: cose decoding and signature checks on
 * every backend the runtime has, verifyAuthenticationResponse on all 15 WebAuthn L3 pairs, a
 * packed registration through @fido2kit/attestation) bundled once and run in Bun and in Deno,
 * from the `bun` and `deno` npm packages, through the shared harness (harness/runtimes.ts).
 * Skipped, with a note, where a binary is missing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from './harness/check.js';
import { bundle, installed, RUNTIMES, runIn } from './harness/runtimes.js';

let code = '';
beforeAll(async () => {
  code = await bundle(new URL('./browser-smoke.ts', import.meta.url), 'neutral');
}, 60_000);

describe.each(RUNTIMES)('$name', (runtime) => {
  const present = installed(runtime.path);
  if (!present)
    console.log(
      `note: ${runtime.name} is not installed (npm package "${runtime.name}"); its run of the smoke test is skipped`,
    );
  it.skipIf(!present)(
    'passes the portable smoke test',
    () => {
      const results = runIn(runtime, code, 'smoke') as CheckResult[];
      expect(results.filter((r) => !r.ok)).toEqual([]);
      // Bun and Deno reach node:crypto through process.getBuiltinModule; WebCrypto and noble run explicitly
      expect(results[0]?.name).toBe('default backend: node');
      expect(results.filter((r) => r.name.includes('verifyAuthenticationResponse'))).toHaveLength(15 + 14);
      expect(results.some((r) => r.name.includes('verifyRegistrationResponse') && r.ok)).toBe(true);
    },
    180_000,
  );
});
