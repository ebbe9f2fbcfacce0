/**
 * `importSigningKey`: signing through the crypto backend seam, for software authenticators
 * (`@fido2kit/virtual-authenticator`) and tests. node:crypto where present, else WebCrypto, else
 * noble — the same choice as {@link verifySignature}; every path gives signatures that verify
 * under the same public key (the tests prove it).
 */
import { p256 } from '@noble/curves/nist.js';
import { abytes } from './_assert.js';
import { SIGNATURE_ALGORITHMS } from './algorithms.js';
import { resolveBackend } from './backend.js';
import { nobleSigningKey } from './backend-noble.js';
import type { BackendName, BackendSigningKey, CryptoBackend } from './backend-types.js';
import type { CosePublicKey } from './cose-key.js';
import { AlgorithmUnsupportedError, InvalidArgumentError } from './errors.js';
import { randomBytes } from './random.js';

/** A private key ready to sign, with its public key. */
export interface SigningKey {
  /** The COSE algorithm it signs with. */
  readonly algorithm: number;
  /** The public key, with `alg` set. */
  readonly publicKey: CosePublicKey;
  /** The backend that signs ('node', 'webcrypto' or 'noble'). */
  readonly backend: string;
  /** Signs `data`; ECDSA signatures are DER, as WebAuthn carries them. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

// The order n of P-256 (SEC 2 §2.4.2): a scalar must lie in 1..n−1.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function checkSecret(algorithm: number, secret: Uint8Array): void {
  if (secret.length !== 32) {
    throw new InvalidArgumentError(`"secret" expected 32 bytes, got length=${secret.length}`);
  }
  if (algorithm === -7 || algorithm === -9) {
    let d = 0n;
    for (const b of secret) d = (d << 8n) | BigInt(b);
    if (d === 0n || d >= P256_N) {
      throw new InvalidArgumentError('"secret" expected a P-256 scalar in 1..n-1');
    }
  }
}

/** The COSE algorithms {@link importSigningKey} signs with. */
export const SIGNING_ALGORITHMS: readonly number[] = [-7, -9, -8, -19, -48, -49, -50];

/**
 * Prepares a private key for signing with a COSE algorithm: ES256/ESP256 (`secret` = the
 * 32-byte P-256 scalar, big-endian), EdDSA/Ed25519 (`secret` = the 32-byte Ed25519 secret
 * key of RFC 8032 §5.1.5) or ML-DSA-44/65/87 (`secret` = the 32-byte seed ξ of FIPS 204
 * ML-DSA.KeyGen; the public key is an AKP key). The backend is node:crypto where present
 * (OpenSSL), else WebCrypto, else @noble; a backend that cannot sign with the algorithm hands
 * over to noble (ML-DSA always: neither node:crypto on Node 20 nor WebCrypto has it).
 *
 * @param algorithm the COSE algorithm identifier
 * @param secret the raw private key (copied)
 * @param options `backend` to force one
 * @returns the signing key and its public key
 * @throws {AlgorithmUnsupportedError} `ERR_COSE_ALG_UNSUPPORTED` for an algorithm it cannot sign with
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for a secret of the wrong size or range
 * @example
 * ```ts
 * const key = await importSigningKey(-7, scalar);
 * const signature = await key.sign(concatBytes(authData, clientDataHash));
 * await verifySignature({ publicKey: key.publicKey, data, signature }); // true
 * ```
 */
export async function importSigningKey(
  algorithm: number,
  secret: Uint8Array,
  options: { backend?: CryptoBackend | BackendName } = {},
): Promise<SigningKey> {
  const alg = SIGNATURE_ALGORITHMS.get(algorithm);
  if (alg === undefined || !SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new AlgorithmUnsupportedError(`cannot sign with COSE algorithm ${String(algorithm)}`);
  }
  const raw = abytes(secret, 'secret').slice();
  checkSecret(algorithm, raw);
  if (alg.family === 'ML-DSA') {
    const { mlDsaSigningKey } = await import('./ml-dsa.js');
    const prepared = mlDsaSigningKey(alg, raw);
    if (prepared !== undefined) return finish(algorithm, prepared, 'noble');
  }
  const backend = resolveBackend(options.backend);
  let prepared = backend.signingKey === undefined ? undefined : await backend.signingKey(alg, raw);
  let name = backend.name;
  if (prepared === undefined) {
    prepared = nobleSigningKey(alg, raw);
    name = 'noble';
  }
  if (prepared === undefined) {
    throw new AlgorithmUnsupportedError(`cannot sign with COSE algorithm ${String(algorithm)}`);
  }
  return finish(algorithm, prepared, name);
}

function finish(algorithm: number, signer: BackendSigningKey, backend: string): SigningKey {
  return Object.freeze({
    algorithm,
    publicKey: Object.freeze({ ...signer.publicKey, alg: algorithm }) as CosePublicKey,
    backend,
    sign: async (data: Uint8Array) => signer.sign(abytes(data, 'data')),
  });
}

/**
 * Generates a fresh signing key with the backend's random source (node:crypto's key generation
 * where present; elsewhere a random secret from {@link randomBytes} through
 * {@link importSigningKey}). Returns the raw private key (store it as a secret) and the key.
 *
 * @param algorithm ES256/ESP256 or EdDSA/Ed25519
 * @throws {AlgorithmUnsupportedError} `ERR_COSE_ALG_UNSUPPORTED` for an algorithm it cannot sign with
 * @example
 * ```ts
 * const { secret, key } = await generateSigningKey(-7);
 * ```
 */
export async function generateSigningKey(
  algorithm: number,
  options: { backend?: CryptoBackend | BackendName } = {},
): Promise<{ secret: Uint8Array; key: SigningKey }> {
  const alg = SIGNATURE_ALGORITHMS.get(algorithm);
  if (alg === undefined || !SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new AlgorithmUnsupportedError(`cannot sign with COSE algorithm ${String(algorithm)}`);
  }
  const backend = resolveBackend(options.backend);
  const made = backend.generateSigningKey?.(alg);
  if (made !== undefined) return { secret: made.secret, key: finish(algorithm, made.key, backend.name) };
  const secret = alg.family === 'ECDSA' ? p256.utils.randomSecretKey(randomBytes(48)) : randomBytes(32);
  return { secret, key: await importSigningKey(algorithm, secret, options) };
}
