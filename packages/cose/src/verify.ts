/**
 * `verifySignature`: WebAuthn/COSE signature verification over any crypto backend.
 */
import { abytes, describe, isBytes } from './_assert.js';
import { Lru } from './_lru.js';
import {
  COSE_ALGORITHM_NAMES,
  ML_DSA_SIZES,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
} from './algorithms.js';
import { type BackendName, type CryptoBackend, resolveBackend } from './backend.js';
import { bytesKey } from './bytes.js';
import type { CborValue } from './cbor.js';
import { type CosePublicKey, type DecodeCoseKeyOptions, decodeCoseKey } from './cose-key.js';
import { ecdsaDerToRaw } from './der.js';
import { AlgorithmUnsupportedError, CoseKeyError, InvalidArgumentError } from './errors.js';

/** Arguments of {@link verifySignature}. */
export interface VerifySignatureOptions {
  /** The public key: COSE_Key bytes, a decoded COSE map, or a decoded {@link CosePublicKey}. */
  publicKey: Uint8Array | CosePublicKey | Map<CborValue, CborValue>;
  /** The signed bytes (for WebAuthn: authenticatorData ‖ SHA-256(clientDataJSON)). */
  data: Uint8Array;
  /** The signature; ECDSA signatures are DER, as WebAuthn carries them. */
  signature: Uint8Array;
  /** The COSE algorithm; defaults to the key's `alg`. Must agree with it when both are given. */
  algorithm?: number;
  /** Accept legacy algorithms (RS1, RSASSA-PKCS1-v1_5 with SHA-1). Default false. */
  allowLegacy?: boolean;
  /** The crypto backend; defaults to {@link getCryptoBackend}. */
  backend?: CryptoBackend | BackendName;
  /** Key size limits, passed to {@link decodeCoseKey}. */
  keyOptions?: DecodeCoseKeyOptions;
}

// Decoded and validated keys by their COSE bytes: the point-on-curve check runs once per key.
const decodedKeys = new Lru<string, CosePublicKey>(1024);
const ES_SYNONYMS: Record<number, number> = { [-9]: -7, [-51]: -35, [-52]: -36, [-19]: -8, [-53]: -8 };

function sameAlgorithm(a: number, b: number): boolean {
  return a === b || ES_SYNONYMS[a] === b || ES_SYNONYMS[b] === a;
}

function resolveKey(
  publicKey: VerifySignatureOptions['publicKey'],
  keyOptions: DecodeCoseKeyOptions | undefined,
): { key: CosePublicKey; cacheKey?: string } {
  if (isBytes(publicKey)) {
    const cacheKey = keyOptions === undefined ? bytesKey(publicKey) : undefined;
    let key = cacheKey === undefined ? undefined : decodedKeys.get(cacheKey);
    if (key === undefined) {
      key = decodeCoseKey(publicKey.slice(), keyOptions);
      if (cacheKey !== undefined) decodedKeys.set(cacheKey, key);
    }
    return { key, cacheKey };
  }
  if (publicKey instanceof Map) return { key: decodeCoseKey(publicKey, keyOptions) };
  if (
    publicKey !== null &&
    typeof publicKey === 'object' &&
    typeof (publicKey as CosePublicKey).kty === 'string'
  ) {
    return { key: publicKey as CosePublicKey };
  }
  throw new InvalidArgumentError(
    `"publicKey" expected COSE key bytes, a Map or a decoded key, got ${describe(publicKey)}`,
  );
}

/** Resolves and checks the algorithm for a key. @internal */
export function signatureAlgorithmFor(
  key: CosePublicKey,
  algorithm: number | undefined,
  allowLegacy = false,
): SignatureAlgorithm {
  if (algorithm !== undefined && key.alg !== undefined && !sameAlgorithm(algorithm, key.alg)) {
    throw new CoseKeyError(`the key is for algorithm ${key.alg}, not ${algorithm}`);
  }
  const id = algorithm ?? key.alg;
  if (id === undefined)
    throw new AlgorithmUnsupportedError('no algorithm: the key has no alg and none was given');
  const alg = SIGNATURE_ALGORITHMS.get(id);
  if (alg === undefined) {
    const name = COSE_ALGORITHM_NAMES[id];
    throw new AlgorithmUnsupportedError(
      `COSE algorithm ${id}${name ? ` (${name})` : ''} is not a supported signature algorithm`,
    );
  }
  if (alg.legacy && !allowLegacy) {
    throw new AlgorithmUnsupportedError(`${alg.name} is a legacy algorithm; pass allowLegacy to accept it`);
  }
  const fits =
    (alg.family === 'ECDSA' && key.kty === 'EC2' && (alg.curves?.includes(key.crv) ?? true)) ||
    (alg.family === 'EdDSA' && key.kty === 'OKP' && (alg.curves?.includes(key.crv) ?? false)) ||
    ((alg.family === 'RSASSA-PKCS1-v1_5' || alg.family === 'RSA-PSS') && key.kty === 'RSA') ||
    (alg.family === 'ML-DSA' && key.kty === 'AKP' && key.alg === alg.id);
  if (!fits) {
    throw new CoseKeyError(
      `a ${key.kty}${key.kty === 'RSA' || key.kty === 'AKP' ? '' : ` ${key.crv}`} key cannot verify ${alg.name}`,
    );
  }
  return alg;
}

const EC_SIZE = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;

/**
 * Verifies a WebAuthn/COSE signature: ES256, ES384, ES512 (and the fully-specified ESP256,
 * ESP384, ESP512), EdDSA with Ed25519 or Ed448 keys, Ed25519, Ed448, RS256/384/512,
 * PS256/384/512, ML-DSA-44/65/87 with AKP keys (FIPS 204, draft-ietf-cose-dilithium; on
 * @noble/post-quantum whichever backend is chosen, as no runtime's node:crypto or WebCrypto
 * this package supports has ML-DSA) and, when `allowLegacy` is set, RS1. ECDSA signatures are
 * DER (as WebAuthn sends them) and high-S values are accepted (authenticators do not normalise S).
 *
 * Resolves `false` for a signature that does not verify, including a malformed one; rejects
 * when the key or algorithm is unusable.
 *
 * @throws {CoseKeyError} `ERR_COSE_KEY_INVALID` for an invalid key or a key that does not suit
 *   the algorithm
 * @throws {AlgorithmUnsupportedError} `ERR_COSE_ALG_UNSUPPORTED`
 * @example
 * ```ts
 * const ok = await verifySignature({
 *   publicKey: credential.publicKey, // COSE bytes stored at registration
 *   data: concatBytes(authenticatorData, sha256(clientDataJSON)),
 *   signature,
 * });
 * ```
 */
export async function verifySignature(options: VerifySignatureOptions): Promise<boolean> {
  return verifySignatureInternal(options);
}

/** The body of {@link verifySignature}; returns synchronously when the backend does. @internal */
export function verifySignatureInternal(options: VerifySignatureOptions): boolean | Promise<boolean> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(`"options" expected an object, got ${describe(options)}`);
  }
  const data = abytes(options.data, 'data');
  const signature = abytes(options.signature, 'signature');
  const { key, cacheKey } = resolveKey(options.publicKey, options.keyOptions);
  const algorithm = signatureAlgorithmFor(key, options.algorithm, options.allowLegacy);
  const backend = resolveBackend(options.backend);
  let sig = signature;
  if (algorithm.family === 'ECDSA') {
    const raw = ecdsaDerToRaw(signature, EC_SIZE[(key as { crv: keyof typeof EC_SIZE }).crv]);
    if (raw === undefined) return false;
    sig = raw;
  } else if (algorithm.family === 'ML-DSA') {
    if (signature.length !== ML_DSA_SIZES[algorithm.id]?.signature) return false; // FIPS 204 Table 2
  } else if (algorithm.family === 'EdDSA') {
    if (signature.length !== ((key as { crv: string }).crv === 'Ed448' ? 114 : 64)) return false;
  } else if (signature.length !== (key as { n: Uint8Array }).n.length) {
    return false; // RSA signatures are exactly as long as the modulus (RFC 8017 §8.2.2)
  }
  if (algorithm.family === 'ML-DSA') {
    // one implementation for every backend (no node:crypto or WebCrypto has ML-DSA), loaded on use
    return import('./ml-dsa.js').then((m) => m.mlDsaVerify({ key, algorithm, data, signature: sig }));
  }
  return backend.verify({ key, cacheKey, algorithm, data, signature: sig });
}
