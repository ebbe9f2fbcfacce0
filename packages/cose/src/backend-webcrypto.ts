/**
 * The WebCrypto backend (browsers, Deno, Bun, workers, Node's globalThis.crypto). Where the
 * runtime's WebCrypto lacks an algorithm (Ed448 in browsers, say) it falls back to noble.
 */

import { Lru } from './_lru.js';
import { ed25519Pkcs8, p256Pkcs8 } from './_pkcs8.js';
import { HASH_LENGTHS, type HashName, type SignatureAlgorithm } from './algorithms.js';
import { nobleAesGcm, nobleBackend, nobleDigest, nobleSigningKey } from './backend-noble.js';
import type { BackendSigningKey, BackendVerifyInput, CryptoBackend } from './backend-types.js';
import { base64url } from './base64url.js';
import { type CosePublicKey, coseKeyToJwk } from './cose-key.js';
import { ecdsaRawToDer } from './der.js';
import { AlgorithmUnsupportedError } from './errors.js';

type Subtle = SubtleCrypto;

function importParams(
  key: CosePublicKey,
  alg: SignatureAlgorithm,
): AlgorithmIdentifier | EcKeyImportParams | RsaHashedImportParams {
  switch (alg.family) {
    case 'ECDSA':
      return { name: 'ECDSA', namedCurve: (key as { crv: string }).crv };
    case 'EdDSA':
      return { name: (key as { crv: string }).crv };
    case 'RSASSA-PKCS1-v1_5':
      return { name: 'RSASSA-PKCS1-v1_5', hash: alg.hash as string };
    case 'RSA-PSS':
      return { name: 'RSA-PSS', hash: alg.hash as string };
    default:
      throw new AlgorithmUnsupportedError(`WebCrypto cannot import ${alg.name} keys`);
  }
}

function verifyParams(
  key: CosePublicKey,
  alg: SignatureAlgorithm,
): AlgorithmIdentifier | EcdsaParams | RsaPssParams {
  switch (alg.family) {
    case 'ECDSA':
      return { name: 'ECDSA', hash: alg.hash as string };
    case 'EdDSA':
      return { name: (key as { crv: string }).crv };
    case 'RSASSA-PKCS1-v1_5':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: HASH_LENGTHS[alg.hash as HashName] };
    default:
      throw new AlgorithmUnsupportedError(`WebCrypto cannot verify ${alg.name}`);
  }
}

function isNotSupported(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return (
    name === 'NotSupportedError' ||
    (e instanceof TypeError && /not supported|unrecognized|unknown/i.test(e.message))
  );
}

/** Creates the WebCrypto backend, or `null` when `crypto.subtle` is missing. @internal */
export function createWebCryptoBackend(): CryptoBackend | null {
  const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (subtle === undefined) return null;
  const cache = new Lru<string, Promise<CryptoKey>>(1024);
  const byObject = new WeakMap<CosePublicKey, Map<string, Promise<CryptoKey>>>();

  function cryptoKey(
    key: CosePublicKey,
    cacheKey: string | undefined,
    alg: SignatureAlgorithm,
  ): Promise<CryptoKey> {
    const algKey = `${alg.family}/${alg.hash ?? ''}`;
    let perObject = cacheKey === undefined ? byObject.get(key) : undefined;
    let p = cacheKey === undefined ? perObject?.get(algKey) : cache.get(`${algKey}|${cacheKey}`);
    if (p === undefined) {
      const jwk = coseKeyToJwk({ ...key, alg: undefined } as CosePublicKey) as JsonWebKey;
      p = subtle!.importKey('jwk', jwk, importParams(key, alg), false, ['verify']);
      p.catch(() => undefined);
      if (cacheKey === undefined) {
        if (perObject === undefined) {
          perObject = new Map();
          byObject.set(key, perObject);
        }
        perObject.set(algKey, p);
      } else cache.set(`${algKey}|${cacheKey}`, p);
    }
    return p;
  }

  async function verify(input: BackendVerifyInput): Promise<boolean> {
    const { key, cacheKey, algorithm } = input;
    // copies: nothing the caller does while we await can change what is verified
    const data = input.data.slice();
    const signature = input.signature.slice();
    let ck: CryptoKey;
    try {
      ck = await cryptoKey(key, cacheKey, algorithm);
    } catch (e) {
      if (isNotSupported(e) && algorithm.family !== 'RSASSA-PKCS1-v1_5' && algorithm.family !== 'RSA-PSS') {
        return nobleBackend.verify({ ...input, data, signature }) as boolean;
      }
      throw new AlgorithmUnsupportedError(`WebCrypto cannot use this ${key.kty} key for ${algorithm.name}`, {
        cause: e,
      });
    }
    try {
      return await subtle!.verify(verifyParams(key, algorithm), ck, signature, data);
    } catch {
      return false;
    }
  }

  async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await subtle!.digest(hash, data.slice()));
  }

  // Signing (CryptoBackend.signingKey): PKCS#8 import, the public key read back as a JWK. A
  // runtime whose WebCrypto refuses the algorithm or the key gets noble's signer.
  async function signingKey(
    algorithm: SignatureAlgorithm,
    secret: Uint8Array,
  ): Promise<BackendSigningKey | undefined> {
    const ec = algorithm.family === 'ECDSA' && algorithm.hash === 'SHA-256';
    if (!ec && !(algorithm.family === 'EdDSA' && algorithm.curves?.includes('Ed25519'))) {
      return nobleSigningKey(algorithm, secret);
    }
    const params = ec ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
    let key: CryptoKey;
    let jwk: JsonWebKey;
    try {
      const der = (ec ? p256Pkcs8(secret) : ed25519Pkcs8(secret)) as Uint8Array<ArrayBuffer>;
      key = await subtle!.importKey('pkcs8', der, params, true, ['sign']);
      jwk = await subtle!.exportKey('jwk', key);
    } catch {
      return nobleSigningKey(algorithm, secret);
    }
    const x = base64url.decode(jwk.x ?? '');
    if (ec) {
      return {
        publicKey: { kty: 'EC2', crv: 'P-256', x, y: base64url.decode(jwk.y ?? '') },
        sign: async (data) =>
          ecdsaRawToDer(
            new Uint8Array(await subtle!.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data.slice())),
          ),
      };
    }
    return {
      publicKey: { kty: 'OKP', crv: 'Ed25519', x },
      sign: async (data) => new Uint8Array(await subtle!.sign({ name: 'Ed25519' }, key, data.slice())),
    };
  }

  return Object.freeze({
    name: 'webcrypto',
    verify,
    digest,
    digestSync: nobleDigest,
    signingKey,
    // WebCrypto's AES-GCM is asynchronous and, for the few dozen bytes this seals, slower than noble
    aesGcm: nobleAesGcm,
  });
}
