/**
 * Which RP IDs an origin may use (WebAuthn L3 §5.1.3 steps 7–8, §5.1.4; HTML "is a registrable
 * domain suffix of or is equal to").
 */
import { fail } from './dom-errors.js';

/**
 * Checks an RP ID against an origin (WebAuthn §5.1.3 steps 7–8; HTML "registrable domain
 * suffix"): https, or http on localhost; the RP ID is the host or a dotted suffix of it.
 * @param origin the caller's origin, e.g. `https://login.example.com`
 * @param rpId the RP ID asked for; the origin's host when undefined
 * @returns the RP ID to use, lower-cased
 * @throws {WebAuthnClientError} `ERR_SECURITY` (`SecurityError`)
 * @example
 * ```ts
 * checkRpId('https://login.example.com', 'example.com'); // 'example.com'
 * ```
 */
export function checkRpId(origin: string, rpId: string | undefined): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a URL`);
  }
  const host = url.hostname.toLowerCase();
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a secure context`);
  }
  if (url.origin !== origin.replace(/\/$/, ''))
    fail('ERR_SECURITY', 'SecurityError', `${origin} is not an origin`);
  const id = (rpId ?? host).toLowerCase();
  if (id === '' || id.startsWith('.') || id.endsWith('.'))
    fail('ERR_SECURITY', 'SecurityError', `RP ID "${id}" is invalid`);
  const isIp = /^[0-9.]+$/.test(host) || host.startsWith('[');
  const suffixOk =
    host === id || (!isIp && host.endsWith(`.${id}`) && (id.includes('.') || id === 'localhost'));
  if (!suffixOk) {
    fail(
      'ERR_SECURITY',
      'SecurityError',
      `RP ID "${id}" is not a registrable suffix of the origin ${origin}`,
    );
  }
  return id;
}
