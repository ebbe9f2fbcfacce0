/**
 * Extension output checks (WebAuthn L3 §7.1 step 20, §7.2 step 18): outputs have the shapes
 * their extensions define; when the requested extensions are known, unsolicited authenticator
 * outputs are rejected, except `credProtect`, which many authenticators always report.
 */
import { base64url, type CborValue } from '@fido2kit/cose';
import { fail } from './errors.js';

/** Authenticator extension outputs as a plain object (byte strings stay `Uint8Array`). */
export type AuthenticatorExtensionResults = Record<string, unknown>;

// Client extension inputs → the authenticator extension identifiers they may produce.
const AUTHENTICATOR_IDS: Record<string, readonly string[]> = {
  credProtect: ['credProtect'],
  credentialProtectionPolicy: ['credProtect'],
  prf: ['hmac-secret', 'hmac-secret-mc'],
  hmacCreateSecret: ['hmac-secret'],
  hmacGetSecret: ['hmac-secret'],
  minPinLength: ['minPinLength'],
  credBlob: ['credBlob'],
  credentialBlob: ['credBlob'],
  getCredBlob: ['credBlob'],
  largeBlob: ['largeBlobKey'],
  largeBlobKey: ['largeBlobKey'],
  payment: ['thirdPartyPayment'],
  thirdPartyPayment: ['thirdPartyPayment'],
};

const POLICY_LEVEL: Record<string, number> = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
};

function invalid(message: string, details?: Record<string, unknown>): never {
  fail('ERR_EXTENSION_OUTPUT_INVALID', message, details ? { details } : undefined);
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * Checks and converts authenticator extension outputs.
 * @internal
 */
export function checkAuthenticatorExtensions(
  ext: Map<CborValue, CborValue> | undefined,
  ceremony: 'registration' | 'authentication',
  expected: readonly string[] | Readonly<Record<string, unknown>> | undefined,
): AuthenticatorExtensionResults {
  const out: AuthenticatorExtensionResults = {};
  if (ext === undefined) return out;
  let allowed: Set<string> | undefined;
  if (expected !== undefined) {
    allowed = new Set<string>();
    const names = Array.isArray(expected) ? (expected as string[]) : Object.keys(expected);
    for (const n of names) {
      allowed.add(n);
      for (const id of AUTHENTICATOR_IDS[n] ?? []) allowed.add(id);
    }
  }
  for (const [k, v] of ext) {
    if (typeof k !== 'string')
      invalid('authenticator extension identifiers must be text', { key: String(k) });
    if (allowed && !allowed.has(k) && k !== 'credProtect')
      fail('ERR_EXTENSION_UNEXPECTED', `the authenticator returned the unrequested extension "${k}"`, {
        details: { extension: k },
      });
    switch (k) {
      case 'credProtect':
        if (v !== 1 && v !== 2 && v !== 3) invalid('credProtect output expected 1, 2 or 3', { value: v });
        break;
      case 'hmac-secret':
        if (ceremony === 'registration' ? typeof v !== 'boolean' : !isBytes(v))
          invalid(`hmac-secret output expected ${ceremony === 'registration' ? 'a boolean' : 'bytes'}`);
        break;
      case 'hmac-secret-mc':
        if (!isBytes(v)) invalid('hmac-secret-mc output expected bytes');
        break;
      case 'credBlob':
        if (ceremony === 'registration' ? typeof v !== 'boolean' : !isBytes(v))
          invalid(`credBlob output expected ${ceremony === 'registration' ? 'a boolean' : 'bytes'}`);
        break;
      case 'minPinLength':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 4 || v > 63)
          invalid('minPinLength output expected an integer from 4 to 63', { value: v });
        break;
      case 'thirdPartyPayment':
        if (typeof v !== 'boolean') invalid('thirdPartyPayment output expected a boolean');
        break;
    }
    out[k] = v;
  }
  return out;
}

function obj(v: unknown, name: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    invalid(`clientExtensionResults.${name} expected an object`);
  return v as Record<string, unknown>;
}
function optBool(o: Record<string, unknown>, k: string, name: string): void {
  if (o[k] !== undefined && typeof o[k] !== 'boolean')
    invalid(`clientExtensionResults.${name}.${k} expected a boolean`);
}
function optB64(o: Record<string, unknown>, k: string, name: string): void {
  if (o[k] !== undefined && !base64url.isBase64Url(o[k]))
    invalid(`clientExtensionResults.${name}.${k} expected base64url`);
}

/**
 * Checks the shapes of well-known client extension outputs, their consistency with the
 * authenticator outputs, and an enforced credProtect policy.
 * @internal
 */
export function checkClientExtensions(
  results: Record<string, unknown>,
  authenticator: AuthenticatorExtensionResults,
  expected: readonly string[] | Readonly<Record<string, unknown>> | undefined,
): void {
  for (const [k, v] of Object.entries(results)) {
    switch (k) {
      case 'credProps': {
        const o = obj(v, k);
        optBool(o, 'rk', k);
        break;
      }
      case 'appid':
      case 'appidExclude':
      case 'hmacCreateSecret':
        if (typeof v !== 'boolean') invalid(`clientExtensionResults.${k} expected a boolean`);
        break;
      case 'prf': {
        const o = obj(v, k);
        optBool(o, 'enabled', k);
        if (o.results !== undefined) {
          const r = obj(o.results, 'prf.results');
          if (!base64url.isBase64Url(r.first))
            invalid('clientExtensionResults.prf.results.first expected base64url');
          optB64(r, 'second', 'prf.results');
        }
        break;
      }
      case 'largeBlob': {
        const o = obj(v, k);
        optBool(o, 'supported', k);
        optBool(o, 'written', k);
        optB64(o, 'blob', k);
        break;
      }
    }
  }
  // An enforced credProtect policy must not come back weaker than asked.
  if (expected !== undefined && !Array.isArray(expected)) {
    const e = expected as Record<string, unknown>;
    const cp = e.credProtect;
    const policy =
      typeof cp === 'object' && cp !== null
        ? (cp as { policy?: unknown; enforce?: unknown })
        : { policy: cp, enforce: undefined };
    const wanted = policy.policy ?? e.credentialProtectionPolicy;
    const enforce = policy.enforce ?? e.enforceCredentialProtectionPolicy;
    const level = typeof wanted === 'number' ? wanted : POLICY_LEVEL[String(wanted)];
    const got = authenticator.credProtect;
    if (enforce === true && level !== undefined && level > 1 && (typeof got !== 'number' || got < level))
      invalid(`credProtect policy ${level} was enforced but the authenticator reported ${String(got)}`, {
        expected: level,
        received: got,
      });
  }
}

/**
 * Step 20 of both ceremonies: the authenticator's extension outputs, converted, and the client's
 * outputs checked against them.
 * @internal
 */
export function checkExtensionOutputs(
  ext: Map<CborValue, CborValue> | undefined,
  ceremony: 'registration' | 'authentication',
  clientResults: Record<string, unknown>,
  expected: readonly string[] | Readonly<Record<string, unknown>> | undefined,
): AuthenticatorExtensionResults {
  const authenticator = checkAuthenticatorExtensions(ext, ceremony, expected);
  checkClientExtensions(clientResults, authenticator, expected);
  return authenticator;
}
