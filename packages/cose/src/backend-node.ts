/**
 * The node:crypto backend: OpenSSL through Node's crypto module, with prepared KeyObjects
 * cached. It is reached through `process.getBuiltinModule('node:crypto')` (Node ≥ 20.16, Deno and
 * Bun provide it too), so this portable package never names a `node:` import.
 */

import { Lru } from './_lru.js';
import { ed25519FromPkcs8, ed25519FromSpki, ed25519Pkcs8, p256FromSec1 } from './_pkcs8.js';
import { HASH_LENGTHS, type HashName, type SignatureAlgorithm } from './algorithms.js';
import type { BackendSigningKey, BackendVerifyInput, CryptoBackend } from './backend-types.js';
import { base64url } from './base64url.js';
import { type CosePublicKey, coseKeyToJwk } from './cose-key.js';
import { AlgorithmUnsupportedError } from './errors.js';

/** The part of node:crypto this backend uses. */
interface NodeKeyObject {
  readonly type: string;
  export(options: { format: 'der'; type: 'sec1' | 'spki' | 'pkcs8' }): Uint8Array;
}
interface NodeCrypto {
  createPublicKey(input: { key: unknown; format: 'jwk' } | NodeKeyObject): NodeKeyObject;
  verify(
    algorithm: string | null,
    data: Uint8Array,
    key: NodeKeyObject | { key: NodeKeyObject; dsaEncoding?: string; padding?: number; saltLength?: number },
    signature: Uint8Array,
  ): boolean;
  createHash(name: string): { update(d: Uint8Array): { digest(): Uint8Array } };
  /** One-shot digest (Node ≥ 20.12): no Hash object per call. */
  hash?(name: string, data: Uint8Array, outputEncoding: 'buffer'): Uint8Array;
  createPrivateKey(
    input: { key: Record<string, string>; format: 'jwk' } | { key: Uint8Array; format: 'der'; type: 'pkcs8' },
  ): NodeKeyObject;
  generateKeyPairSync(type: 'ec', options: { namedCurve: 'P-256' }): { privateKey: NodeKeyObject };
  generateKeyPairSync(type: 'ed25519'): { privateKey: NodeKeyObject; publicKey: NodeKeyObject };
  createCipheriv(name: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array): NodeGcm;
  createDecipheriv(name: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array): NodeGcm;
  createECDH(curve: string): { setPrivateKey(d: Uint8Array): void; getPublicKey(): Uint8Array };
  sign(
    algorithm: string | null,
    data: Uint8Array,
    key: NodeKeyObject | { key: NodeKeyObject; dsaEncoding: 'der' },
  ): Uint8Array;
  constants: { RSA_PKCS1_PSS_PADDING: number };
}

interface NodeGcm {
  setAAD(aad: Uint8Array): void;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
  setAuthTag(tag: Uint8Array): void;
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

  function verify(input: BackendVerifyInput): boolean {
    const { key, cacheKey, algorithm, data, signature } = input;
    // ML-DSA never reaches a backend: verifySignature hands it to ml-dsa.ts (node:crypto has none)
    if (algorithm.family === 'ML-DSA') throw new AlgorithmUnsupportedError('node:crypto has no ML-DSA');
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

  const oneShot = crypto.hash;
  function digest(hash: HashName, data: Uint8Array): Uint8Array {
    if (oneShot !== undefined) return plain(oneShot(NODE_HASH[hash], data, 'buffer'));
    return plain(crypto!.createHash(NODE_HASH[hash]).update(data).digest());
  }

  // Signing (CryptoBackend.signingKey), ES256 and Ed25519 (anything else falls back to noble).
  // OpenSSL 3 reads PKCS#8 through its slow decoder framework (over a millisecond a key), so the
  // key is imported as a JWK instead: for P-256 the public point comes from an ECDH object
  // (one fixed-base multiplication); for Ed25519 OpenSSL derives it from d (RFC 8032 §5.1.5)
  // and ignores the JWK's x, so a placeholder goes in and the real x is read back.
  const b64 = (b: Uint8Array) => base64url.encode(b);
  function signingKey(algorithm: SignatureAlgorithm, secret: Uint8Array): BackendSigningKey | undefined {
    if (algorithm.family === 'ECDSA' && algorithm.hash === 'SHA-256') {
      const ecdh = crypto!.createECDH('prime256v1');
      ecdh.setPrivateKey(secret);
      const pub = plain(ecdh.getPublicKey());
      const x = pub.slice(1, 33);
      const y = pub.slice(33, 65);
      const ko = crypto!.createPrivateKey({
        key: { kty: 'EC', crv: 'P-256', d: b64(secret), x: b64(x), y: b64(y) },
        format: 'jwk',
      });
      return {
        publicKey: { kty: 'EC2', crv: 'P-256', x, y },
        sign: (data) => plain(crypto!.sign('sha256', data, { key: ko, dsaEncoding: 'der' })),
      };
    }
    if (algorithm.family === 'EdDSA' && algorithm.curves?.includes('Ed25519')) {
      // PKCS#8, not JWK: Node 24 checks a JWK's `x` against `d`, and `x` is what we want to learn
      const ko = crypto!.createPrivateKey({
        key: ed25519Pkcs8(secret),
        format: 'der',
        type: 'pkcs8',
      });
      // the public key from the SPKI DER (RFC 8410), not a JWK export (see above)
      const x = ed25519FromSpki(plain(crypto!.createPublicKey(ko).export({ format: 'der', type: 'spki' })));
      if (x === undefined) return undefined; // an unexpected layout: another backend takes the key
      return {
        publicKey: { kty: 'OKP', crv: 'Ed25519', x },
        sign: (data) => plain(crypto!.sign(null, data, ko)),
      };
    }
    return undefined;
  }

  // A fresh P-256 key pair costs one fixed-base multiplication in OpenSSL; importing a given
  // scalar costs three or four (the JWK import re-checks the point), hence this fast path. For
  // Ed25519, generating and reading both halves back as DER takes ~150 µs where importing a
  // secret through PKCS#8 takes ~350 (OpenSSL 3's decoders; Node 20).
  function generateSigningKey(
    algorithm: SignatureAlgorithm,
  ): { secret: Uint8Array; key: BackendSigningKey } | undefined {
    if (algorithm.family === 'EdDSA' && algorithm.curves?.includes('Ed25519')) {
      const { privateKey: ko, publicKey } = crypto!.generateKeyPairSync('ed25519');
      // DER, never JWK (see below)
      const secret = ed25519FromPkcs8(plain(ko.export({ format: 'der', type: 'pkcs8' })));
      const x = ed25519FromSpki(plain(publicKey.export({ format: 'der', type: 'spki' })));
      if (secret === undefined || x === undefined) return undefined; // the caller imports a random secret
      return {
        secret,
        key: {
          publicKey: { kty: 'OKP', crv: 'Ed25519', x },
          sign: (data) => plain(crypto!.sign(null, data, ko)),
        },
      };
    }
    if (algorithm.family !== 'ECDSA' || algorithm.hash !== 'SHA-256') return undefined;
    const { privateKey: ko } = crypto!.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // SEC1 DER, never JWK. On Node 20, a JWK export of a freshly generated EC key can deadlock
    // the thread on itself (0 % CPU, within a few thousand keys): ExportJWKEcKey holds the key's
    // mutex while it allocates the JWK's strings; a scavenge in that allocation runs the weak
    // callback of the KeyGenJob that made the key, and ~KeyGenJob takes the same mutex (gdb:
    // ExportJWKEcKey → EncodeBignum → Heap::CollectGarbage → InvokeFirstPassWeakCallbacks →
    // ~KeyGenJob → uv_mutex_lock). Node 22 and 24 do not; the DER export takes no such path.
    const parts = p256FromSec1(plain(ko.export({ format: 'der', type: 'sec1' })));
    if (parts === undefined) return undefined; // an unexpected layout: the caller imports a random secret
    const { d, x, y } = parts;
    return {
      secret: d,
      key: {
        publicKey: { kty: 'EC2', crv: 'P-256', x, y },
        sign: (data) => plain(crypto!.sign('sha256', data, { key: ko, dsaEncoding: 'der' })),
      },
    };
  }

  const aesGcm: NonNullable<CryptoBackend['aesGcm']> = (mode, key, nonce, aad, data) => {
    if (mode === 'encrypt') {
      const c = crypto!.createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(aad);
      const head = c.update(data);
      const tail = c.final();
      const tag = c.getAuthTag();
      const out = new Uint8Array(head.length + tail.length + tag.length);
      out.set(head);
      out.set(tail, head.length);
      out.set(tag, head.length + tail.length);
      return out;
    }
    if (data.length < 16) return undefined;
    const d = crypto!.createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(data.subarray(data.length - 16));
    const head = d.update(data.subarray(0, data.length - 16));
    try {
      const tail = d.final();
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    } catch {
      return undefined; // the tag did not verify
    }
  };

  return Object.freeze({
    name: 'node',
    verify,
    digest,
    digestSync: digest,
    signingKey,
    generateSigningKey,
    aesGcm,
  });
}
