/**
 * The crypto backend seam's shapes: what a backend provides (verification, digests and, for the
 * virtual authenticator, signing). The dispatcher (backend.ts) and each implementation
 * (backend-node.ts, backend-webcrypto.ts, backend-noble.ts) import these; none imports the
 * dispatcher, so the seam has no import loop.
 */
import type { HashName, SignatureAlgorithm } from './algorithms.js';
import type { CosePublicKey } from './cose-key.js';

/** One signature check handed to a backend. */
export interface BackendVerifyInput {
  readonly key: CosePublicKey;
  /** A string that identifies `key` (for caching prepared keys); absent when unknown. */
  readonly cacheKey?: string;
  readonly algorithm: SignatureAlgorithm;
  readonly data: Uint8Array;
  /** The signature: r ‖ s for ECDSA (already converted from DER), raw for the others. */
  readonly signature: Uint8Array;
}

/**
 * A private key a backend prepared for signing (the virtual authenticator's credential and
 * attestation keys). Made by {@link CryptoBackend.signingKey}.
 */
export interface BackendSigningKey {
  /** The public key that verifies this key's signatures (without `alg`). */
  readonly publicKey: CosePublicKey;
  /** A signature as WebAuthn carries it: DER for ECDSA (message hashed with the algorithm's hash), raw otherwise. */
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** What a crypto backend provides. */
export interface CryptoBackend {
  readonly name: 'node' | 'webcrypto' | 'noble' | (string & {});
  /** Verifies; returns false for a wrong signature; throws `ERR_COSE_ALG_UNSUPPORTED` if it cannot. */
  verify(input: BackendVerifyInput): boolean | Promise<boolean>;
  /** A message digest. */
  digest(hash: HashName, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** A synchronous digest, when the backend has one. */
  digestSync?(hash: HashName, data: Uint8Array): Uint8Array;
  /**
   * Prepares a private key for signing: for ECDSA the secret scalar (big-endian, the curve's
   * size, already checked to lie in 1..n−1), for EdDSA the 32-byte Ed25519 secret (RFC 8032
   * §5.1.5), for ML-DSA the 32-byte seed ξ (FIPS 204 §6.1). Absent, or resolving `undefined`:
   * this backend cannot sign with the algorithm and the caller falls back to noble.
   */
  signingKey?(
    algorithm: SignatureAlgorithm,
    secret: Uint8Array,
  ): BackendSigningKey | undefined | Promise<BackendSigningKey | undefined>;
  /**
   * Generates a fresh key pair for signing (same algorithms as {@link CryptoBackend.signingKey}),
   * returning the raw private key beside the prepared key; absent or `undefined`: not here.
   */
  generateSigningKey?(
    algorithm: SignatureAlgorithm,
  ): { secret: Uint8Array; key: BackendSigningKey } | undefined;
  /**
   * AES-256-GCM with a 12-byte nonce and a 16-byte tag appended (NIST SP 800-38D), synchronous,
   * when the backend has it. `decrypt` returns `undefined` when the tag does not verify.
   */
  aesGcm?(
    mode: 'encrypt' | 'decrypt',
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
  ): Uint8Array | undefined;
}

/** Names of the built-in backends. */
export type BackendName = 'node' | 'webcrypto' | 'noble';
