/**
 * AES-256-GCM through the crypto backend seam (node:crypto where present, else @noble/ciphers),
 * for software authenticators that seal state into credential IDs.
 */
import { abytes } from './_assert.js';
import { resolveBackend } from './backend.js';
import { nobleAesGcm } from './backend-noble.js';
import type { BackendName, CryptoBackend } from './backend-types.js';
import { InvalidArgumentError } from './errors.js';

function check(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): void {
  abytes(key, 'key');
  abytes(nonce, 'nonce');
  abytes(aad, 'aad');
  if (key.length !== 32) throw new InvalidArgumentError(`"key" expected 32 bytes, got length=${key.length}`);
  if (nonce.length !== 12) {
    throw new InvalidArgumentError(`"nonce" expected 12 bytes, got length=${nonce.length}`);
  }
}

function run(
  mode: 'encrypt' | 'decrypt',
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  backend: CryptoBackend | BackendName | undefined,
): Uint8Array | undefined {
  check(key, nonce, aad);
  abytes(data, 'data');
  const b = resolveBackend(backend);
  return (b.aesGcm ?? nobleAesGcm)(mode, key, nonce, aad, data);
}

/**
 * Seals `plaintext` with AES-256-GCM (NIST SP 800-38D): ciphertext ‖ 16-byte tag.
 * @param key 32 bytes
 * @param nonce 12 bytes, never reused with the same key
 * @param aad associated data, authenticated but not encrypted
 * @returns ciphertext ‖ tag
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for a key or nonce of the wrong size
 * @example
 * ```ts
 * const sealed = aesGcmEncrypt(key, nonce, rpIdHash, payload);
 * ```
 */
export function aesGcmEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  backend?: CryptoBackend | BackendName,
): Uint8Array {
  return run('encrypt', key, nonce, aad, plaintext, backend) as Uint8Array;
}

/**
 * Opens an AES-256-GCM ciphertext ‖ tag; `undefined` when the tag does not verify (wrong key,
 * nonce, associated data, or any changed byte).
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for a key or nonce of the wrong size
 * @example
 * ```ts
 * const payload = aesGcmDecrypt(key, nonce, rpIdHash, sealed); // undefined: not ours
 * ```
 */
export function aesGcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
  backend?: CryptoBackend | BackendName,
): Uint8Array | undefined {
  return run('decrypt', key, nonce, aad, sealed, backend);
}
