/**
 * The seam between CTAPBLE framing and whatever moves GATT values: the noble binding, or the
 * simulated peripheral of `./testing`.
 */

/**
 * One GATT connection to a FIDO authenticator's FIDO service (CTAP 2.1 §11.4), already connected
 * (and, for a real key, encrypted and bonded).
 *
 * Failures reject with a `BleError` (or any error with a `code`): `ERR_DEVICE_GONE` when the link
 * is gone, `ERR_TRANSPORT` for a GATT failure.
 */
export interface BleConnection {
  /** The negotiated ATT MTU (23 when no exchange happened). */
  readonly mtu: number;
  /** Reads fidoControlPointLength's raw 2-byte value. */
  readControlPointLength(): Promise<Uint8Array>;
  /**
   * Reads fidoServiceRevisionBitfield's raw value, or `undefined` when the characteristic is
   * absent (a U2F 1.0 authenticator).
   */
  readServiceRevisionBitfield(): Promise<Uint8Array | undefined>;
  /** Selects one revision by writing fidoServiceRevisionBitfield (a value with one bit set). */
  writeServiceRevisionBitfield(value: Uint8Array): Promise<void>;
  /** Writes one fragment to fidoControlPoint (write with response). */
  writeControlPoint(fragment: Uint8Array): Promise<void>;
  /**
   * Enables notifications on fidoStatus; every notified value goes to `listener`, in order.
   * Called once.
   */
  subscribeStatus(listener: (fragment: Uint8Array) => void): Promise<void>;
  /** `listener` is called once when the link goes away. */
  onDisconnect(listener: (cause?: unknown) => void): void;
  /** Disconnects; later calls reject with `ERR_DEVICE_GONE`. */
  close(): Promise<void>;
}
