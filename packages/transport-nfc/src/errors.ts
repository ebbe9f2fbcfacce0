/**
 * Errors of `@fido2kit/transport-nfc`. They carry the same stable codes as every other transport
 * (`ERR_DEVICE_GONE`, `ERR_TRANSPORT`, `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_INVALID_RESPONSE`, …), so a
 * caller switches on `code` whatever the transport.
 */
import { type Ctap2ClientErrorCode, TransportError } from '@fido2kit/ctap2';

/** Why an NFC operation failed, in more detail than `code` (found in `error.reason`). */
export type NfcErrorReason =
  | 'apdu-malformed'
  | 'apdu-status'
  | 'pcsclite-missing'
  | 'pcscd-not-running'
  | 'no-reader'
  | 'reader-not-found'
  | 'reader-gone'
  | 'no-card'
  | 'card-removed'
  | 'reader-busy'
  | 'not-fido'
  | 'pcsc-error'
  | 'timeout'
  | 'aborted'
  | 'closed';

/** Options of {@link NfcError}. */
export interface NfcErrorOptions {
  /** The underlying error (a PC/SC error from the binding, a socket error, …). */
  cause?: unknown;
  /** The ISO 7816 status word that caused the failure, when there is one. */
  sw?: number;
  /** The PC/SC return code (`SCARD_E_…`, `SCARD_W_…`) when the failure came from PC/SC. */
  pcscCode?: number;
  /** Extra facts for developers. */
  details?: Record<string, unknown>;
}

/**
 * A failure of the NFC transport or of the APDU codec. `code` is one of the ctap2 client codes;
 * `reason` says more (`'card-removed'`, `'pcscd-not-running'`, …).
 *
 * @example
 * ```ts
 * try { await device.cbor(request); }
 * catch (e) { if ((e as { code?: string }).code === 'ERR_DEVICE_GONE') askToTapAgain(); }
 * ```
 */
export class NfcError extends TransportError<NfcErrorReason> {
  /** The status word behind the failure, if any. */
  readonly sw: number | undefined;
  /** The PC/SC return code behind the failure, if any. */
  readonly pcscCode: number | undefined;

  constructor(
    code: Ctap2ClientErrorCode,
    reason: NfcErrorReason,
    message: string,
    options: NfcErrorOptions = {},
  ) {
    super(code, reason, message, {
      cause: options.cause,
      details: { ...(options.sw === undefined ? {} : { sw: options.sw }), ...options.details },
    });
    this.sw = options.sw;
    this.pcscCode = options.pcscCode;
  }
}

/** Formats a status word as four hex digits, e.g. `6A82`. */
export function hexSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
