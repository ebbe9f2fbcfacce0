/**
 * The seam between CTAPHID framing and whatever moves 64-byte reports: node-hid, a UDP link to
 * a firmware simulator, or the simulated device of `./testing`.
 */

/**
 * A raw HID report pipe to one FIDO interface.
 *
 * - `write(report)`: sends one 64-byte output report (no report ID; the binding adds it).
 * - `read(timeoutMs)`: the next 64-byte input report, or `undefined` when none came within
 *   `timeoutMs` (0 polls). Only one `read` is outstanding at a time.
 * - `close()`: releases the device; later calls reject with `ERR_DEVICE_GONE`.
 *
 * Failures reject with `Ctap2ClientError` `ERR_DEVICE_GONE` (the device went away or the
 * connection is closed) or `ERR_TRANSPORT`.
 */
export interface HidConnection {
  /** Sends one 64-byte output report (no report ID). */
  write(report: Uint8Array): Promise<void>;
  /** The next 64-byte input report, or undefined when none came within `timeoutMs` (0 polls). */
  read(timeoutMs: number): Promise<Uint8Array | undefined>;
  /** Releases the device; later calls reject with `ERR_DEVICE_GONE`. */
  close(): Promise<void>;
}
