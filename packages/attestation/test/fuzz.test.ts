/**
 * Mutated attestation objects (every format of the WebAuthn L3 §16 vectors) through
 * verifyAttestation: each either verifies or fails with a typed error carrying a stable code —
 * never a TypeError/RangeError from deep inside.
 */
import { readFileSync } from 'node:fs';
import { type CborValue, decode, encode, sha256 } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyAttestation } from '../src/index.js';
import { hex } from './helpers.js';

const ALL = JSON.parse(
  readFileSync(new URL('../../cose/test/vectors/webauthn-l3-vectors.json', import.meta.url), 'utf8'),
) as { name: string; fields: { registration?: Record<string, string>; attestation_ca_cert?: string } }[];
const CA = hex(ALL.find((e) => e.name === 'attestation-ca')!.fields.attestation_ca_cert!);
const REGS = ALL.filter((e) => e.fields.registration).map((e) => ({
  name: e.name,
  attestationObject: hex(e.fields.registration!.attestationObject!),
  clientDataHash: sha256(hex(e.fields.registration!.clientDataJSON!)),
}));
const NOW = new Date('2026-01-01T00:00:00Z');

async function outcome(attestationObject: Uint8Array, clientDataHash: Uint8Array): Promise<string> {
  try {
    await verifyAttestation({
      attestationObject,
      clientDataHash,
      now: NOW,
      trustAnchors: [CA],
      formatOptions: { tpmAllowUnregisteredManufacturer: true },
    });
    return 'ok';
  } catch (e) {
    const err = e as Error & { code?: unknown };
    if (typeof err.code === 'string' && /^ERR_[A-Z0-9_]+$/.test(err.code) && !(e instanceof TypeError))
      return err.code;
    return `untyped ${err?.constructor?.name}: ${err?.message}\n${err?.stack}`;
  }
}

const vector = fc.constantFrom(...REGS);

describe('mutated attestation objects give typed errors only', () => {
  it('byte flips', async () => {
    await fc.assert(
      fc.asyncProperty(
        vector,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (v, flips) => {
          const b = v.attestationObject.slice();
          for (const [i, x] of flips) b[i % b.length]! ^= x;
          expect(await outcome(b, v.clientDataHash)).not.toMatch(/^untyped/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('truncations and insertions', async () => {
    await fc.assert(
      fc.asyncProperty(vector, fc.nat(), fc.uint8Array({ maxLength: 8 }), async (v, at, extra) => {
        const i = at % v.attestationObject.length;
        const truncated = v.attestationObject.subarray(0, i);
        const inserted = new Uint8Array([
          ...v.attestationObject.subarray(0, i),
          ...extra,
          ...v.attestationObject.subarray(i),
        ]);
        expect(await outcome(truncated, v.clientDataHash)).not.toMatch(/^untyped/);
        expect(await outcome(inserted, v.clientDataHash)).not.toMatch(/^untyped/);
      }),
      { numRuns: 200 },
    );
  });

  it('attStmt members replaced by values of other types', async () => {
    const values = fc.oneof(
      fc.constant(null as CborValue),
      fc.boolean(),
      fc.integer({ min: -70000, max: 70000 }),
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
      fc.constant(new Map<CborValue, CborValue>([[1, 2]])),
    );
    await fc.assert(
      fc.asyncProperty(vector, fc.nat(), values, async (v, k, value) => {
        const m = decode(v.attestationObject, { canonical: false }) as Map<CborValue, CborValue>;
        const st = m.get('attStmt') as Map<CborValue, CborValue>;
        const keys = [...st.keys(), 'x5c', 'sig', 'alg', 'ver', 'certInfo', 'pubArea'];
        st.set(keys[k % keys.length]!, value as CborValue);
        expect(await outcome(encode(m), v.clientDataHash)).not.toMatch(/^untyped/);
      }),
      { numRuns: 300 },
    );
  });
});
