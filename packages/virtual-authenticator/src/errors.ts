/** Errors of `@fido2kit/virtual-authenticator`. */
import { Fido2kitError } from '@fido2kit/cose';
import { CTAP_STATUS, type CtapStatusName } from '@fido2kit/ctap2';

/**
 * Thrown inside command handlers to end a command with a CTAP status. The device turns it into the
 * status byte of the response; it never leaves {@link VirtualAuthenticator.device}'s `cbor()`.
 */
export class CtapStatusError extends Fido2kitError<CtapStatusName> {
  /** The status byte. */
  readonly status: number;
  constructor(code: CtapStatusName, message?: string) {
    super(code, message ?? code);
    this.status = CTAP_STATUS[code];
  }
}

/** Ends the current command with `code`. */
export function fail(code: CtapStatusName, message?: string): never {
  throw new CtapStatusError(code, message);
}

/** Codes of {@link VirtualAuthenticatorError}. */
export type VirtualAuthenticatorErrorCode = 'ERR_INVALID_STATE' | 'ERR_INVALID_OPTION';

/** A caller mistake when configuring or restoring a {@link VirtualAuthenticator}. */
export class VirtualAuthenticatorError extends Fido2kitError<VirtualAuthenticatorErrorCode> {}
