/** The algorithms a relying party offers and accepts, and the spec's fully-specified synonyms. */
import type { CosePublicKey } from '@fido2kit/cose';
import { fail } from './errors.js';

/**
 * The default `supportedAlgorithmIDs`, in order of preference, used both in
 * `pubKeyCredParams` and when verifying: EdDSA, ES256, RS256, ES384, ES512, PS256, PS384, PS512,
 * RS384, RS512, then ML-DSA-44/65/87 (FIPS 204, COSE AKP keys). RS1 (-65535) is legacy and
 * must be asked for.
 */
export const DEFAULT_SUPPORTED_ALGORITHM_IDS: readonly number[] = Object.freeze([
  -8, -7, -257, -35, -36, -37, -38, -39, -258, -259, -48, -49, -50,
]);

/**
 * The COSE algorithm identifiers that mean the same thing for a given key (RFC 9864 §2.1 and
 * WebAuthn L3 §5.8.3): ES256 with P-256 is ESP256, ES384 with P-384 is ESP384, ES512 with
 * P-521 is ESP512, EdDSA with Ed25519 is Ed25519, EdDSA with Ed448 is Ed448.
 * @internal
 */
export function algorithmSynonyms(alg: number, crv: string | undefined): readonly number[] {
  switch (alg) {
    case -7:
    case -9:
      return crv === undefined || crv === 'P-256' ? [-7, -9] : [alg];
    case -35:
    case -51:
      return crv === undefined || crv === 'P-384' ? [-35, -51] : [alg];
    case -36:
    case -52:
      return crv === undefined || crv === 'P-521' ? [-36, -52] : [alg];
    case -8:
      if (crv === 'Ed25519') return [-8, -19];
      if (crv === 'Ed448') return [-8, -53];
      return [-8];
    case -19:
      return [-19, -8];
    case -53:
      return [-53, -8];
    default:
      return [alg];
  }
}

/** True when `alg` (for a key on curve `crv`) is in `allowed`, directly or as a synonym. @internal */
export function isAlgorithmAllowed(
  alg: number,
  crv: string | undefined,
  allowed: readonly number[],
): boolean {
  for (const a of algorithmSynonyms(alg, crv)) if (allowed.includes(a)) return true;
  return false;
}

/**
 * Step 18 of both ceremonies: the credential key's algorithm is one the RP allows.
 * @returns the key's algorithm
 * @throws {WebAuthnVerificationError} `ERR_ALGORITHM_NOT_ALLOWED`
 * @internal
 */
export function assertAlgorithmAllowed(key: CosePublicKey, allowed: readonly number[]): number {
  const alg = key.alg;
  const crv = 'crv' in key ? key.crv : undefined;
  if (alg === undefined || !isAlgorithmAllowed(alg, crv, allowed)) {
    fail(
      'ERR_ALGORITHM_NOT_ALLOWED',
      `the credential's algorithm ${String(alg)} is not in supportedAlgorithmIDs`,
      {
        details: { algorithm: alg, supportedAlgorithmIDs: allowed },
      },
    );
  }
  return alg;
}
