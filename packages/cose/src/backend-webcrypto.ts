/**
 * The WebCrypto backend (browsers, Deno, Bun, workers, Node's globalThis.crypto). Where the
 * runtime's WebCrypto lacks an algorithm (Ed448 in browsers, say) it falls back to noble.
 */

import { Lru } from './_lru.js';
import { HASH_LENGTHS, type HashName, type SignatureAlgorithm } from './algorithms.js';
import type { BackendVerifyInput, CryptoBackend } from './backend.js';
import { nobleBackend, nobleDigest } from './backend-noble.js';
import { type CosePublicKey, coseKeyToJwk } from './cose-key.js';
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

  return Object.freeze({ name: 'webcrypto', verify, digest, digestSync: nobleDigest });
}
