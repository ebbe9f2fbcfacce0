/**
 * Errors of `@fido2kit/transport-hid`. They carry the same stable codes as every other transport
 * (`ERR_DEVICE_GONE`, `ERR_TRANSPORT`, `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_INVALID_RESPONSE`, …) and
 * have the same shape as `@fido2kit/transport-nfc`'s `NfcError`: a `code` to switch on whatever the
 * transport, and a `reason` that says more.
 */
import { TransportError, type TransportErrorOptions } from '@fido2kit/ctap2';

/** Why a HID operation failed, in more detail than `code` (found in `error.reason`). */
export type HidErrorReason =
  /** node-hid's native module did not load (`ERR_NOT_SUPPORTED`). */
  | 'node-hid-missing'
  /** Enumerating HID devices failed (`ERR_TRANSPORT`). */
  | 'enumerate-failed'
  /** The OS refused to open the device; the message says how to allow it (`ERR_TRANSPORT`). */
  | 'permission-denied'
  /** No device at that path (`ERR_TRANSPORT`). */
  | 'not-found'
  /** Opening failed for another reason (`ERR_TRANSPORT`). */
  | 'open-failed'
  /** The device vanished mid-exchange, or a write or read failed (`ERR_DEVICE_GONE`). */
  | 'device-gone'
  /** The transport or connection was closed (`ERR_DEVICE_GONE`). */
  | 'closed'
  /** The OS wrote fewer bytes than a report, or delivered a report of the wrong size (`ERR_TRANSPORT`). */
  | 'report-io'
  /** A second read while one is outstanding (`ERR_TRANSPORT`). */
  | 'read-outstanding'
  /** The UDP port could not be bound (`ERR_TRANSPORT`). */
  | 'udp-bind-failed'
  /** Packets that do not reassemble: `details.problem` names the fault (`ERR_INVALID_RESPONSE`). */
  | 'ctaphid-malformed'
  /** An answer to another command, a ping that did not echo, a reserved channel (`ERR_INVALID_RESPONSE`). */
  | 'unexpected-answer'
  /** The HID report descriptor is truncated or malformed (`ERR_INVALID_RESPONSE`). */
  | 'descriptor-malformed'
  /** The device lacks the capability (WINK, CBOR, MSG) (`ERR_NOT_SUPPORTED`). */
  | 'not-supported'
  /** The request exceeds CTAPHID's 7609-byte message (`ERR_REQUEST_TOO_LARGE`). */
  | 'request-too-large'
  /** A wait ran out (`ERR_TIMEOUT`). */
  | 'timeout'
  /** The caller's signal fired, or a keepalive callback threw (`ERR_ABORTED`). */
  | 'aborted';

/** Options of {@link HidError}. */
export type HidErrorOptions = TransportErrorOptions;

/**
 * A failure of the HID transport. `code` is one of the ctap2 client codes; `reason` says more
 * (`'device-gone'`, `'permission-denied'`, …) and is repeated in `details.reason`.
 *
 * @example
 * ```ts
 * try { await device.cbor(request); }
 * catch (e) { if ((e as { code?: string }).code === 'ERR_DEVICE_GONE') askToPlugInAgain(); }
 * ```
 */
export class HidError extends TransportError<HidErrorReason> {}

/** `ERR_ABORTED` with the signal's reason (or `cause`) underneath. */
export function abortedError(signal: AbortSignal | undefined, cause?: unknown): HidError {
  const why = cause ?? signal?.reason;
  return new HidError('ERR_ABORTED', 'aborted', 'the operation was aborted', {
    ...(why === undefined ? {} : { cause: why }),
  });
}

/** `ERR_DEVICE_GONE`: the device vanished (`device-gone`) or was closed (`closed`). */
export function deviceGoneError(
  reason: 'device-gone' | 'closed',
  message: string,
  cause?: unknown,
): HidError {
  return new HidError('ERR_DEVICE_GONE', reason, message, cause === undefined ? {} : { cause });
}
