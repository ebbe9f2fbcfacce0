/**
 * Errors of `@fido2kit/attestation`. Every failure carries a stable string `code`; callers branch
 * on `code`, not on `instanceof` (two installed copies of a package break `instanceof`).
 */
import { Fido2kitError, type Fido2kitErrorOptions } from '@fido2kit/cose';

/** Codes of {@link AttestationError}. */
export type AttestationErrorCode =
  | 'ERR_ATTESTATION_INVALID'
  | 'ERR_ATTESTATION_SIGNATURE_INVALID'
  | 'ERR_ATTESTATION_AAGUID_MISMATCH'
  | 'ERR_ATTESTATION_NONCE_MISMATCH'
  | 'ERR_ATTESTATION_UNTRUSTED';

/** Codes of {@link CertificateError}. */
export type CertificateErrorCode =
  | 'ERR_CERTIFICATE_INVALID'
  | 'ERR_CERTIFICATE_EXPIRED'
  | 'ERR_CERTIFICATE_NOT_YET_VALID'
  | 'ERR_CERTIFICATE_CHAIN_INVALID'
  | 'ERR_CERTIFICATE_SIGNATURE_INVALID'
  // deprecated, no longer raised: a root carried in x5c now gives `trusted: false`
  | 'ERR_CERTIFICATE_SELF_SIGNED_ROOT'
  | 'ERR_CERTIFICATE_REVOKED'
  | 'ERR_CRL_INVALID'
  | 'ERR_CRL_UNAVAILABLE';

/** Codes of {@link MetadataError}. */
export type MetadataErrorCode =
  | 'ERR_METADATA_INVALID'
  | 'ERR_METADATA_SIGNATURE_INVALID'
  | 'ERR_METADATA_ROLLBACK'
  | 'ERR_METADATA_STALE'
  | 'ERR_METADATA_FETCH'
  | 'ERR_METADATA_STATUS'
  | 'ERR_METADATA_ATTESTATION_TYPE';

/** Every code `@fido2kit/attestation` raises. */
export type AttestationPackageErrorCode =
  | AttestationErrorCode
  | 'ERR_ATTESTATION_FORMAT_UNSUPPORTED'
  | CertificateErrorCode
  | MetadataErrorCode;

/** The base class of this package's errors. */
export class AttestationPackageError<
  C extends AttestationPackageErrorCode = AttestationPackageErrorCode,
> extends Fido2kitError<C> {}

/** An attestation statement that is malformed or breaks its format's rules. */
export class AttestationError extends AttestationPackageError<AttestationErrorCode> {}

/** The attestation statement format is not in the registry. */
export class FormatUnsupportedError extends AttestationPackageError<'ERR_ATTESTATION_FORMAT_UNSUPPORTED'> {
  constructor(message: string, options?: Fido2kitErrorOptions) {
    super('ERR_ATTESTATION_FORMAT_UNSUPPORTED', message, options);
  }
}

/** A certificate, a certificate path or a CRL that fails validation. */
export class CertificateError extends AttestationPackageError<CertificateErrorCode> {}

/** A metadata BLOB or entry that fails verification, or a status policy that rejects an entry. */
export class MetadataError extends AttestationPackageError<MetadataErrorCode> {}

/** Shorthand for throwing an {@link AttestationError}. @internal */
export function attestationFail(
  code: AttestationErrorCode,
  message: string,
  options?: Fido2kitErrorOptions,
): never {
  throw new AttestationError(code, message, options);
}

/** Shorthand for `ERR_ATTESTATION_INVALID`. @internal */
export function invalid(message: string, options?: Fido2kitErrorOptions): never {
  throw new AttestationError('ERR_ATTESTATION_INVALID', message, options);
}
