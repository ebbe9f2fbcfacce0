/**
 * The Bluetooth LE binding on `@stoprocent/noble` (a maintained fork of noble): finding FIDO
 * authenticators by their service (0xFFFD), connecting, and a {@link BleConnection} on noble's
 * GATT objects. noble is an optional dependency loaded on first use, so the package loads without
 * it; on Linux the binding talks to BlueZ over D-Bus (noble's `dbus` bindings, which need
 * `dbus-next`), because BlueZ owns the adapter and performs the pairing the spec requires.
 *
 * Pairing (CTAP 2.1 §11.4: the link must be encrypted with a bonded key): noble cannot start
 * pairing except on Windows. On Linux, BlueZ pairs on demand when a characteristic that requires
 * encryption is first read or written — with the desktop's agent, or `bluetoothctl`'s (`agent on`,
 * `default-agent`), asking for the passkey or a confirmation. Pairing once in the system's
 * Bluetooth settings (or `bluetoothctl pair ADDRESS`, `trust ADDRESS`) is the reliable path on
 * every OS; this binding then reuses the bond.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import { errorMessage, positive } from './_options.js';
import {
  type BleBindingOptions,
  type Noble,
  type NobleCharacteristic,
  type NoblePeripheral,
  readyNoble,
} from './adapter.js';
import type { BleConnection } from './connection.js';
import { BleError } from './errors.js';
import { FIDO_BLE_UUIDS } from './framing.js';
import { BleTransport, type BleTransportOptions } from './transport.js';

/** A FIDO authenticator found advertising the FIDO service. */
export interface BleAuthenticatorInfo {
  /** noble's peripheral id: pass it (or `address`) to {@link openBleAuthenticator}. */
  id: string;
  /** The Bluetooth address (`aa:bb:cc:dd:ee:ff`), or `undefined` where the OS hides it (macOS). */
  address: string | undefined;
  /** The advertised local name. */
  name: string | undefined;
  /** Signal strength when seen, in dBm. */
  rssi: number;
}

/** Options of {@link listBleAuthenticators}. */
export interface ListBleOptions extends BleBindingOptions {
  /** Stops scanning early; the authenticators seen so far are returned. */
  signal?: AbortSignal;
  /** How long to scan, in ms; default 5000. */
  timeoutMs?: number;
}

/** Options of {@link openBleAuthenticator}. */
export interface OpenBleOptions extends BleBindingOptions, BleTransportOptions {
  signal?: AbortSignal;
  /** How long to scan for the authenticator before giving up, in ms; default 10000. */
  scanTimeoutMs?: number;
}

const short = (uuid: string): string =>
  uuid.replace(/-/g, '').replace(/^0000(....)00001000800000805f9b34fb$/, '$1');
const SERVICE = short(FIDO_BLE_UUIDS.service);
const CHARACTERISTICS = {
  controlPoint: short(FIDO_BLE_UUIDS.controlPoint),
  status: short(FIDO_BLE_UUIDS.status),
  controlPointLength: short(FIDO_BLE_UUIDS.controlPointLength),
  serviceRevisionBitfield: short(FIDO_BLE_UUIDS.serviceRevisionBitfield),
};

/**
 * Scans for authenticators advertising the FIDO service (0xFFFD) for `timeoutMs`.
 * @param options - scan time, abort signal, and where noble comes from.
 * @returns the authenticators seen, strongest signal first (an empty list when none is near).
 * @throws BleError `ERR_NOT_SUPPORTED` with `reason` `binding-missing` (noble or dbus-next not
 *   installed or not loadable), `no-adapter` (no Bluetooth controller), `bluez-not-running` (Linux:
 *   no D-Bus system bus or no bluetoothd), `adapter-off`, `unauthorized`; `ERR_TIMEOUT` when the
 *   adapter never reports its state; `ERR_TRANSPORT` when scanning fails.
 * @example
 * ```ts
 * const choices = (await listBleAuthenticators({ timeoutMs: 3000 })).map((k) => `${k.name} (${k.address})`);
 * ```
 */
export async function listBleAuthenticators(options: ListBleOptions = {}): Promise<BleAuthenticatorInfo[]> {
  const timeoutMs = positive(options.timeoutMs, 5000, 'timeoutMs');
  const noble = await readyNoble(options);
  const seen = new Map<string, BleAuthenticatorInfo>();
  try {
    await scan(noble, timeoutMs, options.signal, (p) => {
      seen.set(p.id, info(p));
      return false;
    });
  } finally {
    noble.stop();
  }
  return [...seen.values()].sort((a, b) => b.rssi - a.rssi);
}

/**
 * Finds the authenticator with this noble id or Bluetooth address, connects, discovers the FIDO
 * service and opens a {@link BleTransport} on it (the link must already be bonded, or BlueZ pairs
 * on demand: see the module notes).
 * @param idOrAddress - an id or address from {@link listBleAuthenticators}.
 * @param options - scan time, transport options, and where noble comes from.
 * @returns the transport, a `CtapDevice`.
 * @throws BleError as {@link listBleAuthenticators}; `not-found` (`ERR_DEVICE_GONE`) when it is
 *   not seen within `scanTimeoutMs`; `not-fido` (`ERR_NOT_SUPPORTED`) when it lacks the FIDO
 *   characteristics; `gatt-failed` (`ERR_TRANSPORT`) when connecting fails; as {@link BleTransport.open}.
 * @example
 * ```ts
 * const [key] = await listBleAuthenticators();
 * const device = await openBleAuthenticator(key.id);
 * ```
 */
export async function openBleAuthenticator(
  idOrAddress: string,
  options: OpenBleOptions = {},
): Promise<BleTransport> {
  const connection = await openNobleConnection(idOrAddress, options);
  return BleTransport.open(connection, options);
}

/**
 * The raw {@link BleConnection} of {@link openBleAuthenticator}, for callers that frame by
 * themselves or wrap the connection.
 * @param idOrAddress - a noble id or a Bluetooth address.
 * @param options - as {@link openBleAuthenticator}.
 * @returns the connection; its `close()` disconnects and stops noble.
 * @throws as {@link openBleAuthenticator}.
 */
export async function openNobleConnection(
  idOrAddress: string,
  options: OpenBleOptions = {},
): Promise<BleConnection> {
  if (typeof idOrAddress !== 'string' || idOrAddress.length === 0) {
    throw new InvalidArgumentError(`"idOrAddress" expected a non-empty string, got ${typeof idOrAddress}`);
  }
  const want = idOrAddress.toLowerCase();
  const scanTimeoutMs = positive(options.scanTimeoutMs, 10_000, 'scanTimeoutMs');
  const noble = await readyNoble(options);
  let found: NoblePeripheral | undefined;
  try {
    await scan(noble, scanTimeoutMs, options.signal, (p) => {
      if (p.id.toLowerCase() === want || p.address?.toLowerCase() === want) found = p;
      return found !== undefined;
    });
    if (found === undefined) {
      throw new BleError(
        'ERR_DEVICE_GONE',
        'not-found',
        `no FIDO authenticator ${idOrAddress} advertised within ${scanTimeoutMs} ms (is it on and in range?)`,
      );
    }
    const peripheral: NoblePeripheral = found;
    await gatt(() => peripheral.connectAsync(), `connecting to ${idOrAddress}`);
    const { characteristics } = await gatt(
      () => peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], Object.values(CHARACTERISTICS)),
      'discovering the FIDO service',
    );
    const byUuid = new Map(characteristics.map((c) => [short(c.uuid), c]));
    const controlPoint = byUuid.get(CHARACTERISTICS.controlPoint);
    const status = byUuid.get(CHARACTERISTICS.status);
    const controlPointLength = byUuid.get(CHARACTERISTICS.controlPointLength);
    if (controlPoint === undefined || status === undefined || controlPointLength === undefined) {
      await peripheral.disconnectAsync().catch(() => {});
      throw new BleError(
        'ERR_NOT_SUPPORTED',
        'not-fido',
        `${idOrAddress} lacks the FIDO service's control point, status or control point length`,
      );
    }
    return new NobleConnection(noble, peripheral, {
      controlPoint,
      status,
      controlPointLength,
      revision: byUuid.get(CHARACTERISTICS.serviceRevisionBitfield),
    });
  } catch (e) {
    noble.stop();
    throw e;
  }
}

interface FidoCharacteristics {
  controlPoint: NobleCharacteristic;
  status: NobleCharacteristic;
  controlPointLength: NobleCharacteristic;
  revision: NobleCharacteristic | undefined;
}

/** noble's GATT objects as a {@link BleConnection}. */
class NobleConnection implements BleConnection {
  readonly #noble: Noble;
  readonly #peripheral: NoblePeripheral;
  readonly #c: FidoCharacteristics;
  #gone: BleError | undefined;
  #closed = false;

  constructor(noble: Noble, peripheral: NoblePeripheral, characteristics: FidoCharacteristics) {
    this.#noble = noble;
    this.#peripheral = peripheral;
    this.#c = characteristics;
    peripheral.once('disconnect', (reason) => {
      this.#gone ??= new BleError(
        'ERR_DEVICE_GONE',
        'disconnected',
        `the authenticator disconnected (${String(reason)})`,
      );
    });
  }

  /** BlueZ and noble negotiate the ATT MTU on connection; 23 when nothing was exchanged. */
  get mtu(): number {
    return this.#peripheral.mtu ?? 23;
  }

  readControlPointLength(): Promise<Uint8Array> {
    return this.#io(() => this.#c.controlPointLength.readAsync(), 'reading fidoControlPointLength');
  }

  readServiceRevisionBitfield(): Promise<Uint8Array | undefined> {
    const revision = this.#c.revision;
    if (revision === undefined) return Promise.resolve(undefined);
    return this.#io(() => revision.readAsync(), 'reading fidoServiceRevisionBitfield');
  }

  async writeServiceRevisionBitfield(value: Uint8Array): Promise<void> {
    const revision = this.#c.revision;
    if (revision === undefined)
      throw new BleError('ERR_NOT_SUPPORTED', 'not-fido', 'no fidoServiceRevisionBitfield');
    await this.#io(
      () => revision.writeAsync(Buffer.from(value), false),
      'writing fidoServiceRevisionBitfield',
    );
  }

  async writeControlPoint(fragment: Uint8Array): Promise<void> {
    await this.#io(
      () => this.#c.controlPoint.writeAsync(Buffer.from(fragment), false),
      'writing fidoControlPoint',
    );
  }

  async subscribeStatus(listener: (fragment: Uint8Array) => void): Promise<void> {
    this.#c.status.on('data', (data) => listener(new Uint8Array(data)));
    await this.#io(() => this.#c.status.subscribeAsync(), 'subscribing to fidoStatus');
  }

  onDisconnect(listener: (cause?: unknown) => void): void {
    this.#peripheral.once('disconnect', (reason) => listener(reason));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#peripheral.disconnectAsync().catch(() => {});
    this.#noble.stop();
  }

  async #io<T>(work: () => Promise<T>, what: string): Promise<T> {
    if (this.#closed) throw new BleError('ERR_DEVICE_GONE', 'closed', 'the Bluetooth connection is closed');
    if (this.#gone !== undefined) throw this.#gone;
    return gatt(work, what, () => {
      // noble reports a write on a dropped link before (or without) its 'disconnect' event.
      const state = this.#peripheral.state;
      if (this.#gone === undefined && (state === 'disconnected' || state === 'error')) {
        this.#gone = new BleError(
          'ERR_DEVICE_GONE',
          'disconnected',
          `the authenticator disconnected (${state})`,
        );
      }
      return this.#gone;
    });
  }
}

/** Scans for the FIDO service until `timeoutMs`, the signal, or `onPeripheral` returning true. */
async function scan(
  noble: Noble,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onPeripheral: (p: NoblePeripheral) => boolean,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      noble.removeListener('discover', onDiscover);
      noble.stopScanningAsync().then(resolve, resolve);
    };
    const onDiscover = (p: never): void => {
      if (onPeripheral(p as NoblePeripheral)) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    signal?.addEventListener('abort', finish, { once: true });
    noble.on('discover', onDiscover);
    noble.startScanningAsync([SERVICE], false).catch((e: unknown) => {
      done = true;
      clearTimeout(timer);
      noble.removeListener('discover', onDiscover);
      reject(
        new BleError('ERR_TRANSPORT', 'gatt-failed', `scanning failed: ${errorMessage(e)}`, { cause: e }),
      );
    });
    if (signal?.aborted) finish();
  });
}

function info(p: NoblePeripheral): BleAuthenticatorInfo {
  const address = p.address && p.address !== 'unknown' ? p.address.toLowerCase() : undefined;
  return { id: p.id, address, name: p.advertisement?.localName || undefined, rssi: p.rssi };
}

async function gatt<T>(work: () => Promise<T>, what: string, gone?: () => BleError | undefined): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const lost = gone?.();
    if (lost !== undefined) throw lost;
    const text = errorMessage(e);
    const hint = /auth|encrypt|pair|insufficient/i.test(text)
      ? ' — the key must be paired (bonded) first: pair it in the system Bluetooth settings or with bluetoothctl'
      : '';
    throw new BleError('ERR_TRANSPORT', 'gatt-failed', `${what} failed: ${text}${hint}`, { cause: e });
  }
}
