/**
 * The seam between CTAPBLE framing and whatever moves GATT values: the noble binding, or the
 * simulated peripheral of `./testing`.
 */

/**
 * One GATT connection to a FIDO authenticator's FIDO service (CTAP 2.1 §11.4), already connected
 * (and, for a real key, encrypted and bonded).
 *
 * - `mtu`: the negotiated ATT MTU (23 when no exchange happened).
 * - `readControlPointLength()`: fidoControlPointLength's raw 2-byte value.
 * - `readServiceRevisionBitfield()`: fidoServiceRevisionBitfield's raw value, or `undefined`
 *   when the characteristic is absent (a U2F 1.0 authenticator).
 * - `writeServiceRevisionBitfield(value)`: selects one revision (a value with one bit set).
 * - `writeControlPoint(fragment)`: writes one fragment to fidoControlPoint (write with response).
 * - `subscribeStatus(listener)`: enables notifications on fidoStatus; every notified value goes
 *   to `listener`, in order. Called once.
 * - `onDisconnect(listener)`: `listener` is called once when the link goes away.
 * - `close()`: disconnects; later calls reject with `ERR_DEVICE_GONE`.
 *
 * Failures reject with a `BleError` (or any error with a `code`): `ERR_DEVICE_GONE` when the link
 * is gone, `ERR_TRANSPORT` for a GATT failure.
 */
export interface BleConnection {
  readonly mtu: number;
  readControlPointLength(): Promise<Uint8Array>;
  readServiceRevisionBitfield(): Promise<Uint8Array | undefined>;
  writeServiceRevisionBitfield(value: Uint8Array): Promise<void>;
  writeControlPoint(fragment: Uint8Array): Promise<void>;
  subscribeStatus(listener: (fragment: Uint8Array) => void): Promise<void>;
  onDisconnect(listener: (cause?: unknown) => void): void;
  close(): Promise<void>;
}
