/**
 * The node-hid binding: enumeration of FIDO HID interfaces and a {@link HidConnection} on
 * `HIDAsync`. The only file of the package that imports node-hid.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import HID from 'node-hid';
import { checkReport } from './_assert.js';
import type { HidConnection } from './connection.js';
import { HID_REPORT_SIZE } from './ctaphid.js';
import { deviceGoneError, HidError } from './errors.js';
import { describeOpenFailure } from './open-errors.js';
import { FIDO_USAGE_CTAPHID, FIDO_USAGE_PAGE } from './report-descriptor.js';
import { HidTransport } from './transport.js';
import type { HidTransportOptions } from './transport-options.js';

/** A FIDO authenticator found on USB HID. */
export interface HidAuthenticatorInfo {
  /** The OS path to pass to {@link openHidAuthenticator}. */
  path: string;
  vendorId: number;
  productId: number;
  product: string | undefined;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
}

interface NodeHidDevice {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/**
 * Lists the HID interfaces with FIDO's usage page 0xF1D0 and usage 0x01 (CTAP 2.1 §11.2.8.1).
 * Finds nothing (an empty list) on a machine without keys.
 * @throws Ctap2ClientError `ERR_NOT_SUPPORTED` when node-hid's native module cannot load;
 *   `ERR_TRANSPORT` when enumeration fails.
 * @example
 * ```ts
 * for (const key of await listHidAuthenticators()) show(key.product, key.path);
 * ```
 */
export async function listHidAuthenticators(): Promise<HidAuthenticatorInfo[]> {
  let devices: NodeHidDevice[];
  try {
    devices = await HID.devicesAsync();
  } catch (e) {
    throw bindingFailure(e, 'enumerate HID devices');
  }
  const seen = new Set<string>();
  const out: HidAuthenticatorInfo[] = [];
  for (const d of devices) {
    if (d.usagePage !== FIDO_USAGE_PAGE || d.usage !== FIDO_USAGE_CTAPHID || !d.path) continue;
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    out.push({
      path: d.path,
      vendorId: d.vendorId,
      productId: d.productId,
      product: d.product || undefined,
      manufacturer: d.manufacturer || undefined,
      serialNumber: d.serialNumber || undefined,
    });
  }
  return out;
}

/**
 * Opens the FIDO HID interface at `path` and allocates a CTAPHID channel.
 * @throws Ctap2ClientError `ERR_TRANSPORT` with `details.reason` `permission-denied` (the message
 *   names the udev rule on Linux and the administrator requirement on Windows), `not-found` or
 *   `open-failed`; as {@link HidTransport.open}.
 * @example
 * ```ts
 * const [key] = await listHidAuthenticators();
 * const device = await openHidAuthenticator(key.path);
 * ```
 */
export async function openHidAuthenticator(
  path: string,
  options: HidTransportOptions & { signal?: AbortSignal } = {},
): Promise<HidTransport> {
  const connection = await openNodeHidConnection(path);
  return HidTransport.open(connection, options);
}

/**
 * The raw {@link HidConnection} of {@link openHidAuthenticator}, for callers that frame by
 * themselves or wrap the connection.
 * @throws as {@link openHidAuthenticator}.
 */
export async function openNodeHidConnection(path: string): Promise<HidConnection> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError(`"path" expected a non-empty string, got ${typeof path}`);
  }
  let device: HID.HIDAsync;
  try {
    device = await HID.HIDAsync.open(path);
  } catch (e) {
    if (isBindingMissing(e)) throw bindingFailure(e, 'open the HID device');
    let ids: { vendorId?: number; productId?: number } = {};
    try {
      const match = (await HID.devicesAsync()).find((d) => d.path === path);
      if (match !== undefined) ids = { vendorId: match.vendorId, productId: match.productId };
    } catch {
      // The hint merely loses the vendor and product ids.
    }
    throw describeOpenFailure(e, { path, platform: process.platform, ...ids });
  }
  return new NodeHidConnection(device);
}

/** `HIDAsync` as a {@link HidConnection}: 65-byte writes with report ID 0, as libfido2 writes. */
class NodeHidConnection implements HidConnection {
  readonly #device: HID.HIDAsync;
  #closed = false;
  #gone: HidError | undefined;

  constructor(device: HID.HIDAsync) {
    this.#device = device;
    // HIDAsync emits 'error' when its read thread fails; an unhandled 'error' event would throw.
    device.on('error', (e: unknown) => {
      this.#gone ??= gone(e);
    });
  }

  async write(report: Uint8Array): Promise<void> {
    this.#check();
    checkReport(report);
    const out = Buffer.alloc(HID_REPORT_SIZE + 1);
    out.set(report, 1); // out[0] = report ID 0: FIDO interfaces use no report IDs
    let written: number;
    try {
      written = await this.#device.write(out);
    } catch (e) {
      this.#gone = gone(e);
      throw this.#gone;
    }
    if (written !== out.length && written !== HID_REPORT_SIZE) {
      throw new HidError('ERR_TRANSPORT', 'report-io', `short HID write: ${written} of ${out.length} bytes`);
    }
  }

  async read(timeoutMs: number): Promise<Uint8Array | undefined> {
    this.#check();
    let data: Buffer | undefined;
    try {
      data = await this.#device.read(Math.max(0, Math.ceil(timeoutMs)));
    } catch (e) {
      this.#gone = gone(e);
      throw this.#gone;
    }
    if (data === undefined || data.length === 0) return undefined;
    if (data.length !== HID_REPORT_SIZE) {
      throw new HidError('ERR_TRANSPORT', 'report-io', `unexpected HID input report of ${data.length} bytes`);
    }
    return new Uint8Array(data);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#device.close();
    } catch {
      // Closing a device that is already gone is not an error.
    }
  }

  #check(): void {
    if (this.#closed) throw deviceGoneError('closed', 'the HID connection is closed');
    if (this.#gone !== undefined) throw this.#gone;
  }
}

function gone(cause: unknown): HidError {
  const text = cause instanceof Error ? cause.message : String(cause);
  return deviceGoneError('device-gone', `the HID device is gone: ${text}`, cause);
}

function isBindingMissing(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e);
  return /could not locate the bindings|no native build|cannot find module|invalid elf|was compiled against/i.test(
    text,
  );
}

function bindingFailure(e: unknown, what: string): HidError {
  if (isBindingMissing(e)) {
    return new HidError(
      'ERR_NOT_SUPPORTED',
      'node-hid-missing',
      `cannot ${what}: node-hid's native module did not load on ${process.platform}-${process.arch}`,
      { cause: e },
    );
  }
  const text = e instanceof Error ? e.message : String(e);
  return new HidError(
    'ERR_TRANSPORT',
    what === 'enumerate HID devices' ? 'enumerate-failed' : 'open-failed',
    `cannot ${what}: ${text}`,
    {
      cause: e,
    },
  );
}
