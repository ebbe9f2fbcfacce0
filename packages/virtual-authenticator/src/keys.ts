/**
 * Credential key algorithms, as a registry. Every credential key is derived from a 32-byte seed
 * (kept inside the wrapped credential ID), so a credential ID carries everything the
 * authenticator needs.
 */
import { type CosePublicKey, encodeCoseKey, utf8Encode } from '@fido2kit/cose';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** What an algorithm provides. */
export interface KeyAlgorithm {
  /** COSE algorithm identifier. */
  readonly alg: number;
  readonly name: string;
  /** The COSE_Key bytes of the public key for `seed`. */
  publicKey(seed: Uint8Array): Uint8Array;
  /** The decoded COSE public key for `seed`. */
  coseKey(seed: Uint8Array): CosePublicKey;
  /** A signature as WebAuthn carries it (DER for ECDSA). */
  sign(seed: Uint8Array, data: Uint8Array): Uint8Array;
}

function derive(seed: Uint8Array, label: string, length: number): Uint8Array {
  return hkdf(sha256, seed, undefined, utf8Encode(`fido2kit ${label}`), length);
}

/** The P-256 secret scalar of a seed. */
export function p256SecretKey(seed: Uint8Array): Uint8Array {
  return p256.utils.randomSecretKey(derive(seed, 'p256', 48));
}

const ES256: KeyAlgorithm = {
  alg: -7,
  name: 'ES256',
  coseKey(seed) {
    const pub = p256.getPublicKey(p256SecretKey(seed), false);
    return { kty: 'EC2', alg: -7, crv: 'P-256', x: pub.slice(1, 33), y: pub.slice(33, 65) };
  },
  publicKey(seed) {
    return encodeCoseKey(this.coseKey(seed));
  },
  sign(seed, data) {
    return p256.sign(data, p256SecretKey(seed), { format: 'der' });
  },
};

const EdDSA: KeyAlgorithm = {
  alg: -8,
  name: 'EdDSA',
  coseKey(seed) {
    return { kty: 'OKP', alg: -8, crv: 'Ed25519', x: ed25519.getPublicKey(derive(seed, 'ed25519', 32)) };
  },
  publicKey(seed) {
    return encodeCoseKey(this.coseKey(seed));
  },
  sign(seed, data) {
    return ed25519.sign(data, derive(seed, 'ed25519', 32));
  },
};

/** Supported credential algorithms by COSE identifier. */
export const KEY_ALGORITHMS: ReadonlyMap<number, KeyAlgorithm> = new Map([
  [ES256.alg, ES256],
  [EdDSA.alg, EdDSA],
]);

/** Per-credential secrets derived from the seed (hmac-secret's CredRandom, largeBlobKey). */
export function credentialSecret(
  seed: Uint8Array,
  label: 'credRandomWithUV' | 'credRandomWithoutUV' | 'largeBlobKey',
): Uint8Array {
  return derive(seed, label, 32);
}
