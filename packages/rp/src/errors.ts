/**
 * The one error class of `@fido2kit/rp`: every failed check throws a
 * {@link WebAuthnVerificationError} with a stable `code`. Callers branch on `code`.
 */
import { Fido2kitError, type Fido2kitErrorOptions } from '@fido2kit/cose';

/** Every code a verification can fail with, one per check. */
export type WebAuthnErrorCode =
  /** The response is not the browser's JSON form (id ≠ rawId, wrong type, bad base64url, missing member). */
  | 'ERR_RESPONSE_MALFORMED'
  /** clientDataJSON is not valid UTF-8 JSON with the required members. */
  | 'ERR_CLIENT_DATA_MALFORMED'
  /** clientDataJSON names a member twice in one object, at any depth (cose's code, passed through). */
  | 'ERR_CLIENT_DATA_DUPLICATE_MEMBER'
  /** clientData.type is not `webauthn.create` (registration) or `webauthn.get` (authentication). */
  | 'ERR_CLIENT_DATA_TYPE_MISMATCH'
  | 'ERR_CHALLENGE_MISMATCH'
  | 'ERR_ORIGIN_MISMATCH'
  /** clientData.crossOrigin is true and `allowCrossOrigin` was not set. */
  | 'ERR_CROSS_ORIGIN_NOT_ALLOWED'
  | 'ERR_TOP_ORIGIN_MISMATCH'
  /** The attestation object is not valid CBOR with fmt, attStmt and authData. */
  | 'ERR_ATTESTATION_OBJECT_MALFORMED'
  /**
   * Authenticator data that is truncated or malformed (cose's code; it replaced
   * `ERR_AUTHENTICATOR_DATA_MALFORMED`). `details.reason` is cose's `AuthenticatorDataFailure`.
   */
  | 'ERR_AUTHDATA_MALFORMED'
  /** Bytes follow the last part of the authenticator data that its flags announce. */
  | 'ERR_AUTHENTICATOR_DATA_TRAILING_BYTES'
  /** Registration authenticator data without attested credential data (AT clear). */
  | 'ERR_ATTESTED_CREDENTIAL_DATA_MISSING'
  /** Authentication authenticator data with attested credential data (AT set). */
  | 'ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED'
  | 'ERR_RPID_MISMATCH'
  | 'ERR_USER_PRESENCE_REQUIRED'
  | 'ERR_USER_VERIFICATION_REQUIRED'
  /** BS set without BE. */
  | 'ERR_BACKUP_STATE_INVALID'
  /** BE differs from the stored credential's backup eligibility. */
  | 'ERR_BACKUP_ELIGIBILITY_CHANGED'
  | 'ERR_ALGORITHM_NOT_ALLOWED'
  /** The credential's public key is not a usable COSE key. */
  | 'ERR_CREDENTIAL_KEY_INVALID'
  /** The credential ID in the response differs from rawId, the attested one or the stored one. */
  | 'ERR_CREDENTIAL_ID_MISMATCH'
  /** userHandle differs from the one stored with the credential. */
  | 'ERR_USER_HANDLE_MISMATCH'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_COUNTER_REGRESSION'
  /** An extension output is malformed or contradicts its input. */
  | 'ERR_EXTENSION_OUTPUT_INVALID'
  /** An authenticator extension output that was not requested (credProtect is tolerated). */
  | 'ERR_EXTENSION_UNEXPECTED'
  /** The attestation statement failed its format's verification (the attestation error is `cause`). */
  | 'ERR_ATTESTATION_INVALID'
  /** The attestation format is not allowed by policy or not supported. */
  | 'ERR_ATTESTATION_FORMAT_NOT_ALLOWED'
  /** `requireTrustedAttestation` is set and the attestation does not chain to a trust anchor. */
  | 'ERR_ATTESTATION_UNTRUSTED'
  /** The AAGUID is not in `allowedAaguids`, or is in `blockedAaguids`. */
  | 'ERR_AAGUID_NOT_ALLOWED'
  /** The metadata statement's status reports reject this authenticator model. */
  | 'ERR_AUTHENTICATOR_STATUS_REJECTED';

/**
 * A failed WebAuthn registration or authentication check. `code` names the check; `details`
 * carries facts for developers (never secrets); signature failures carry a fixed message.
 *
 * @example
 * ```ts
 * try {
 *   await verifyAuthenticationResponse({ ... });
 * } catch (e) {
 *   if (e instanceof WebAuthnVerificationError && e.code === 'ERR_COUNTER_REGRESSION') lockAccount();
 * }
 * ```
 */
export class WebAuthnVerificationError extends Fido2kitError<WebAuthnErrorCode> {}

/** The fixed message of `ERR_SIGNATURE_INVALID`. */
export const SIGNATURE_INVALID_MESSAGE = 'signature verification failed';

/** Throws a {@link WebAuthnVerificationError}. @internal */
export function fail(code: WebAuthnErrorCode, message: string, options?: Fido2kitErrorOptions): never {
  throw new WebAuthnVerificationError(code, message, options);
}
