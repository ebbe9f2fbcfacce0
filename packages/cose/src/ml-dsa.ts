/**
 * ML-DSA-44/65/87 (FIPS 204 "pure" ML-DSA, empty context, as draft-ietf-cose-dilithium signs) on
 * @noble/post-quantum, for every backend: node:crypto has no ML-DSA on Node 20 and WebCrypto none
 * in any runtime yet. Loaded on first use (`await import`), so a verifier that never meets an
 * ML-DSA key does not carry the post-quantum code in its bundle.
 * @internal
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import type { SignatureAlgorithm } from './algorithms.js';
import type { BackendSigningKey, BackendVerifyInput } from './backend-types.js';

const ML_DSA = { [-48]: ml_dsa44, [-49]: ml_dsa65, [-50]: ml_dsa87 } as const;

function scheme(algorithm: SignatureAlgorithm) {
  return algorithm.family === 'ML-DSA' ? ML_DSA[algorithm.id as keyof typeof ML_DSA] : undefined;
}

/** Verifies an ML-DSA signature with an AKP key of the same algorithm; false when it does not verify. @internal */
export function mlDsaVerify({ key, algorithm, data, signature }: BackendVerifyInput): boolean {
  const s = scheme(algorithm);
  if (s === undefined || key.kty !== 'AKP' || key.alg !== algorithm.id) return false;
  try {
    return s.verify(signature, data, key.pub);
  } catch {
    return false; // malformed signature or key
  }
}

/** An ML-DSA signing key from its 32-byte seed ξ (FIPS 204 ML-DSA.KeyGen_internal); hedged signing. @internal */
export function mlDsaSigningKey(
  algorithm: SignatureAlgorithm,
  secret: Uint8Array,
): BackendSigningKey | undefined {
  const s = scheme(algorithm);
  if (s === undefined) return undefined;
  const { publicKey, secretKey } = s.keygen(secret);
  return {
    publicKey: { kty: 'AKP', alg: algorithm.id, pub: publicKey },
    sign: (data) => s.sign(data, secretKey),
  };
}
