/**
 * Which RP IDs an origin may use (WebAuthn L3 §5.1.3 steps 7–8, §5.1.4.1 steps 7–8; HTML "is a
 * registrable domain suffix of or is equal to"), judged against the Public Suffix List as
 * browsers judge it.
 */
import { getPublicSuffix, parse } from 'tldts';
import { fail } from './dom-errors.js';

// ICANN and private sections alike (github.io, appspot.com, …), as browsers read the list
const PSL = { allowPrivateDomains: true } as const;

/** The RP ID rules passed, or the one that failed on a registrable-suffix mismatch only. */
export type RpIdCheck = { ok: true; rpId: string } | { ok: false; rpId: string; host: string };

function isLocalhost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** True for a public suffix (`co.uk`, `github.io`, a lone unknown TLD); `localhost` is not one. */
export function isPublicSuffix(domain: string): boolean {
  if (isLocalhost(domain)) return false;
  return getPublicSuffix(domain, PSL) === domain;
}

/**
 * Every rule except the suffix relation: a secure origin with a domain (not an IP address, which
 * is not a valid domain, §5.1.3 step 7), and an RP ID that is a domain but no public suffix.
 */
export function inspectRpId(origin: string, rpId: string | undefined): RpIdCheck {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a URL`);
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalhost(host))) {
    fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a secure context`);
  }
  if (url.origin !== origin.replace(/\/$/, ''))
    fail('ERR_SECURITY', 'SecurityError', `${origin} is not an origin`);
  if (parse(host).isIp === true || host.startsWith('[')) {
    fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} has an IP address, not a domain`);
  }
  const id = (rpId ?? host).toLowerCase();
  if (id === '' || id.startsWith('.') || id.endsWith('.') || id.includes('..') || /[/:@\s]/.test(id))
    fail('ERR_SECURITY', 'SecurityError', `RP ID "${id}" is invalid`);
  if (parse(id).isIp === true)
    fail('ERR_SECURITY', 'SecurityError', `RP ID "${id}" is an IP address, not a domain`);
  if (isPublicSuffix(id)) {
    fail(
      'ERR_PUBLIC_SUFFIX',
      'SecurityError',
      `RP ID "${id}" is a public suffix; it cannot identify one site`,
    );
  }
  if (host === id) return { ok: true, rpId: id };
  // HTML: the RP ID, prefixed with a dot, ends the host, and the host's public suffix does not
  // end with the RP ID (so `ck` is no RP ID for `a.b.ck` under the *.ck rule)
  const hostSuffix = isLocalhost(host) ? '' : (getPublicSuffix(host, PSL) ?? '');
  const suffixOk = host.endsWith(`.${id}`) && hostSuffix !== id && !hostSuffix.endsWith(`.${id}`);
  return suffixOk ? { ok: true, rpId: id } : { ok: false, rpId: id, host };
}

/**
 * Checks an RP ID against an origin (WebAuthn L3 §5.1.3 steps 7–8; HTML "is a registrable domain
 * suffix of or is equal to"): https, or http on localhost; a domain, not an IP address; the RP ID
 * is the host or a dotted suffix of it and is not a public suffix on the Public Suffix List
 * (ICANN and private entries, through `tldts`, offline). Related origins (§5.11) are the
 * client's next step when this fails with `ERR_SECURITY` and a `fetch` is configured.
 * @param origin the caller's origin, e.g. `https://login.example.com`
 * @param rpId the RP ID asked for; the origin's host when undefined
 * @returns the RP ID to use, lower-cased
 * @throws {WebAuthnClientError} `SecurityError`: `ERR_PUBLIC_SUFFIX` for an RP ID such as
 *   `co.uk` or `github.io`, `ERR_SECURITY` for every other refusal
 * @example
 * ```ts
 * checkRpId('https://login.example.com', 'example.com'); // 'example.com'
 * checkRpId('https://someone.github.io', 'github.io'); // throws ERR_PUBLIC_SUFFIX
 * ```
 */
export function checkRpId(origin: string, rpId: string | undefined): string {
  const r = inspectRpId(origin, rpId);
  if (!r.ok) {
    fail(
      'ERR_SECURITY',
      'SecurityError',
      `RP ID "${r.rpId}" is not a registrable suffix of the origin ${origin}`,
    );
  }
  return r.rpId;
}
