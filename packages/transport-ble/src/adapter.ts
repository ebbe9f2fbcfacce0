/**
 * Is Bluetooth usable here? Loads noble (an optional dependency) and checks, in order, what can
 * stop it, so each cause gets its own typed error: the binding missing, no adapter (Linux: the
 * kernel lists no controller in sysfs), BlueZ or the D-Bus system bus not running (checked before
 * noble starts, because dbus-next throws an uncaught error when the bus is absent), the adapter
 * switched off, or the program not allowed to use it.
 */
import { readdir } from 'node:fs/promises';
import { errorMessage, positive } from './_options.js';
import { BleError } from './errors.js';

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

/** The parts of a noble characteristic the binding uses. */
export interface NobleCharacteristic {
  uuid: string;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Uint8Array, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
}
/** The parts of a noble peripheral the binding uses. */
export interface NoblePeripheral {
  id: string;
  /** 'connected', 'disconnected', 'error', … */
  state: string;
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
/** The parts of a noble instance the binding uses. */
export interface Noble {
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

/**
 * Loads noble and checks the adapter, naming the first cause that stops Bluetooth here.
 */
export async function readyNoble(options: BleBindingOptions): Promise<Noble> {
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
    throw notRunning(`no D-Bus system bus: ${errorMessage(e)}`, e);
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
    throw notRunning(`no D-Bus system bus: ${errorMessage(e)}`, e);
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
      `${name} is not installed or did not load on ${process.platform}-${process.arch} (${errorMessage(e)}): npm install ${name}`,
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
