/**
 * Errors of `@fido2kit/transport-ble`. They carry the same stable codes as every other transport
 * (`ERR_DEVICE_GONE`, `ERR_TRANSPORT`, `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_INVALID_RESPONSE`,
 * `ERR_NOT_SUPPORTED`, …), so a caller switches on `code` whatever the transport; `reason` says more.
 */
import { TransportError, type TransportErrorOptions } from '@fido2kit/ctap2';

/** Why a Bluetooth operation failed, in more detail than `code` (found in `error.reason`). */
export type BleErrorReason =
  /** `@stoprocent/noble` (or, on Linux, `dbus-next`) is not installed or its native part did not load. */
  | 'binding-missing'
  /** The machine has no Bluetooth controller (Linux: nothing in /sys/class/bluetooth). */
  | 'no-adapter'
  /** An adapter exists but BlueZ (bluetoothd) or the D-Bus system bus is not running. */
  | 'bluez-not-running'
  /** The adapter is switched off (rfkill, airplane mode, `bluetoothctl power off`). */
  | 'adapter-off'
  /** The OS refused this program access to Bluetooth (permissions, macOS privacy settings). */
  | 'unauthorized'
  /** No FIDO authenticator with that id or address was found while scanning. */
  | 'not-found'
  /** The peripheral does not offer the FIDO GATT service or one of its characteristics. */
  | 'not-fido'
  /** Connecting, or a GATT read/write, failed (pairing refused, link lost while setting up, …). */
  | 'gatt-failed'
  /** The link went away (out of range, switched off, disconnected by the authenticator). */
  | 'disconnected'
  /** The transport or connection was closed by this program. */
  | 'closed'
  /** A fragment or message broke the CTAPBLE framing rules (CTAP 2.1 §11.4, "Framing" and "Fragmentation"). */
  | 'framing'
  /** A GATT value (control point length, revision bitfield) is outside what the spec allows. */
  | 'bad-characteristic'
  /** The authenticator offers no protocol revision this client speaks. */
  | 'no-common-revision'
  /** The authenticator answered with a CTAPBLE ERROR frame. */
  | 'device-error'
  | 'timeout'
  | 'aborted';

/** Options of {@link BleError}. */
export type BleErrorOptions = TransportErrorOptions;

/**
 * A failure of the Bluetooth transport or of the CTAPBLE codec. `code` is one of the ctap2 client
 * codes; `reason` says more (`'no-adapter'`, `'disconnected'`, …) and is also in `details.reason`.
 *
 * @example
 * ```ts
 * try { await listBleAuthenticators(); }
 * catch (e) { if ((e as BleError).reason === 'no-adapter') return 'this machine has no Bluetooth'; }
 * ```
 */
export class BleError extends TransportError<BleErrorReason> {}
