/**
 * The seam between the CTAP client and a transport. A transport (USB HID, NFC, BLE, an in-memory
 * virtual authenticator) implements {@link CtapDevice}; everything above it is transport-free.
 */

/** What the authenticator says while it works (CTAPHID KEEPALIVE, NFC 9100 polling). */
export type KeepaliveStatus = 'processing' | 'user-presence-needed';

/** Options of every call that may wait on the authenticator or the user. */
export interface CallOptions {
  /** Cancels the call: the transport sends CANCEL and the call rejects with `ERR_ABORTED`. */
  signal?: AbortSignal;
  /** Called on every keepalive; `user-presence-needed` means "touch your key". */
  onKeepalive?: (status: KeepaliveStatus) => void;
}

/** How a device is connected. */
export type CtapTransport = 'usb' | 'nfc' | 'ble' | 'hybrid' | 'virtual';

/**
 * What a transport implements.
 *
 * - `cbor(request)`: `request` is the CTAP2 command byte followed by its CBOR parameters; the
 *   result is the status byte followed by the CBOR response (CTAP 2.1 §8.1).
 * - `msg(apdu)`: a CTAP1/U2F APDU; the result is the response data followed by SW1 SW2.
 */
export interface CtapDevice {
  readonly transport: CtapTransport;
  /**
   * Sends one CTAP2 command.
   * @param request the command byte followed by its CBOR parameters
   * @param options abort signal and keepalive callback
   * @returns the status byte followed by the CBOR response (CTAP 2.1 §8.1)
   */
  cbor(request: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
  /**
   * Sends one CTAP1/U2F APDU.
   * @param apdu the U2F request APDU
   * @param options abort signal and keepalive callback
   * @returns the response data followed by SW1 SW2
   */
  msg(apdu: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
  /** Releases the device; later calls fail. */
  close(): Promise<void>;
}
