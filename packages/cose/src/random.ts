/**
 * Random bytes from the platform's CSPRNG (WebCrypto `crypto.getRandomValues`: Node ≥ 20, Deno,
 * Bun, workers and every browser) — the one source of randomness of fido2kit's packages.
 *
 * Small requests (nonces, challenges, tokens, keys) are served from a 512-byte pool refilled in
 * one call: `getRandomValues` costs ~2–6 µs a call on Node 20 whatever the length, a measurable
 * share of a virtual-key round trip. Bytes handed out are wiped from the pool at once, so no
 * copy of them stays behind.
 */
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';

interface WebCrypto {
  getRandomValues(array: Uint8Array): Uint8Array;
}

const POOL_SIZE = 512;
const POOLED_MAX = 64;
/** getRandomValues refuses more than 65,536 bytes a call (WebCrypto). */
const QUOTA = 65536;

let pool: Uint8Array | undefined;
let used = POOL_SIZE;

function source(): WebCrypto {
  const c = (globalThis as { crypto?: Partial<WebCrypto> }).crypto;
  if (typeof c?.getRandomValues !== 'function') {
    throw new BackendUnavailableError('crypto.getRandomValues is not available in this runtime');
  }
  return c as WebCrypto;
}

/**
 * `length` random bytes from the platform's CSPRNG.
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `length` is not a non-negative safe integer
 * @throws {BackendUnavailableError} `ERR_BACKEND_UNAVAILABLE` when the runtime has no `crypto.getRandomValues`
 * @example
 * ```ts
 * const challenge = randomBytes(32);
 * ```
 */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(`"length" expected a non-negative integer, got ${String(length)}`);
  }
  const c = source();
  if (length > POOLED_MAX) {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += QUOTA)
      c.getRandomValues(out.subarray(at, Math.min(length, at + QUOTA)));
    return out;
  }
  if (pool === undefined || used + length > POOL_SIZE) {
    pool ??= new Uint8Array(POOL_SIZE);
    c.getRandomValues(pool);
    used = 0;
  }
  const out = pool.slice(used, used + length);
  pool.fill(0, used, used + length);
  used += length;
  return out;
}
