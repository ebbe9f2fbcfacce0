/**
 * Errors of `@fido2kit/cose`, and the base class every fido2kit package extends.
 *
 * Callers branch on `error.code` (stable strings), not on `instanceof`: two installed copies of a
 * package make `instanceof` unreliable.
 */

/** Options accepted by every fido2kit error constructor. */
export interface Fido2kitErrorOptions {
  /** The error underneath, if any. */
  cause?: unknown;
  /** Extra facts for developers (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * Base class of all fido2kit errors: a stable string `code`, an optional `cause` and `details`.
 *
 * @example
 * ```ts
 * try { decode(bytes); } catch (e) { if (isFido2kitError(e) && e.code === 'ERR_CBOR_TRUNCATED') … }
 * ```
 */
export class Fido2kitError<C extends string = string> extends Error {
  /** A stable identifier of the failure, e.g. `ERR_CBOR_TRUNCATED`. */
  readonly code: C;
  /** Extra facts for developers. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, options: Fido2kitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.name = new.target.name;
  }
}

/** True when `e` is an error carrying a fido2kit `code` (works across installed copies). */
export function isFido2kitError(e: unknown): e is Fido2kitError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** The constructor of an error class whose instances all carry one code `C`. */
export type FixedCodeErrorClass<C extends string> = new (
  message: string,
  options?: Fido2kitErrorOptions,
) => Fido2kitError<C>;

/**
 * The base of an error class with one fixed code: `class XError extends fixedCodeError('ERR_X') {}`
 * gives `new XError(message, options)` with `code: 'ERR_X'`, `name: 'XError'`, and
 * `instanceof Fido2kitError`.
 * @param code the code every instance carries
 * @returns a class to extend (not to throw directly: its `name` would be empty)
 */
export function fixedCodeError<C extends string>(code: C): FixedCodeErrorClass<C> {
  return class extends Fido2kitError<C> {
    constructor(message: string, options?: Fido2kitErrorOptions) {
      super(code, message, options);
    }
  };
}

/** Codes raised by the CBOR layer. */
export type CborErrorCode =
  | 'ERR_CBOR_TRUNCATED'
  | 'ERR_CBOR_MALFORMED'
  | 'ERR_CBOR_NON_CANONICAL'
  | 'ERR_CBOR_DEPTH'
  | 'ERR_CBOR_TRAILING_BYTES'
  | 'ERR_CBOR_DUPLICATE_KEY'
  | 'ERR_CBOR_INVALID_UTF8'
  | 'ERR_CBOR_UNSUPPORTED'
  | 'ERR_CBOR_ENCODE';

/** Codes raised by the COSE layer. */
export type CoseErrorCode = 'ERR_COSE_KEY_INVALID' | 'ERR_COSE_ALG_UNSUPPORTED';

/** Codes raised by the WebAuthn structure parsers. */
export type StructureErrorCode =
  | 'ERR_AUTHDATA_MALFORMED'
  | 'ERR_ATTESTATION_OBJECT_MALFORMED'
  | 'ERR_CLIENT_DATA_MALFORMED'
  | 'ERR_CLIENT_DATA_DUPLICATE_MEMBER';

/** Every code `@fido2kit/cose` raises. */
export type CosePackageErrorCode =
  | CborErrorCode
  | CoseErrorCode
  | StructureErrorCode
  | 'ERR_BASE64URL_INVALID'
  | 'ERR_BACKEND_UNAVAILABLE'
  | 'ERR_INVALID_ARGUMENT';

/** Malformed, non-canonical or hostile CBOR, or a value CBOR cannot carry. */
export class CborError extends Fido2kitError<CborErrorCode> {}

/** A COSE key that is malformed, of an unsupported type, or not a valid public key. */
export class CoseKeyError extends fixedCodeError('ERR_COSE_KEY_INVALID') {}

/** A COSE algorithm this library (or the chosen crypto backend) does not support. */
export class AlgorithmUnsupportedError extends fixedCodeError('ERR_COSE_ALG_UNSUPPORTED') {}

/** Authenticator data that does not follow WebAuthn §6.1. */
export class AuthenticatorDataError extends fixedCodeError('ERR_AUTHDATA_MALFORMED') {}

/** An attestation object that does not follow WebAuthn §6.5. */
export class AttestationObjectError extends fixedCodeError('ERR_ATTESTATION_OBJECT_MALFORMED') {}

/** Client data JSON that does not follow WebAuthn §5.8.1. */
export class ClientDataError extends fixedCodeError('ERR_CLIENT_DATA_MALFORMED') {}

/**
 * Client data JSON with a member name given twice in one object (at any depth), which JSON
 * readers resolve differently (WebAuthn §5.8.1; issue #13).
 */
export class ClientDataDuplicateMemberError extends fixedCodeError('ERR_CLIENT_DATA_DUPLICATE_MEMBER') {}

/** A string that is not base64url. */
export class Base64UrlError extends fixedCodeError('ERR_BASE64URL_INVALID') {}

/** The selected crypto backend is not available in this runtime. */
export class BackendUnavailableError extends fixedCodeError('ERR_BACKEND_UNAVAILABLE') {}

/**
 * A caller's programming mistake: an argument of the wrong type, length or range.
 * It is a `TypeError` (as noble and jose raise) that also carries `code: 'ERR_INVALID_ARGUMENT'`.
 */
export class InvalidArgumentError extends TypeError {
  readonly code = 'ERR_INVALID_ARGUMENT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}
