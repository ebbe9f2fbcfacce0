/** Message digests through the crypto backend. */
import { abytes } from './_assert.js';
import type { HashName } from './algorithms.js';
import { type BackendName, type CryptoBackend, resolveBackend } from './backend.js';
import { nobleDigest } from './backend-noble.js';
import { InvalidArgumentError } from './errors.js';

const NAMES = new Set<HashName>(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']);

/**
 * A message digest (SHA-1, SHA-256, SHA-384, SHA-512) through the chosen backend.
 * @example
 * ```ts
 * const rpIdHash = await digest('SHA-256', utf8Encode('example.com'));
 * ```
 */
export async function digest(
  hash: HashName,
  data: Uint8Array,
  backend?: CryptoBackend | BackendName,
): Promise<Uint8Array> {
  if (!NAMES.has(hash))
    throw new InvalidArgumentError(`"hash" expected SHA-1, SHA-256, SHA-384 or SHA-512, got ${String(hash)}`);
  return resolveBackend(backend).digest(hash, abytes(data, 'data'));
}

/**
 * SHA-256, synchronously (node:crypto where present, else @noble/hashes).
 * @example
 * ```ts
 * const clientDataHash = sha256(clientDataJSON);
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  const b = abytes(data, 'data');
  const backend = resolveBackend();
  return backend.digestSync ? backend.digestSync('SHA-256', b) : nobleDigest('SHA-256', b);
}
