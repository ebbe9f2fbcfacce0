/** What users read: policy denials and the libraries' error codes mapped to plain sentences. */
import type { PolicyDenial } from './policy.js';

export function policyMessage(reason: PolicyDenial, when: 'register' | 'signin', model?: string): string {
  const key = model ? `This security key model (${model})` : 'This security key model';
  switch (reason) {
    case 'METHOD_DISABLED':
      return when === 'register'
        ? "Your organization hasn't turned on security keys."
        : 'Security key sign-in is turned off for your organization. Sign in with your password and code.';
    case 'USER_NOT_TARGETED':
      return when === 'register'
        ? "Security keys aren't enabled for your account. Ask your administrator to include you."
        : "Security key sign-in isn't enabled for your account. Sign in with your password and code.";
    case 'SELF_SERVICE_DISABLED':
      return 'Your administrator sets up security keys for you: adding one yourself is turned off.';
    case 'MODEL_NOT_ALLOWED':
      return `${key} isn't on your organization's list of approved keys. Use an approved security key.`;
    case 'MODEL_BLOCKED':
      return `${key} is blocked by your organization. Use a different security key.`;
  }
}

/**
 * A failed WebAuthn verification (`@fido2kit/rp` codes, and `@fido2kit/attestation` codes
 * passed through as `cause`) as a message for the user. Callers switch on `code`, never on
 * `instanceof`.
 */
export function verificationMessage(
  code: string | undefined,
  when: 'register' | 'signin',
  model?: string,
): string {
  switch (code) {
    case 'ERR_AAGUID_NOT_ALLOWED':
      return policyMessage('MODEL_NOT_ALLOWED', when, model);
    case 'ERR_ATTESTATION_UNTRUSTED':
    case 'ERR_ATTESTATION_FORMAT_NOT_ALLOWED':
      return "Your organization only accepts security keys that prove their model, and this key's proof (attestation) couldn't be verified against the approved models.";
    case 'ERR_ATTESTATION_INVALID':
      return "This security key's proof of its model (attestation) is invalid.";
    case 'ERR_AUTHENTICATOR_STATUS_REJECTED':
      return 'This security key model has a known security problem and can no longer be used.';
    case 'ERR_USER_VERIFICATION_REQUIRED':
      return "The security key didn't check your PIN or fingerprint. Set a PIN on the key and try again.";
    case 'ERR_USER_PRESENCE_REQUIRED':
      return "The security key wasn't touched. Try again and touch the key when it blinks.";
    case 'ERR_COUNTER_REGRESSION':
      return "This security key's signature counter went backwards, which can mean it was copied. Contact your administrator.";
    case 'ERR_ALGORITHM_NOT_ALLOWED':
      return "This security key uses a signature algorithm we don't accept.";
    case 'ERR_SIGNATURE_INVALID':
      return "The security key's signature didn't verify. Try again.";
    case 'ERR_CHALLENGE_MISMATCH':
    case 'ERR_ORIGIN_MISMATCH':
    case 'ERR_RPID_MISMATCH':
    case 'ERR_CROSS_ORIGIN_NOT_ALLOWED':
    case 'ERR_TOP_ORIGIN_MISMATCH':
      return "The security key's answer wasn't for this page. Try again.";
    case 'ERR_BACKUP_ELIGIBILITY_CHANGED':
      return 'This credential changed since it was registered. Remove it and add the key again.';
    case 'ERR_USER_HANDLE_MISMATCH':
    case 'ERR_CREDENTIAL_ID_MISMATCH':
      return "This security key's answer doesn't match the account it claims. Try again.";
    default:
      return when === 'register'
        ? "The security key's answer couldn't be verified. Try again."
        : "The security key's answer couldn't be verified. Try again or sign in with your password and code.";
  }
}

/** Password sign-in locked by smart lockout; the security key stays usable either way. */
export function lockoutMessage(scope: 'source' | 'account', minutes: number): string {
  const wait = `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return scope === 'source'
    ? `Too many failed sign-ins from your network. ${wait}, or sign in with your security key.`
    : `Password sign-in for this account is locked after too many failed attempts from unfamiliar places. ${wait}, or sign in with your security key.`;
}

export const MESSAGES = {
  badCredentials: 'Your username or password is incorrect.',
  badCode: "That code didn't work. Wait for the next code from your authenticator app and try again.",
  rateLimited: 'Too many sign-in attempts. Wait a few minutes and try again.',
  challengeGone: 'This request expired or was already used. Start again.',
  unknownKey:
    "This security key isn't registered for any account here. Sign in with your password and code, then add it under Security info.",
  noUserHandle:
    "This security key didn't say which account to sign in. Use a key set up for sign-in without a username.",
  alreadyRegistered: 'This security key is already registered.',
  reauth: 'For your security, sign in again with your password and code to add a security key.',
  csrf: 'This form expired. Reload the page and try again.',
  raced: 'This security key was just used for another sign-in. Try again.',
  badRequest: "This request isn't in the form the portal expects. Reload the page and try again.",
  badResponse: "This isn't a security key's answer the portal can read. Try again.",
  tooLarge: 'This request is too large (the limit is 64 KB).',
  notFound: "This page doesn't exist.",
  signedOutKeyDeleted:
    'You deleted the security key you signed in with, so you were signed out. Sign in again.',
  challengeOtherSession:
    'This security key answer was made for another browser session. Start again in this window.',
  keyFlagged:
    'This security key was flagged as possibly copied: its signature counter went backwards or ran out. Re-register this key: remove it under Security info and add it again, or contact your administrator.',
  tooManyRequests: 'Too many requests. Wait a few minutes and try again.',
  unexpected: 'Something went wrong. Try again.',
} as const;
