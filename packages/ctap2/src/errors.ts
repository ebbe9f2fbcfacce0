/** Errors of `@fido2kit/ctap2`. Callers branch on `code`. */
import { Fido2kitError, type Fido2kitErrorOptions } from '@fido2kit/cose';
import { CTAP_STATUS_NAMES, type CtapStatusName, ctapStatusName } from './constants.js';

/** Codes of errors that are not a CTAP status from the authenticator. */
export type Ctap2ClientErrorCode =
  | 'ERR_ABORTED'
  | 'ERR_TIMEOUT'
  | 'ERR_DEVICE_GONE'
  | 'ERR_TRANSPORT'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_REQUEST_TOO_LARGE'
  | 'ERR_PIN_POLICY'
  | 'ERR_PIN_REQUIRED'
  | 'ERR_UV_REQUIRED'
  | 'ERR_NOT_ALLOWED'
  | 'ERR_INVALID_STATE'
  | 'ERR_SECURITY'
  | 'ERR_PUBLIC_SUFFIX'
  | 'ERR_RELATED_ORIGINS_FETCH'
  | 'ERR_RELATED_ORIGINS_STATUS'
  | 'ERR_RELATED_ORIGINS_MALFORMED'
  | 'ERR_RELATED_ORIGINS_LABEL_LIMIT'
  | 'ERR_RELATED_ORIGINS_NOT_LISTED'
  | 'ERR_CONSTRAINT'
  | 'ERR_LARGE_BLOB_INTEGRITY'
  | 'ERR_INVALID_ARGUMENT';

/**
 * The `code` of a {@link CtapError}: a status name from CTAP 2.1 §8.2 (the `as const` table
 * {@link CTAP_STATUS}, without CTAP2_OK and the range markers), or for a status the table does
 * not name, its range and number (`CTAP2_ERR_EXTENSION_0xe1`, `CTAP2_ERR_VENDOR_0xf2`,
 * `CTAP_STATUS_0x55`). Callers `switch` on it.
 */
export type CtapErrorCode =
  | Exclude<CtapStatusName, 'CTAP2_OK' | `${string}_FIRST` | `${string}_LAST`>
  | `CTAP2_ERR_EXTENSION_0x${string}`
  | `CTAP2_ERR_VENDOR_0x${string}`
  | `CTAP_STATUS_0x${string}`;

/**
 * A CTAP status other than CTAP2_OK from the authenticator: `code` is the spec's name
 * (`CTAP2_ERR_PIN_INVALID`, …, a {@link CtapErrorCode}) and `status` its number.
 * @example
 * ```ts
 * switch ((e as CtapError).code) {
 *   case 'CTAP2_ERR_PIN_INVALID': return askAgain();
 *   case 'CTAP2_ERR_PIN_BLOCKED': return tellUserToReset();
 * }
 * ```
 */
export class CtapError extends Fido2kitError<CtapErrorCode> {
  /** The status byte. */
  readonly status: number;
  constructor(status: number, message?: string, options?: Fido2kitErrorOptions) {
    // ctapStatusName yields exactly the shapes of CtapErrorCode (CTAP2_OK is never an error)
    const name = ctapStatusName(status) as CtapErrorCode;
    super(
      name,
      message ?? `the authenticator answered ${name} (0x${status.toString(16).padStart(2, '0')})`,
      options,
    );
    this.status = status;
  }
  /** True when `status` has a name in CTAP 2.1 §8.2. */
  get known(): boolean {
    return CTAP_STATUS_NAMES[this.status] !== undefined;
  }
}

/** A client-side failure: abort, timeout, transport trouble, malformed response, policy. */
export class Ctap2ClientError extends Fido2kitError<Ctap2ClientErrorCode> {}

/** The DOMException names a browser's navigator.credentials raises (WebAuthn §5.1.3, §5.1.4). */
export type WebAuthnErrorName =
  | 'NotAllowedError'
  | 'InvalidStateError'
  | 'SecurityError'
  | 'NotSupportedError'
  | 'AbortError'
  | 'ConstraintError'
  | 'TypeError';

/**
 * A {@link WebAuthnClient} failure: `code` as every fido2kit error, and `domName`, the error a
 * browser would raise for the same cause (`InvalidStateError` for an excluded credential,
 * `NotAllowedError` for no credentials, …). The authenticator's {@link CtapError} is the `cause`
 * where there is one, and its name is in `ctapCode`.
 */
export class WebAuthnClientError extends Ctap2ClientError {
  readonly domName: WebAuthnErrorName;
  /** The authenticator's status name when a {@link CtapError} caused this. */
  readonly ctapCode: CtapErrorCode | undefined;
  constructor(
    code: Ctap2ClientErrorCode,
    domName: WebAuthnErrorName,
    message: string,
    options: Fido2kitErrorOptions = {},
  ) {
    super(code, message, options);
    this.domName = domName;
    this.ctapCode = options.cause instanceof CtapError ? options.cause.code : undefined;
  }
}
