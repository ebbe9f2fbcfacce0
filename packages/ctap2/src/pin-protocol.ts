/**
 * PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6 and §6.5.7), both sides: the platform
 * (encapsulate) and the authenticator (decapsulate). Portable: @noble/curves for ECDH on P-256,
 * @noble/hashes for SHA-256, HMAC and HKDF, @noble/ciphers for AES-256-CBC.
 */

import {
  type CborValue,
  constantTimeEqual,
  InvalidArgumentError,
  randomBytes,
  utf8Encode,
} from '@fido2kit/cose';
import { cbc } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Ctap2ClientError } from './errors.js';

/** A COSE_Key map as CTAP carries the key agreement key: {1: 2, 3: -25, -1: 1, -2: x, -3: y}. */
export type CoseKeyMap = Map<CborValue, CborValue>;

/** The platform's half of a key agreement. */
export interface Encapsulation {
  /** The platform key agreement key to send (`keyAgreement`, 0x03). */
  keyAgreement: CoseKeyMap;
  /** The shared secret (32 bytes in protocol one, 64 in protocol two). */
  sharedSecret: Uint8Array;
}

/** A key pair for ECDH on P-256. */
export interface KeyAgreementKeyPair {
  privateKey: Uint8Array;
  /** The public key as a COSE_Key map with alg ECDH-ES+HKDF-256 (-25). */
  publicKey: CoseKeyMap;
}

function invalid(message: string): never {
  throw new Ctap2ClientError('ERR_INVALID_RESPONSE', message);
}

/** Generates a P-256 key pair for key agreement (getKeyAgreement / encapsulate). */
export function generateKeyAgreementKey(): KeyAgreementKeyPair {
  const privateKey = p256.utils.randomSecretKey();
  const pub = p256.getPublicKey(privateKey, false);
  return { privateKey, publicKey: coseKeyAgreement(pub) };
}

function coseKeyAgreement(uncompressed: Uint8Array): CoseKeyMap {
  return new Map<CborValue, CborValue>([
    [1, 2],
    [3, -25],
    [-1, 1],
    [-2, uncompressed.slice(1, 33)],
    [-3, uncompressed.slice(33, 65)],
  ]);
}

/** The uncompressed SEC1 point of a COSE key agreement key, checked to be on P-256. */
export function keyAgreementPoint(key: unknown): Uint8Array {
  if (!(key instanceof Map)) invalid('key agreement key is not a COSE_Key map');
  const x = key.get(-2);
  const y = key.get(-3);
  if (key.get(1) !== 2 || key.get(-1) !== 1 || !(x instanceof Uint8Array) || !(y instanceof Uint8Array)) {
    invalid('key agreement key is not a P-256 EC2 key');
  }
  if (x.length !== 32 || y.length !== 32) invalid('key agreement key coordinates are not 32 bytes');
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch {
    invalid('key agreement key is not a point on P-256');
  }
  return point;
}

/** ECDH: the x-coordinate of privateKey · peer (CTAP 2.1 §6.5.6 "ecdh" before kdf). */
export function ecdhZ(privateKey: Uint8Array, peer: CoseKeyMap): Uint8Array {
  const shared = p256.getSharedSecret(privateKey, keyAgreementPoint(peer), false);
  return shared.slice(1, 33);
}

/** What both protocols provide (CTAP 2.1 §6.5.4 "PIN/UV Auth Protocol Abstract Definition"). */
export abstract class PinUvAuthProtocol {
  /** 1 or 2. */
  abstract readonly version: 1 | 2;
  /** Derives the shared secret from the ECDH x-coordinate Z. */
  abstract kdf(z: Uint8Array): Uint8Array;
  /** Encrypts `plaintext` (a multiple of 16 bytes) with the shared secret. */
  abstract encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Decrypts; throws `ERR_INVALID_RESPONSE` when the ciphertext has an impossible length. */
  abstract decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** The MAC of `message` under `key` (a shared secret or a pinUvAuthToken). */
  abstract authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;

  /** Checks a MAC in constant time. */
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return constantTimeEqual(this.authenticate(key, message), signature);
  }

  /** Platform side: a fresh key pair, ECDH with the authenticator's key, and the shared secret. */
  encapsulate(peer: CoseKeyMap): Encapsulation {
    const { privateKey, publicKey } = generateKeyAgreementKey();
    return { keyAgreement: publicKey, sharedSecret: this.kdf(ecdhZ(privateKey, peer)) };
  }

  /** Authenticator side: the shared secret from the platform's key agreement key. */
  decapsulate(privateKey: Uint8Array, peer: CoseKeyMap): Uint8Array {
    return this.kdf(ecdhZ(privateKey, peer));
  }
}

function aesCbc(key: Uint8Array, iv: Uint8Array) {
  return cbc(key, iv, { disablePadding: true });
}

/** PIN/UV auth protocol one (CTAP 2.1 §6.5.6). */
export class PinUvAuthProtocolOne extends PinUvAuthProtocol {
  readonly version = 1 as const;
  kdf(z: Uint8Array): Uint8Array {
    return sha256(z);
  }
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (plaintext.length % 16 !== 0)
      throw new InvalidArgumentError('"plaintext" expected a multiple of 16 bytes');
    return aesCbc(key, new Uint8Array(16)).encrypt(plaintext);
  }
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length % 16 !== 0) invalid('protocol one ciphertext is not a multiple of 16 bytes');
    return aesCbc(key, new Uint8Array(16)).decrypt(ciphertext);
  }
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    return hmac(sha256, key, message).slice(0, 16);
  }
}

const ZERO_SALT = new Uint8Array(32);
const HMAC_INFO = utf8Encode('CTAP2 HMAC key');
const AES_INFO = utf8Encode('CTAP2 AES key');

/** PIN/UV auth protocol two (CTAP 2.1 §6.5.7). */
export class PinUvAuthProtocolTwo extends PinUvAuthProtocol {
  readonly version = 2 as const;
  /** Random IVs by default; tests may inject a source. */
  readonly #random: (n: number) => Uint8Array;
  constructor(random: (n: number) => Uint8Array = randomBytes) {
    super();
    this.#random = random;
  }
  kdf(z: Uint8Array): Uint8Array {
    const out = new Uint8Array(64);
    out.set(hkdf(sha256, z, ZERO_SALT, HMAC_INFO, 32), 0);
    out.set(hkdf(sha256, z, ZERO_SALT, AES_INFO, 32), 32);
    return out;
  }
  #aesKey(key: Uint8Array): Uint8Array {
    return key.length === 64 ? key.subarray(32) : key;
  }
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (plaintext.length % 16 !== 0)
      throw new InvalidArgumentError('"plaintext" expected a multiple of 16 bytes');
    const iv = this.#random(16);
    const ct = aesCbc(this.#aesKey(key), iv).encrypt(plaintext);
    const out = new Uint8Array(16 + ct.length);
    out.set(iv, 0);
    out.set(ct, 16);
    return out;
  }
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length < 16 || ciphertext.length % 16 !== 0) {
      invalid('protocol two ciphertext is not an IV followed by whole blocks');
    }
    return aesCbc(this.#aesKey(key), ciphertext.subarray(0, 16)).decrypt(ciphertext.subarray(16));
  }
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    // a 64-byte shared secret uses its first half (the HMAC key); a pinUvAuthToken is used whole
    return hmac(sha256, key.length === 64 ? key.subarray(0, 32) : key, message);
  }
}

/** The protocol object for a protocol number. */
export function pinUvAuthProtocol(version: number): PinUvAuthProtocol {
  if (version === 1) return new PinUvAuthProtocolOne();
  if (version === 2) return new PinUvAuthProtocolTwo();
  throw new Ctap2ClientError('ERR_NOT_SUPPORTED', `PIN/UV auth protocol ${version} is not supported`);
}
