/**
 * Opening the key an example program works with: the virtual authenticator (state kept in a
 * file between runs), a USB key (node-hid), a key on an NFC reader (PC/SC), a Bluetooth key
 * (noble), a firmware simulator over UDP, or the first real key found.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CtapDevice } from '@fido2kit/ctap2';
import { VirtualAuthenticator, type VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';

/** Where the key is. */
export type DeviceChoice = 'virtual' | 'hid' | 'nfc' | 'ble' | 'udp' | 'auto';

export interface OpenKeyOptions {
  device: DeviceChoice;
  /** The virtual key's state file. */
  virtualStateFile: string;
  /** Options of a virtual key made on first use. */
  newVirtualKey?: VirtualAuthenticatorOptions;
  /** UDP ports of a firmware simulator (`--device udp:DEVICE_PORT[:HOST_PORT]`). */
  udp?: { devicePort?: number; hostPort?: number };
  /** A specific HID path, NFC reader name, or Bluetooth id or address. */
  path?: string;
}

/** An open key. */
export interface OpenKey {
  device: CtapDevice;
  /** What it is, for people. */
  label: string;
  kind: Exclude<DeviceChoice, 'auto'>;
  /** The virtual authenticator, when the key is virtual. */
  virtual?: VirtualAuthenticator;
  /** True when the virtual key was made on this run. */
  created: boolean;
  /** Saves the virtual key's state (no-op for real keys). */
  save(): void;
  close(): Promise<void>;
}

/** Reads a virtual key from its state file, or makes one. */
export function loadVirtualKey(
  file: string,
  newKey: VirtualAuthenticatorOptions = {},
): { authenticator: VirtualAuthenticator; created: boolean } {
  if (existsSync(file)) {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    return { authenticator: VirtualAuthenticator.fromState(state), created: false };
  }
  const authenticator = new VirtualAuthenticator(newKey);
  saveVirtualKey(file, authenticator);
  return { authenticator, created: true };
}

/** Writes a virtual key's state atomically (it holds key material: mode 0600). */
export function saveVirtualKey(file: string, authenticator: VirtualAuthenticator): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(authenticator.exportState(), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

async function openHid(path?: string): Promise<OpenKey | undefined> {
  const { listHidAuthenticators, openHidAuthenticator } = await import('@fido2kit/transport-hid');
  const found = await listHidAuthenticators();
  const info = path ? found.find((d) => d.path === path) : found[0];
  if (!info) return undefined;
  const device = await openHidAuthenticator(info.path);
  const name = [info.manufacturer, info.product].filter(Boolean).join(' ') || info.path;
  return {
    device,
    label: `${name} (USB)`,
    kind: 'hid',
    created: false,
    save() {},
    close: () => device.close(),
  };
}

/**
 * A key could not be opened: the message says why and what to do; `code` is the transport's code
 * (`ERR_NOT_SUPPORTED`, `ERR_DEVICE_GONE`, `ERR_TIMEOUT`, …) and `cause` its error.
 */
export class KeyUnavailableError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KeyUnavailableError';
    this.code = code;
  }
}

function codeOf(e: unknown, fallback: string): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : fallback;
}

/** Opens the key on `reader`, or the first reader holding one, waiting `cardTimeoutMs` for a tap. */
async function openNfc(reader: string | undefined, cardTimeoutMs: number): Promise<OpenKey> {
  const { listNfcAuthenticators, openNfcAuthenticator } = await import('@fido2kit/transport-nfc');
  let device: Awaited<ReturnType<typeof openNfcAuthenticator>>;
  let chosen = reader;
  try {
    chosen ??= (await listNfcAuthenticators())[0]?.reader;
    // With no key found yet, this waits for a tap, then says why there is none (no reader, no card).
    device = await openNfcAuthenticator(chosen, { cardTimeoutMs });
  } catch (e) {
    const why = (e as { reason?: string }).reason;
    const readers = ((e as { details?: { readers?: string[] } }).details?.readers ?? []).map((r) => `"${r}"`);
    const text: Record<string, string> = {
      'pcscd-not-running':
        'The PC/SC daemon (pcscd) is not running, so no NFC reader can be reached. Start it (sudo systemctl start pcscd) and try again.',
      'no-reader':
        'pcscd is running but sees no reader. Connect an NFC reader (and check pcscd has a driver for it), then try again.',
      'no-card': `pcscd is running, but no FIDO key is on the reader${readers.length === 1 ? '' : 's'}${readers.length > 0 ? ` ${readers.join(', ')}` : ''}. Hold your key to the reader and try again.`,
    };
    const message = (why !== undefined ? text[why] : undefined) ?? (e as Error).message;
    throw new KeyUnavailableError(codeOf(e, 'ERR_TRANSPORT'), message, e);
  }
  const label = `key on ${chosen ?? 'an NFC reader'} (NFC)`;
  return { device, label, kind: 'nfc', created: false, save() {}, close: () => device.close() };
}

/** The Bluetooth causes that mean "no Bluetooth here", as opposed to "no key nearby". */
const NO_BLUETOOTH: Record<string, string> = {
  'no-adapter':
    'This machine has no Bluetooth adapter, so --device ble cannot reach a key. Use --device hid or nfc, or leave out --device to use the virtual key.',
  'bluez-not-running':
    'Bluetooth is not available: BlueZ (bluetoothd) or the D-Bus system bus is not running. Start it (sudo systemctl start bluetooth) and try again.',
  'binding-missing':
    'Bluetooth support is not installed: npm install @stoprocent/noble dbus-next (dbus-next is for Linux), then try again.',
  'adapter-off':
    'Bluetooth is switched off. Turn it on (rfkill unblock bluetooth; bluetoothctl power on) and try again.',
  unauthorized: 'This program may not use Bluetooth. Allow it in the system settings and try again.',
};

/** Opens a Bluetooth key by id or address, or the nearest one advertising the FIDO service. */
async function openBle(idOrAddress: string | undefined, scanMs: number): Promise<OpenKey | undefined> {
  const { listBleAuthenticators, openBleAuthenticator } = await import('@fido2kit/transport-ble');
  try {
    let id = idOrAddress;
    let name = idOrAddress;
    if (id === undefined) {
      const [nearest] = await listBleAuthenticators({ timeoutMs: scanMs });
      if (nearest === undefined) return undefined;
      id = nearest.id;
      name = nearest.name ?? nearest.address ?? nearest.id;
    }
    const device = await openBleAuthenticator(id);
    return {
      device,
      label: `${name} (Bluetooth)`,
      kind: 'ble',
      created: false,
      save() {},
      close: () => device.close(),
    };
  } catch (e) {
    const why = (e as { reason?: string }).reason;
    throw new KeyUnavailableError(
      codeOf(e, 'ERR_TRANSPORT'),
      (why && NO_BLUETOOTH[why]) || (e as Error).message,
      e,
    );
  }
}

async function openUdp(ports: OpenKeyOptions['udp'] = {}): Promise<OpenKey> {
  const { HidTransport, UdpHidConnection } = await import('@fido2kit/transport-hid');
  const devicePort = ports.devicePort ?? 8111;
  const hostPort = ports.hostPort ?? 7112;
  let device: Awaited<ReturnType<typeof HidTransport.open>>;
  try {
    const connection = await UdpHidConnection.open({ devicePort, hostPort });
    device = await HidTransport.open(connection);
  } catch (e) {
    const code = codeOf(e, 'ERR_TRANSPORT');
    const heard =
      code === 'ERR_TIMEOUT'
        ? `No firmware simulator answered on UDP 127.0.0.1:${devicePort} (CTAPHID INIT got no reply; this program listened on UDP ${hostPort}).`
        : `Cannot talk to a firmware simulator on UDP 127.0.0.1:${devicePort} (this program's port ${hostPort}): ${(e as Error).message}.`;
    throw new KeyUnavailableError(
      code,
      `${heard} Start a simulator that speaks CTAPHID over UDP first (for example the SoloKeys solo1 PC build, which listens on 8111 and answers to 7112), or give its ports with --device udp:DEVICE_PORT:HOST_PORT.`,
      e,
    );
  }
  const label = `firmware simulator at 127.0.0.1:${devicePort} (CTAPHID over UDP)`;
  return { device, label, kind: 'udp', created: false, save() {}, close: () => device.close() };
}

/** Opens the chosen key; throws an error whose message says what to do when none is there. */
export async function openKey(options: OpenKeyOptions): Promise<OpenKey> {
  switch (options.device) {
    case 'virtual': {
      const { authenticator, created } = loadVirtualKey(options.virtualStateFile, options.newVirtualKey);
      const save = () => saveVirtualKey(options.virtualStateFile, authenticator);
      return {
        device: authenticator.device(),
        label: `virtual security key (${options.virtualStateFile})`,
        kind: 'virtual',
        virtual: authenticator,
        created,
        save,
        close: async () => save(),
      };
    }
    case 'hid': {
      const key = await openHid(options.path);
      if (!key)
        throw new Error(
          'No USB security key found. Plug one in (on Linux, check the udev rule for FIDO keys) and try again.',
        );
      return key;
    }
    case 'nfc':
      return openNfc(options.path, 3000);
    case 'ble': {
      const key = await openBle(options.path, 5000);
      if (!key)
        throw new KeyUnavailableError(
          'ERR_DEVICE_GONE',
          'No FIDO security key is advertising over Bluetooth nearby. Switch the key on (or press its button to wake it), pair it in the system Bluetooth settings, and try again.',
        );
      return key;
    }
    case 'udp':
      return openUdp(options.udp);
    case 'auto': {
      const hid = await openHid().catch(() => undefined);
      if (hid) return hid;
      const nfc = await openNfc(undefined, 500).catch(() => undefined);
      if (nfc) return nfc;
      // Bluetooth counts only where there is some: an adapter, BlueZ, the binding.
      let bluetooth = 'Bluetooth';
      const ble = await openBle(undefined, 3000).catch((e: unknown) => {
        const why = (e as { cause?: { reason?: string } }).cause?.reason;
        if (why !== undefined && why in NO_BLUETOOTH) bluetooth = '';
        return undefined;
      });
      if (ble) return ble;
      const where = bluetooth ? 'USB, NFC or Bluetooth' : 'USB or NFC (this machine has no usable Bluetooth)';
      throw new KeyUnavailableError(
        'ERR_DEVICE_GONE',
        `No security key found on ${where}. Plug in or tap a key, or leave out --device to use the virtual key.`,
      );
    }
  }
}

/** Parses `--device virtual|hid|nfc|ble|auto|udp[:DEVICE_PORT[:HOST_PORT]]`. */
export function parseDevice(value: string | undefined): {
  device: DeviceChoice;
  udp?: OpenKeyOptions['udp'];
} {
  const v = value ?? 'virtual';
  if (v.startsWith('udp')) {
    const [, d, h] = v.split(':');
    return {
      device: 'udp',
      udp: { devicePort: d ? Number(d) : undefined, hostPort: h ? Number(h) : undefined },
    };
  }
  if (!['virtual', 'hid', 'nfc', 'ble', 'auto'].includes(v))
    throw new Error(`--device ${v}: expected virtual, hid, nfc, ble, auto or udp[:PORT[:PORT]]`);
  return { device: v as DeviceChoice };
}
