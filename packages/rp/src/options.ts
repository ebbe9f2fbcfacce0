/**
 * `generateRegistrationOptions` and `generateAuthenticationOptions`: the JSON forms
 * (`PublicKeyCredentialCreationOptionsJSON`, `PublicKeyCredentialRequestOptionsJSON`, WebAuthn L3
 * §5.1.8 and §5.1.9) that `PublicKeyCredential.parseCreationOptionsFromJSON()` /
 * `parseRequestOptionsFromJSON()` accept.
 */

import type {
  AttestationConveyancePreference,
  AuthenticatorAttachment,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialHint,
  PublicKeyCredentialRequestOptionsJSON,
  ResidentKeyRequirement,
  UserVerificationRequirement,
} from '@fido2kit/cose';
import {
  base64url,
  COSE_ALGORITHM_NAMES,
  InvalidArgumentError,
  randomBytes,
  utf8Encode,
} from '@fido2kit/cose';
import { aObject, aPositiveInteger, argFail, aString, idToBase64url, optOneOf } from './_assert.js';
import { DEFAULT_SUPPORTED_ALGORITHM_IDS } from './algorithms.js';

/** A credential to exclude or allow: its ID (base64url or bytes) and, optionally, its transports. */
export interface CredentialDescriptorInput {
  id: string | Uint8Array;
  transports?: readonly AuthenticatorTransport[];
}

/** credProtect policies by name and number (CTAP 2.1 §12.1). */
export type CredentialProtectionPolicy =
  | 'userVerificationOptional'
  | 'userVerificationOptionalWithCredentialIDList'
  | 'userVerificationRequired';

const CRED_PROTECT_NAMES: readonly CredentialProtectionPolicy[] = [
  'userVerificationOptional',
  'userVerificationOptionalWithCredentialIDList',
  'userVerificationRequired',
];

/** PRF inputs: bytes or base64url. */
export interface PrfValuesInput {
  first: Uint8Array | string;
  second?: Uint8Array | string;
}

/** Extension inputs for registration. Unknown members are passed through unchanged. */
export interface RegistrationExtensionsInput {
  /** Ask the client to report whether the credential is discoverable (`credProps.rk`). */
  credProps?: boolean;
  /**
   * CTAP credProtect: a policy name, 1–3, or `{ policy, enforce }`. Emitted as WebAuthn's
   * `credentialProtectionPolicy` and `enforceCredentialProtectionPolicy`.
   */
  credProtect?:
    | CredentialProtectionPolicy
    | 1
    | 2
    | 3
    | { policy: CredentialProtectionPolicy | 1 | 2 | 3; enforce?: boolean };
  /** WebAuthn's own credProtect input names (used when `credProtect` is absent). */
  credentialProtectionPolicy?: CredentialProtectionPolicy;
  enforceCredentialProtectionPolicy?: boolean;
  /** largeBlob support (WebAuthn L3 §10.1.5). */
  largeBlob?: { support?: 'required' | 'preferred' };
  /** PRF (WebAuthn L3 §10.1.4): `true` to enable, or values to evaluate at creation. */
  prf?: true | { eval?: PrfValuesInput };
  /** Ask the authenticator for its minimum PIN length (CTAP 2.1 §12.4). */
  minPinLength?: boolean;
  [other: string]: unknown;
}

/** Extension inputs for authentication. Unknown members are passed through unchanged. */
export interface AuthenticationExtensionsInput {
  /** largeBlob read or write. */
  largeBlob?: { read?: boolean; write?: Uint8Array | string };
  /** PRF evaluation, for every credential or per credential ID. */
  prf?: { eval?: PrfValuesInput; evalByCredential?: Record<string, PrfValuesInput> };
  /** The FIDO U2F AppID of credentials registered through the U2F API. */
  appid?: string;
  [other: string]: unknown;
}

/** Options of {@link generateRegistrationOptions}. */
export interface GenerateRegistrationOptionsOpts {
  /** The relying party's human-palatable name. */
  rpName: string;
  /** The RP ID: the site's registrable domain or a suffix of it, e.g. `example.com`. */
  rpID: string;
  /** The user: account name, opaque ID (≤ 64 bytes; 32 random bytes when absent), display name. */
  user?: { name: string; id?: Uint8Array | string; displayName?: string };
  /** SimpleWebAuthn's spelling of `user.name`. */
  userName?: string;
  /** SimpleWebAuthn's spelling of `user.id`. */
  userID?: Uint8Array;
  /** SimpleWebAuthn's spelling of `user.displayName`. */
  userDisplayName?: string;
  /** The challenge: bytes, or a string taken as its UTF-8 bytes. 32 random bytes when absent. */
  challenge?: Uint8Array | string;
  /** Milliseconds. Default 60000. */
  timeout?: number;
  /** Attestation conveyance. Default `none`. */
  attestation?: AttestationConveyancePreference;
  /** SimpleWebAuthn's spelling of `attestation`. */
  attestationType?: AttestationConveyancePreference;
  /** Attestation formats the RP prefers, most preferred first. */
  attestationFormats?: readonly string[];
  /** Credentials the user already has, so the same authenticator is not registered twice. */
  excludeCredentials?: readonly CredentialDescriptorInput[];
  /** Defaults: `residentKey: 'preferred'`, `userVerification: 'required'` (verification requires UV by default). */
  authenticatorSelection?: {
    residentKey?: ResidentKeyRequirement;
    requireResidentKey?: boolean;
    userVerification?: UserVerificationRequirement;
    authenticatorAttachment?: AuthenticatorAttachment;
  };
  hints?: readonly PublicKeyCredentialHint[];
  /** COSE algorithm IDs, most preferred first. Default {@link DEFAULT_SUPPORTED_ALGORITHM_IDS}. */
  supportedAlgorithmIDs?: readonly number[];
  extensions?: RegistrationExtensionsInput;
}

/** Options of {@link generateAuthenticationOptions}. */
export interface GenerateAuthenticationOptionsOpts {
  /** The RP ID. */
  rpID: string;
  /** Credentials the user may sign in with; empty or absent for a usernameless (discoverable) sign-in. */
  allowCredentials?: readonly CredentialDescriptorInput[];
  /** Default `required` (verification requires UV by default). */
  userVerification?: UserVerificationRequirement;
  /** The challenge: bytes, or a string taken as its UTF-8 bytes. 32 random bytes when absent. */
  challenge?: Uint8Array | string;
  /** Milliseconds. Default 60000. */
  timeout?: number;
  hints?: readonly PublicKeyCredentialHint[];
  extensions?: AuthenticationExtensionsInput;
}

const UV: readonly UserVerificationRequirement[] = ['discouraged', 'preferred', 'required'];
const HINTS: readonly PublicKeyCredentialHint[] = ['security-key', 'client-device', 'hybrid'];
const ATTESTATION: readonly AttestationConveyancePreference[] = ['none', 'indirect', 'direct', 'enterprise'];

function challengeBytes(challenge: unknown): Uint8Array {
  if (challenge === undefined) return randomBytes(32);
  if (challenge instanceof Uint8Array) {
    if (challenge.length < 16)
      throw new InvalidArgumentError(
        `"challenge" expected at least 16 bytes, got length=${challenge.length}`,
      );
    return challenge;
  }
  if (typeof challenge === 'string') {
    const b = utf8Encode(challenge);
    if (b.length < 16)
      throw new InvalidArgumentError(`"challenge" expected at least 16 bytes, got length=${b.length}`);
    return b;
  }
  argFail('challenge', 'a Uint8Array or string', challenge);
}

function descriptors(list: unknown, name: string): PublicKeyCredentialDescriptorJSON[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) argFail(name, 'an array', list);
  return list.map((c, i) => {
    const o = aObject(c, `${name}[${i}]`);
    const d: PublicKeyCredentialDescriptorJSON = {
      id: idToBase64url(o.id, `${name}[${i}].id`),
      type: 'public-key',
    };
    if (o.transports !== undefined) {
      if (!Array.isArray(o.transports) || o.transports.some((t) => typeof t !== 'string'))
        argFail(`${name}[${i}].transports`, 'an array of strings', o.transports);
      d.transports = [...(o.transports as AuthenticatorTransport[])];
    }
    return d;
  });
}

function hintsOf(hints: unknown): PublicKeyCredentialHint[] | undefined {
  if (hints === undefined) return undefined;
  if (!Array.isArray(hints)) argFail('hints', 'an array', hints);
  return hints.map((h, i) => optOneOf(h, `hints[${i}]`, HINTS) as PublicKeyCredentialHint);
}

function prfValues(v: unknown, name: string): { first: string; second?: string } {
  const o = aObject(v, name);
  const enc = (x: unknown, n: string): string =>
    x instanceof Uint8Array
      ? base64url.encode(x)
      : typeof x === 'string'
        ? idToBase64url(x, n)
        : argFail(n, 'bytes or base64url', x);
  const out: { first: string; second?: string } = { first: enc(o.first, `${name}.first`) };
  if (o.second !== undefined) out.second = enc(o.second, `${name}.second`);
  return out;
}

function credProtectName(p: unknown): CredentialProtectionPolicy {
  if (p === 1 || p === 2 || p === 3) return CRED_PROTECT_NAMES[p - 1] as CredentialProtectionPolicy;
  return (
    optOneOf(p, 'extensions.credProtect', CRED_PROTECT_NAMES) ??
    argFail('extensions.credProtect', 'a policy', p)
  );
}

function registrationExtensions(ext: RegistrationExtensionsInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ext)) {
    if (v === undefined) continue;
    switch (k) {
      case 'credProps':
      case 'minPinLength':
        if (typeof v !== 'boolean') argFail(`extensions.${k}`, 'a boolean', v);
        if (v) out[k] = true;
        break;
      case 'credProtect': {
        const o =
          typeof v === 'object' && v !== null ? (v as { policy: unknown; enforce?: unknown }) : { policy: v };
        out.credentialProtectionPolicy = credProtectName(o.policy);
        if (o.enforce !== undefined) out.enforceCredentialProtectionPolicy = o.enforce === true;
        break;
      }
      case 'credentialProtectionPolicy':
        if (ext.credProtect === undefined) out.credentialProtectionPolicy = credProtectName(v);
        break;
      case 'enforceCredentialProtectionPolicy':
        if (ext.credProtect === undefined) out.enforceCredentialProtectionPolicy = v === true;
        break;
      case 'largeBlob': {
        const o = aObject(v, 'extensions.largeBlob');
        out.largeBlob = {
          support:
            optOneOf(o.support, 'extensions.largeBlob.support', ['required', 'preferred']) ?? 'preferred',
        };
        break;
      }
      case 'prf': {
        if (v === true) out.prf = {};
        else {
          const o = aObject(v, 'extensions.prf');
          out.prf = o.eval === undefined ? {} : { eval: prfValues(o.eval, 'extensions.prf.eval') };
        }
        break;
      }
      default:
        out[k] = v;
    }
  }
  return out;
}

function authenticationExtensions(ext: AuthenticationExtensionsInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ext)) {
    if (v === undefined) continue;
    if (k === 'largeBlob') {
      const o = aObject(v, 'extensions.largeBlob');
      const lb: Record<string, unknown> = {};
      if (o.read !== undefined) lb.read = o.read === true;
      if (o.write !== undefined)
        lb.write =
          o.write instanceof Uint8Array
            ? base64url.encode(o.write)
            : idToBase64url(o.write, 'extensions.largeBlob.write');
      if (lb.read === true && lb.write !== undefined)
        throw new InvalidArgumentError('"extensions.largeBlob" cannot both read and write');
      out.largeBlob = lb;
    } else if (k === 'prf') {
      const o = aObject(v, 'extensions.prf');
      const prf: Record<string, unknown> = {};
      if (o.eval !== undefined) prf.eval = prfValues(o.eval, 'extensions.prf.eval');
      if (o.evalByCredential !== undefined) {
        const by = aObject(o.evalByCredential, 'extensions.prf.evalByCredential');
        prf.evalByCredential = Object.fromEntries(
          Object.entries(by).map(([id, val]) => [
            id,
            prfValues(val, `extensions.prf.evalByCredential.${id}`),
          ]),
        );
      }
      out.prf = prf;
    } else out[k] = v;
  }
  return out;
}

/**
 * Options for `navigator.credentials.create()` (WebAuthn L3 §5.4), as the JSON that
 * `PublicKeyCredential.parseCreationOptionsFromJSON()` accepts. Keep `challenge` (base64url) for
 * {@link verifyRegistrationResponse}'s `expectedChallenge`.
 *
 * Defaults: a 32-byte random challenge and user ID, `timeout: 60000`, `attestation: 'none'`,
 * `residentKey: 'preferred'`, `userVerification: 'required'`, `pubKeyCredParams` from
 * {@link DEFAULT_SUPPORTED_ALGORITHM_IDS}.
 *
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for a malformed option
 * @example
 * ```ts
 * const options = generateRegistrationOptions({
 *   rpName: 'Example', rpID: 'example.com',
 *   user: { name: 'alice@example.com', displayName: 'Alice' },
 *   attestation: 'direct',
 *   authenticatorSelection: { residentKey: 'required' },
 *   extensions: { credProps: true, credProtect: 'userVerificationRequired' },
 * });
 * session.challenge = options.challenge;
 * // browser: navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
 * ```
 */
export function generateRegistrationOptions(
  opts: GenerateRegistrationOptionsOpts,
): PublicKeyCredentialCreationOptionsJSON {
  const o = aObject(opts, 'options') as unknown as GenerateRegistrationOptionsOpts;
  const rpName = aString(o.rpName, 'rpName');
  const rpID = aString(o.rpID, 'rpID', true);
  const user = o.user === undefined ? undefined : aObject(o.user, 'user');
  const userName = aString(user ? user.name : o.userName, user ? 'user.name' : 'userName', true);
  const rawUserId = user ? user.id : o.userID;
  let userId: Uint8Array;
  if (rawUserId === undefined) userId = randomBytes(32);
  else if (rawUserId instanceof Uint8Array) userId = rawUserId;
  else if (typeof rawUserId === 'string') userId = utf8Encode(rawUserId);
  else argFail('user.id', 'a Uint8Array or string', rawUserId);
  if (userId.length < 1 || userId.length > 64)
    throw new InvalidArgumentError(`"user.id" expected 1 to 64 bytes, got length=${userId.length}`);
  const displayName = aString(
    user ? (user.displayName ?? '') : (o.userDisplayName ?? ''),
    'user.displayName',
  );

  const algs = o.supportedAlgorithmIDs ?? DEFAULT_SUPPORTED_ALGORITHM_IDS;
  if (!Array.isArray(algs) || algs.length === 0 || algs.some((a) => !Number.isSafeInteger(a)))
    argFail('supportedAlgorithmIDs', 'a non-empty array of COSE algorithm integers', algs);
  for (const a of algs)
    if (COSE_ALGORITHM_NAMES[a] === undefined || a === -25)
      throw new InvalidArgumentError(
        `"supportedAlgorithmIDs" contains ${a}, which is not a supported signature algorithm`,
      );

  const sel =
    o.authenticatorSelection === undefined ? {} : aObject(o.authenticatorSelection, 'authenticatorSelection');
  let residentKey = optOneOf(sel.residentKey, 'authenticatorSelection.residentKey', UV);
  if (residentKey === undefined) residentKey = sel.requireResidentKey === true ? 'required' : 'preferred';
  const attachment = optOneOf(sel.authenticatorAttachment, 'authenticatorSelection.authenticatorAttachment', [
    'platform',
    'cross-platform',
  ] as const);
  const authenticatorSelection: NonNullable<
    PublicKeyCredentialCreationOptionsJSON['authenticatorSelection']
  > = {
    residentKey,
    requireResidentKey: residentKey === 'required',
    userVerification:
      optOneOf(sel.userVerification, 'authenticatorSelection.userVerification', UV) ?? 'required',
  };
  if (attachment) authenticatorSelection.authenticatorAttachment = attachment;

  const attestation =
    optOneOf(o.attestation, 'attestation', ATTESTATION) ??
    optOneOf(o.attestationType, 'attestationType', ATTESTATION) ??
    'none';

  const out: PublicKeyCredentialCreationOptionsJSON = {
    rp: { name: rpName, id: rpID },
    user: { id: base64url.encode(userId), name: userName, displayName },
    challenge: base64url.encode(challengeBytes(o.challenge)),
    pubKeyCredParams: algs.map((alg) => ({ type: 'public-key', alg })),
    timeout: o.timeout === undefined ? 60000 : aPositiveInteger(o.timeout, 'timeout'),
    excludeCredentials: descriptors(o.excludeCredentials, 'excludeCredentials'),
    authenticatorSelection,
    attestation,
  };
  const hints = hintsOf(o.hints);
  if (hints) out.hints = hints;
  if (o.attestationFormats !== undefined) {
    if (!Array.isArray(o.attestationFormats) || o.attestationFormats.some((f) => typeof f !== 'string'))
      argFail('attestationFormats', 'an array of strings', o.attestationFormats);
    out.attestationFormats = [...o.attestationFormats];
  }
  if (o.extensions !== undefined) {
    const ext = registrationExtensions(aObject(o.extensions, 'extensions') as RegistrationExtensionsInput);
    if (Object.keys(ext).length > 0) out.extensions = ext;
  }
  return out;
}

/**
 * Options for `navigator.credentials.get()` (WebAuthn L3 §5.5), as the JSON that
 * `PublicKeyCredential.parseRequestOptionsFromJSON()` accepts. With no `allowCredentials` the
 * sign-in is usernameless: the authenticator offers its discoverable credentials for the RP ID.
 *
 * Defaults: a 32-byte random challenge, `timeout: 60000`, `userVerification: 'required'`.
 *
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for a malformed option
 * @example
 * ```ts
 * const options = generateAuthenticationOptions({ rpID: 'example.com' }); // usernameless
 * session.challenge = options.challenge;
 * ```
 */
export function generateAuthenticationOptions(
  opts: GenerateAuthenticationOptionsOpts,
): PublicKeyCredentialRequestOptionsJSON {
  const o = aObject(opts, 'options') as unknown as GenerateAuthenticationOptionsOpts;
  const out: PublicKeyCredentialRequestOptionsJSON = {
    challenge: base64url.encode(challengeBytes(o.challenge)),
    timeout: o.timeout === undefined ? 60000 : aPositiveInteger(o.timeout, 'timeout'),
    rpId: aString(o.rpID, 'rpID', true),
    userVerification: optOneOf(o.userVerification, 'userVerification', UV) ?? 'required',
  };
  const allow = descriptors(o.allowCredentials, 'allowCredentials');
  if (allow.length > 0) out.allowCredentials = allow;
  const hints = hintsOf(o.hints);
  if (hints) out.hints = hints;
  if (o.extensions !== undefined) {
    const ext = authenticationExtensions(
      aObject(o.extensions, 'extensions') as AuthenticationExtensionsInput,
    );
    if (Object.keys(ext).length > 0) out.extensions = ext;
  }
  return out;
}
