/**
 * COSE algorithm identifiers used by WebAuthn and CTAP (IANA "COSE Algorithms" registry,
 * RFC 9053, RFC 8230, RFC 8812, RFC 9864 for the fully-specified ESP256/384/512, Ed25519 and
 * Ed448, and draft-ietf-cose-dilithium for ML-DSA-44/65/87).
 */

/** COSE algorithm identifiers by name. */
export const COSE_ALGORITHMS = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  ESP256: -9,
  ESP384: -51,
  ESP512: -52,
  EdDSA: -8,
  Ed25519: -19,
  Ed448: -53,
  RS256: -257,
  RS384: -258,
  RS512: -259,
  PS256: -37,
  PS384: -38,
  PS512: -39,
  RS1: -65535,
  /** ML-DSA-44 (FIPS 204; draft-ietf-cose-dilithium §5, IANA-registered), key type AKP. */
  'ML-DSA-44': -48,
  /** ML-DSA-65 (FIPS 204), key type AKP. */
  'ML-DSA-65': -49,
  /** ML-DSA-87 (FIPS 204), key type AKP. */
  'ML-DSA-87': -50,
  /** Key agreement only: the platform key of CTAP's PIN/UV auth protocols. */
  'ECDH-ES+HKDF-256': -25,
} as const;

/** A COSE algorithm name. */
export type CoseAlgorithmName = keyof typeof COSE_ALGORITHMS;
/** A COSE algorithm identifier. */
export type CoseAlgorithmId = (typeof COSE_ALGORITHMS)[CoseAlgorithmName];

/** COSE algorithm names by identifier (the inverse of {@link COSE_ALGORITHMS}). */
export const COSE_ALGORITHM_NAMES: Readonly<Record<number, CoseAlgorithmName>> = Object.freeze(
  Object.fromEntries(Object.entries(COSE_ALGORITHMS).map(([k, v]) => [v, k])) as Record<
    number,
    CoseAlgorithmName
  >,
);

/** Hash functions the signature algorithms use. */
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
/** Elliptic curves of EC2 and OKP keys. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521';
/** Curves of OKP keys (RFC 8037, RFC 9053 §7.2). */
export type OkpCurve = 'Ed25519' | 'Ed448' | 'X25519' | 'X448';

/** What a signature algorithm is made of. */
export interface SignatureAlgorithm {
  readonly id: number;
  readonly name: CoseAlgorithmName;
  readonly family: 'ECDSA' | 'EdDSA' | 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ML-DSA';
  /** The message hash (absent for EdDSA, which hashes internally). */
  readonly hash?: HashName;
  /** Curves the algorithm allows (fully-specified algorithms name exactly one). */
  readonly curves?: readonly (EcCurve | OkpCurve)[];
  /** Legacy: callers must opt in. */
  readonly legacy?: boolean;
}

function sig(
  name: CoseAlgorithmName,
  family: SignatureAlgorithm['family'],
  hash?: HashName,
  curves?: SignatureAlgorithm['curves'],
  legacy?: boolean,
): SignatureAlgorithm {
  return Object.freeze({ id: COSE_ALGORITHMS[name], name, family, hash, curves, legacy });
}

/** The signature algorithms {@link verifySignature} supports, by identifier. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<number, SignatureAlgorithm> = new Map(
  [
    // ES256/384/512: ECDSA with the named hash; COSE lets the key's curve vary, but WebAuthn
    // pairs them with P-256/384/521 (RFC 9053 §2.1 recommends it), which is what we accept.
    sig('ES256', 'ECDSA', 'SHA-256', ['P-256']),
    sig('ES384', 'ECDSA', 'SHA-384', ['P-384']),
    sig('ES512', 'ECDSA', 'SHA-512', ['P-521']),
    sig('ESP256', 'ECDSA', 'SHA-256', ['P-256']),
    sig('ESP384', 'ECDSA', 'SHA-384', ['P-384']),
    sig('ESP512', 'ECDSA', 'SHA-512', ['P-521']),
    sig('EdDSA', 'EdDSA', undefined, ['Ed25519', 'Ed448']),
    sig('Ed25519', 'EdDSA', undefined, ['Ed25519']),
    sig('Ed448', 'EdDSA', undefined, ['Ed448']),
    sig('RS256', 'RSASSA-PKCS1-v1_5', 'SHA-256'),
    sig('RS384', 'RSASSA-PKCS1-v1_5', 'SHA-384'),
    sig('RS512', 'RSASSA-PKCS1-v1_5', 'SHA-512'),
    sig('PS256', 'RSA-PSS', 'SHA-256'),
    sig('PS384', 'RSA-PSS', 'SHA-384'),
    sig('PS512', 'RSA-PSS', 'SHA-512'),
    sig('RS1', 'RSASSA-PKCS1-v1_5', 'SHA-1', undefined, true),
    // ML-DSA (FIPS 204 "pure", empty context) with AKP keys (draft-ietf-cose-dilithium)
    sig('ML-DSA-44', 'ML-DSA'),
    sig('ML-DSA-65', 'ML-DSA'),
    sig('ML-DSA-87', 'ML-DSA'),
  ].map((a) => [a.id, a]),
);

/** Output length in bytes of each hash. */
export const HASH_LENGTHS: Readonly<Record<HashName, number>> = Object.freeze({
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
});

/**
 * ML-DSA parameter sets by COSE algorithm: public key and signature sizes in bytes (FIPS 204
 * Table 2).
 */
export const ML_DSA_SIZES: Readonly<
  Record<number, { readonly publicKey: number; readonly signature: number }>
> = Object.freeze({
  [-48]: Object.freeze({ publicKey: 1312, signature: 2420 }),
  [-49]: Object.freeze({ publicKey: 1952, signature: 3309 }),
  [-50]: Object.freeze({ publicKey: 2592, signature: 4627 }),
});
