/**
 * The node:crypto backend: OpenSSL through Node's crypto module, with prepared KeyObjects
 * cached. It is reached through `process.getBuiltinModule('node:crypto')` (Node ≥ 20.16, Deno and
 * Bun provide it too), so this portable package never names a `node:` import.
 */

import { Lru } from './_lru.js';
import { HASH_LENGTHS, type HashName } from './algorithms.js';
import type { BackendVerifyInput, CryptoBackend } from './backend.js';
import { type CosePublicKey, coseKeyToJwk } from './cose-key.js';
import { AlgorithmUnsupportedError } from './errors.js';

/** The part of node:crypto this backend uses. */
interface NodeKeyObject {
  readonly type: string;
}
interface NodeCrypto {
  createPublicKey(input: { key: unknown; format: 'jwk' }): NodeKeyObject;
  verify(
    algorithm: string | null,
    data: Uint8Array,
    key: NodeKeyObject | { key: NodeKeyObject; dsaEncoding?: string; padding?: number; saltLength?: number },
    signature: Uint8Array,
  ): boolean;
  createHash(name: string): { update(d: Uint8Array): { digest(): Uint8Array } };
  constants: { RSA_PKCS1_PSS_PADDING: number };
}

const NODE_HASH: Record<HashName, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function loadNodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  try {
    const c = proc.getBuiltinModule('node:crypto') as NodeCrypto | undefined;
    return typeof c?.createPublicKey === 'function' && typeof c.verify === 'function' ? c : undefined;
  } catch {
    return undefined;
  }
}

function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Creates the node:crypto backend, or `null` when node:crypto is not reachable. @internal */
export function createNodeBackend(): CryptoBackend | null {
  const crypto = loadNodeCrypto();
  if (crypto === undefined) return null;
  const byString = new Lru<string, NodeKeyObject>(1024);
  const byObject = new WeakMap<CosePublicKey, NodeKeyObject>();

  function keyObject(key: CosePublicKey, cacheKey: string | undefined): NodeKeyObject {
    let ko = cacheKey === undefined ? byObject.get(key) : byString.get(cacheKey);
    if (ko === undefined) {
      try {
        ko = crypto!.createPublicKey({
          key: coseKeyToJwk({ ...key, alg: undefined } as CosePublicKey),
          format: 'jwk',
        });
      } catch (cause) {
        throw new AlgorithmUnsupportedError(`node:crypto cannot use this ${key.kty} key`, { cause });
      }
      if (cacheKey === undefined) byObject.set(key, ko);
      else byString.set(cacheKey, ko);
    }
    return ko;
  }

  function verify({ key, cacheKey, algorithm, data, signature }: BackendVerifyInput): boolean {
    const ko = keyObject(key, cacheKey);
    const hash = algorithm.hash === undefined ? null : NODE_HASH[algorithm.hash];
    try {
      switch (algorithm.family) {
        case 'ECDSA':
          return crypto!.verify(hash, data, { key: ko, dsaEncoding: 'ieee-p1363' }, signature);
        case 'EdDSA':
          return crypto!.verify(null, data, ko, signature);
        case 'RSASSA-PKCS1-v1_5':
          return crypto!.verify(hash, data, ko, signature);
        case 'RSA-PSS':
          return crypto!.verify(
            hash,
            data,
            {
              key: ko,
              padding: crypto!.constants.RSA_PKCS1_PSS_PADDING,
              saltLength: HASH_LENGTHS[algorithm.hash as HashName],
            },
            signature,
          );
      }
    } catch {
      return false; // OpenSSL refused the signature's shape
    }
  }

  function digest(hash: HashName, data: Uint8Array): Uint8Array {
    return plain(crypto!.createHash(NODE_HASH[hash]).update(data).digest());
  }

  return Object.freeze({ name: 'node', verify, digest, digestSync: digest });
}
