/**
 * ML-DSA-44/65/87 (FIPS 204) with COSE AKP keys (draft-ietf-cose-dilithium §4, §5): key decoding
 * and verifySignature on every backend (noble verifies ML-DSA on all of them), against
 * C2SP/wycheproof MlDsaVerify vectors (test/vectors/mldsa-wycheproof-verify.json names its
 * source), and signing round trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AkpPublicKey,
  type BackendName,
  COSE_ALGORITHMS,
  coseKeyToJwk,
  coseKeyToSpki,
  decodeCoseKey,
  encode,
  encodeCoseKey,
  importSigningKey,
  jwkToCoseKey,
  ML_DSA_SIZES,
  verifySignature,
} from '../src/index.js';
import { hex, vectors } from './helpers.js';

interface Case {
  set: 'ML-DSA-44' | 'ML-DSA-65' | 'ML-DSA-87';
  tcId: number;
  comment: string;
  flag: string;
  result: 'valid' | 'invalid';
  key: string;
  msg: string;
  sig: string;
}
const V = vectors<{ source: string; keys: Record<string, string>; cases: Case[] }>(
  'mldsa-wycheproof-verify.json',
);
const BACKENDS: BackendName[] = ['node', 'webcrypto', 'noble'];

function akp(alg: number, pub: Uint8Array): Uint8Array {
  return encode(
    new Map<number, unknown>([
      [1, 7],
      [3, alg],
      [-1, pub],
    ]) as never,
  );
}

describe('COSE AKP keys (draft-ietf-cose-dilithium §4)', () => {
  it('decode, encode and convert ML-DSA public keys', () => {
    for (const [name, alg] of [
      ['ML-DSA-44', -48],
      ['ML-DSA-65', -49],
      ['ML-DSA-87', -50],
    ] as const) {
      expect(COSE_ALGORITHMS[name]).toBe(alg);
      const pub = new Uint8Array(ML_DSA_SIZES[alg]!.publicKey).fill(3);
      const key = decodeCoseKey(akp(alg, pub)) as AkpPublicKey;
      expect(key).toEqual({ kty: 'AKP', alg, pub });
      expect(encodeCoseKey(key)).toEqual(akp(alg, pub));
      const jwk = coseKeyToJwk(key);
      expect(jwk).toMatchObject({ kty: 'AKP', alg: name });
      expect(jwkToCoseKey(jwk)).toEqual(key);
      expect(coseKeyToSpki(key).length).toBeGreaterThan(pub.length);
    }
  });

  it('refuses AKP keys without a known alg, with a wrong-size pub, or carrying priv', () => {
    const pub = new Uint8Array(1312);
    const bad = [
      encode(
        new Map<number, unknown>([
          [1, 7],
          [-1, pub],
        ]) as never,
      ),
      akp(-7, pub),
      akp(-48, pub.subarray(1)),
      akp(-49, pub),
      encode(
        new Map<number, unknown>([
          [1, 7],
          [3, -48],
          [-1, pub],
          [-2, new Uint8Array(32)],
        ]) as never,
      ),
    ];
    for (const b of bad)
      expect(() => decodeCoseKey(b)).toThrow(expect.objectContaining({ code: 'ERR_COSE_KEY_INVALID' }));
  });

  it('property: any byte string as pub of another length is ERR_COSE_KEY_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), fc.constantFrom(-48, -49, -50), (pub, alg) => {
        if (pub.length === ML_DSA_SIZES[alg]!.publicKey) return;
        expect(() => decodeCoseKey(akp(alg, pub))).toThrow(
          expect.objectContaining({ code: 'ERR_COSE_KEY_INVALID' }),
        );
      }),
      { numRuns: 50 },
    );
  });
});

describe.each(BACKENDS)('verifySignature ML-DSA through the %s backend', (backend) => {
  for (const c of V.cases) {
    it(`${c.set} wycheproof tcId ${c.tcId} (${c.comment}, ${c.flag}): ${c.result}`, async () => {
      const alg = COSE_ALGORITHMS[c.set];
      const publicKey = akp(alg, hex(V.keys[c.key] as string));
      const ok = await verifySignature({ publicKey, data: hex(c.msg), signature: hex(c.sig), backend });
      expect(ok).toBe(c.result === 'valid');
    });
  }
});

describe('ML-DSA signing (the virtual key uses it)', () => {
  it('a seed gives one key on every backend; signatures verify; the key does not verify ES256', async () => {
    const seed = new Uint8Array(32).fill(9);
    for (const alg of [-48, -49, -50]) {
      const keys = await Promise.all(BACKENDS.map((backend) => importSigningKey(alg, seed, { backend })));
      expect(keys[1]?.publicKey).toEqual(keys[0]?.publicKey);
      expect(keys[2]?.publicKey).toEqual(keys[0]?.publicKey);
      const data = new TextEncoder().encode('authenticatorData ‖ clientDataHash');
      const signature = await keys[0]!.sign(data);
      expect(signature.length).toBe(ML_DSA_SIZES[alg]!.signature);
      const publicKey = encodeCoseKey(keys[0]!.publicKey);
      expect(await verifySignature({ publicKey, data, signature })).toBe(true);
      expect(await verifySignature({ publicKey, data: data.subarray(1), signature })).toBe(false);
      await expect(verifySignature({ publicKey, data, signature, algorithm: -7 })).rejects.toMatchObject({
        code: 'ERR_COSE_KEY_INVALID',
      });
    }
  });
});
