/** The pure-JS backend on @noble/curves and @noble/hashes. RSA is not available here. */
import { gcm } from '@noble/ciphers/aes.js';
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { HashName, SignatureAlgorithm } from './algorithms.js';
import type { BackendSigningKey, BackendVerifyInput, CryptoBackend } from './backend-types.js';
import { AlgorithmUnsupportedError } from './errors.js';

const HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;
const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
/** Digest with @noble/hashes. @internal */
export function nobleDigest(hash: HashName, data: Uint8Array): Uint8Array {
  return HASHES[hash](data);
}

function verify({ key, algorithm, data, signature }: BackendVerifyInput): boolean {
  try {
    if (key.kty === 'EC2' && algorithm.family === 'ECDSA' && algorithm.hash) {
      const size = key.x.length;
      const pub = new Uint8Array(1 + 2 * size);
      pub[0] = 4;
      pub.set(key.x, 1);
      pub.set(key.y, 1 + size);
      const msgHash = HASHES[algorithm.hash](data);
      return CURVES[key.crv].verify(signature, msgHash, pub, {
        prehash: false,
        lowS: false, // authenticators do not normalise S
        format: 'compact',
      });
    }
    if (key.kty === 'OKP' && algorithm.family === 'EdDSA') {
      if (key.crv === 'Ed25519') return ed25519.verify(signature, data, key.x, { zip215: false });
      if (key.crv === 'Ed448') return ed448.verify(signature, data, key.x, { zip215: false });
    }
  } catch {
    return false; // malformed signature or point
  }
  throw new AlgorithmUnsupportedError(
    `the noble backend cannot verify ${algorithm.name} with a ${key.kty} key`,
  );
}

/** Signing keys in pure JS: ES256 (hedged ECDSA, low S, DER) and Ed25519. @internal */
export function nobleSigningKey(
  algorithm: SignatureAlgorithm,
  secret: Uint8Array,
): BackendSigningKey | undefined {
  if (algorithm.family === 'ECDSA' && algorithm.hash === 'SHA-256') {
    const pub = p256.getPublicKey(secret, false);
    return {
      publicKey: { kty: 'EC2', crv: 'P-256', x: pub.slice(1, 33), y: pub.slice(33, 65) },
      sign: (data) => p256.sign(data, secret, { format: 'der' }),
    };
  }
  if (algorithm.family === 'EdDSA' && algorithm.curves?.includes('Ed25519')) {
    return {
      publicKey: { kty: 'OKP', crv: 'Ed25519', x: ed25519.getPublicKey(secret) },
      sign: (data) => ed25519.sign(data, secret),
    };
  }
  return undefined;
}

/** AES-256-GCM in pure JS. @internal */
export const nobleAesGcm: NonNullable<CryptoBackend['aesGcm']> = (mode, key, nonce, aad, data) => {
  if (mode === 'encrypt') return gcm(key, nonce, aad).encrypt(data);
  try {
    return gcm(key, nonce, aad).decrypt(data);
  } catch {
    return undefined; // the tag did not verify
  }
};

/** The pure-JS backend. */
export const nobleBackend: CryptoBackend = Object.freeze({
  name: 'noble',
  verify,
  digest: nobleDigest,
  digestSync: nobleDigest,
  signingKey: nobleSigningKey,
  aesGcm: nobleAesGcm,
});
