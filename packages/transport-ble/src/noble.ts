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
import { readdir } from 'node:fs/promises';
import { InvalidArgumentError } from '@fido2kit/cose';
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

/** Where noble comes from and which of its bindings to use. */
export interface BleBindingOptions {
  /**
   * Loads the noble module; default `import('@stoprocent/noble')`. Bundlers and tests pass their own.
   */
  loadNoble?: () => Promise<unknown>;
  /** Loads `dbus-next` for the BlueZ binding; default `import('dbus-next')`. */
  loadDbus?: () => Promise<unknown>;
  /**
   * noble's bindings: `'dbus'` (BlueZ; the default on Linux), `'hci'` (raw HCI socket: needs
   * root or CAP_NET_RAW and an adapter BlueZ does not hold), or `'default'` (noble's choice: macOS
   * CoreBluetooth, Windows WinRT).
   */
  binding?: 'default' | 'dbus' | 'hci';
  /** Linux: where the kernel lists Bluetooth controllers; default `/sys/class/bluetooth`. */
  sysfsBluetoothDir?: string;
  /** How long to wait for the adapter to power on, in ms; default 5000. */
  adapterTimeoutMs?: number;
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

// ——— the parts of noble this file uses ———

interface NobleCharacteristic {
  uuid: string;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Uint8Array, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
}
interface NoblePeripheral {
  id: string;
  address: string;
  mtu: number | null;
  rssi: number;
  advertisement: { localName?: string; serviceUuids?: string[] };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(
    services: string[],
    characteristics: string[],
  ): Promise<{ characteristics: NobleCharacteristic[] }>;
  once(event: 'disconnect', listener: (reason: unknown) => void): unknown;
}
interface Noble {
  state: string;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(event: string): unknown;
  startScanningAsync(services: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  stop(): void;
}
interface NobleModule {
  withBindings(binding: string, options?: object): Noble;
}

interface DbusBus {
  on(event: 'error', listener: (e: unknown) => void): unknown;
  getProxyObject(
    name: string,
    path: string,
  ): Promise<{ getInterface(name: string): { NameHasOwner(name: string): Promise<boolean> } }>;
  disconnect(): void;
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
 * for (const key of await listBleAuthenticators({ timeoutMs: 3000 })) console.log(key.name, key.address);
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
    return gatt(work, what, () => this.#gone);
  }
}

// ——— adapter readiness: the typed causes ———

/**
 * Loads noble and checks the adapter, naming the first cause that stops Bluetooth here.
 */
async function readyNoble(options: BleBindingOptions): Promise<Noble> {
  const platform = process.platform;
  const binding = options.binding ?? (platform === 'linux' ? 'dbus' : 'default');
  const mod = await load(
    options.loadNoble ?? (() => import(/* @vite-ignore */ NOBLE_MODULE)),
    '@stoprocent/noble',
  );
  const withBindings =
    (mod as { withBindings?: unknown; default?: { withBindings?: unknown } }).withBindings ??
    (mod as { default?: { withBindings?: unknown } }).default?.withBindings;
  if (typeof withBindings !== 'function') {
    throw new BleError(
      'ERR_NOT_SUPPORTED',
      'binding-missing',
      '@stoprocent/noble loaded but has no withBindings(): an unsupported version',
    );
  }
  if (platform === 'linux') {
    const dir = options.sysfsBluetoothDir ?? '/sys/class/bluetooth';
    const controllers = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^hci\d+$/.test(n));
    if (controllers.length === 0) {
      throw new BleError(
        'ERR_NOT_SUPPORTED',
        'no-adapter',
        `this machine has no Bluetooth adapter (the kernel lists no controller in ${dir}): plug in a Bluetooth 4.0+ (LE) adapter, or use USB or NFC`,
        { details: { binding, sysfs: dir } },
      );
    }
    if (binding === 'dbus') await probeBluez(options);
  }
  const noble = (withBindings as NobleModule['withBindings']).call(mod, binding);
  noble.removeAllListeners('warning'); // noble logs warnings to the console by default; a library prints nothing
  const warnings: string[] = [];
  noble.on('warning', (message: never) => warnings.push(String(message)));
  const state = await adapterState(noble, positive(options.adapterTimeoutMs, 5000, 'adapterTimeoutMs'));
  if (state === 'poweredOn') return noble;
  noble.stop();
  const details = { binding, state, warnings };
  switch (state) {
    case 'poweredOff':
      throw new BleError(
        'ERR_NOT_SUPPORTED',
        'adapter-off',
        'the Bluetooth adapter is switched off: turn Bluetooth on (rfkill unblock bluetooth, bluetoothctl power on)',
        { details },
      );
    case 'unauthorized':
      throw new BleError(
        'ERR_NOT_SUPPORTED',
        'unauthorized',
        'this program may not use Bluetooth: allow it in the OS privacy settings (macOS) or run with the needed permissions (Linux hci: CAP_NET_RAW)',
        { details },
      );
    case 'unsupported':
      throw new BleError(
        'ERR_NOT_SUPPORTED',
        'no-adapter',
        `no Bluetooth LE adapter is usable here${warnings.length > 0 ? ` (${warnings.join('; ')})` : ''}`,
        { details },
      );
    default:
      throw new BleError(
        'ERR_TIMEOUT',
        'timeout',
        `the Bluetooth adapter did not report its state (still ${state})`,
        { details },
      );
  }
}

const NOBLE_MODULE = '@stoprocent/noble';
const DBUS_MODULE = 'dbus-next';

/** BlueZ is reached over the D-Bus system bus: check the bus and the org.bluez name first. */
async function probeBluez(options: BleBindingOptions): Promise<void> {
  const dbus = (await load(
    options.loadDbus ?? (() => import(/* @vite-ignore */ DBUS_MODULE)),
    'dbus-next',
  )) as {
    systemBus?: () => DbusBus;
    default?: { systemBus?: () => DbusBus };
  };
  const systemBus = dbus.systemBus ?? dbus.default?.systemBus;
  if (typeof systemBus !== 'function') {
    throw new BleError(
      'ERR_NOT_SUPPORTED',
      'binding-missing',
      'dbus-next loaded but has no systemBus(): an unsupported version',
    );
  }
  const notRunning = (why: string, cause?: unknown): BleError =>
    new BleError(
      'ERR_NOT_SUPPORTED',
      'bluez-not-running',
      `BlueZ cannot be reached (${why}): start the D-Bus system bus and bluetoothd (systemctl start bluetooth)`,
      {
        cause,
        details: {
          address: process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/var/run/dbus/system_bus_socket',
        },
      },
    );
  let bus: DbusBus;
  try {
    bus = systemBus();
  } catch (e) {
    throw notRunning(`no D-Bus system bus: ${message(e)}`, e);
  }
  try {
    const failed = new Promise<never>((_, reject) => bus.on('error', reject));
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer in 3000 ms')), 3000).unref(),
    );
    const proxy = await Promise.race([
      bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus'),
      failed,
      timeout,
    ]);
    const owned = await Promise.race([
      proxy.getInterface('org.freedesktop.DBus').NameHasOwner('org.bluez'),
      failed,
      timeout,
    ]);
    if (!owned) throw notRunning('bluetoothd does not own org.bluez on the system bus');
  } catch (e) {
    if (e instanceof BleError) throw e;
    throw notRunning(`no D-Bus system bus: ${message(e)}`, e);
  } finally {
    try {
      bus.disconnect();
    } catch {
      // A bus that never connected has nothing to close.
    }
  }
}

async function load(loader: () => Promise<unknown>, name: string): Promise<unknown> {
  try {
    return await loader();
  } catch (e) {
    throw new BleError(
      'ERR_NOT_SUPPORTED',
      'binding-missing',
      `${name} is not installed or did not load on ${process.platform}-${process.arch} (${message(e)}): npm install ${name}`,
      { cause: e, details: { module: name } },
    );
  }
}

function adapterState(noble: Noble, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const settled = (state: string): boolean =>
      state === 'poweredOn' || state === 'poweredOff' || state === 'unauthorized' || state === 'unsupported';
    const onChange = (state: never): void => {
      if (!settled(state)) return;
      clearTimeout(timer);
      noble.removeListener('stateChange', onChange);
      resolve(state);
    };
    const timer = setTimeout(() => {
      noble.removeListener('stateChange', onChange);
      resolve(noble.state);
    }, timeoutMs);
    timer.unref?.();
    noble.on('stateChange', onChange);
  });
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
      reject(new BleError('ERR_TRANSPORT', 'gatt-failed', `scanning failed: ${message(e)}`, { cause: e }));
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
    const text = message(e);
    const hint = /auth|encrypt|pair|insufficient/i.test(text)
      ? ' — the key must be paired (bonded) first: pair it in the system Bluetooth settings or with bluetoothctl'
      : '';
    throw new BleError('ERR_TRANSPORT', 'gatt-failed', `${what} failed: ${text}${hint}`, { cause: e });
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`"${name}" expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}
