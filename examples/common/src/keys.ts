/**
 * Opening the key an example program works with: the virtual authenticator (state kept in a
 * file between runs), a USB key (node-hid), a key on an NFC reader (PC/SC), a firmware simulator
 * over UDP, or the first real key found.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CtapDevice } from '@fido2kit/ctap2';
import { VirtualAuthenticator, type VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';

/** Where the key is. */
export type DeviceChoice = 'virtual' | 'hid' | 'nfc' | 'udp' | 'auto';

export interface OpenKeyOptions {
  device: DeviceChoice;
  /** The virtual key's state file. */
  virtualStateFile: string;
  /** Options of a virtual key made on first use. */
  newVirtualKey?: VirtualAuthenticatorOptions;
  /** UDP ports of a firmware simulator (`--device udp:DEVICE_PORT[:HOST_PORT]`). */
  udp?: { devicePort?: number; hostPort?: number };
  /** A specific HID path or NFC reader name. */
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

async function openNfc(reader?: string): Promise<OpenKey | undefined> {
  const { listNfcAuthenticators, openNfcAuthenticator } = await import('@fido2kit/transport-nfc');
  const readers = await listNfcAuthenticators();
  const chosen = reader ?? readers[0]?.reader;
  if (!chosen) return undefined;
  const device = await openNfcAuthenticator(chosen);
  return {
    device,
    label: `key on ${chosen} (NFC)`,
    kind: 'nfc',
    created: false,
    save() {},
    close: () => device.close(),
  };
}

async function openUdp(ports: OpenKeyOptions['udp'] = {}): Promise<OpenKey> {
  const { HidTransport, UdpHidConnection } = await import('@fido2kit/transport-hid');
  const connection = await UdpHidConnection.open({ devicePort: ports.devicePort, hostPort: ports.hostPort });
  const device = await HidTransport.open(connection);
  const label = `firmware simulator at 127.0.0.1:${ports.devicePort ?? 8111} (CTAPHID over UDP)`;
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
    case 'nfc': {
      const key = await openNfc(options.path);
      if (!key)
        throw new Error(
          'No NFC reader with a card found. Start pcscd, connect a reader, hold the key to it, and try again.',
        );
      return key;
    }
    case 'udp':
      return openUdp(options.udp);
    case 'auto': {
      const hid = await openHid().catch(() => undefined);
      if (hid) return hid;
      const nfc = await openNfc().catch(() => undefined);
      if (nfc) return nfc;
      throw new Error(
        'No security key found on USB or NFC. Plug in or tap a key, or leave out --device to use the virtual key.',
      );
    }
  }
}

/** Parses `--device virtual|hid|nfc|auto|udp[:DEVICE_PORT[:HOST_PORT]]`. */
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
  if (!['virtual', 'hid', 'nfc', 'auto'].includes(v))
    throw new Error(`--device ${v}: expected virtual, hid, nfc, auto or udp[:PORT[:PORT]]`);
  return { device: v as DeviceChoice };
}
