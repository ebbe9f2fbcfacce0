/** Random bytes from the platform's CSPRNG (WebCrypto `getRandomValues`, present on Node ≥ 20 and every browser). */
import { BackendUnavailableError } from '@fido2kit/cose';

/** @internal */
export function randomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof c?.getRandomValues !== 'function')
    throw new BackendUnavailableError('crypto.getRandomValues is not available in this runtime');
  return c.getRandomValues(new Uint8Array(n));
}
