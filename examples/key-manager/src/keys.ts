/**
 * Finding and opening the key the manager works on. Real keys open through the shared helper;
 * the virtual key opens here, because the manager plugs it in on every run (a power cycle), and
 * can pretend it was plugged in a while ago to show the reset rule.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CtapDevice } from '@fido2kit/ctap2';
import { type DeviceChoice, type OpenKey, openKey, saveVirtualKey } from '@fido2kit/example-common';
import {
  DEFAULT_AAGUID,
  VirtualAuthenticator,
  type VirtualAuthenticatorOptions,
} from '@fido2kit/virtual-authenticator';

/** `--device` as the manager reads it: the shared kinds, plus `hid:PATH`, `nfc:READER` and `ble:ID_OR_ADDRESS`. */
export interface DeviceArg {
  device: DeviceChoice;
  udp?: { devicePort?: number; hostPort?: number };
  path?: string;
}

export function parseDeviceArg(value: string | undefined): DeviceArg {
  const v = value ?? 'virtual';
  for (const kind of ['hid', 'nfc', 'ble'] as const) {
    if (v.startsWith(`${kind}:`)) return { device: kind, path: v.slice(kind.length + 1) };
  }
  if (v.startsWith('udp')) {
    const [, d, h] = v.split(':');
    const port = (s: string | undefined) => {
      if (s === undefined || s === '') return undefined;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--device ${v}: bad port ${s}`);
      return n;
    };
    return { device: 'udp', udp: { devicePort: port(d), hostPort: port(h) } };
  }
  if (!['virtual', 'hid', 'nfc', 'ble', 'auto'].includes(v))
    throw new UsageError(
      `--device ${v}: expected virtual, hid, hid:PATH, nfc, nfc:READER, ble, ble:ADDRESS, auto or udp[:PORT[:PORT]]`,
    );
  return { device: v as DeviceChoice };
}

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

/**
 * The options of a virtual key the manager makes: no PIN, a fingerprint sensor with none
 * enrolled, and enterprise attestation available (off until `config enterprise-attestation`).
 */
export function newVirtualKeyOptions(): VirtualAuthenticatorOptions {
  return { fingerprints: 0, attestation: 'packed', enterpriseAttestation: true };
}

export const VIRTUAL_MODEL = 'fido2kit Virtual Security Key';

export interface OpenOptions {
  device: DeviceArg;
  virtualStateFile: string;
  /** Pretend the virtual key was plugged in this many seconds ago (default 0: just now). */
  pluggedInAgoSeconds?: number;
}

/**
 * Opens the chosen key. The virtual key is loaded from its state file (or made), then "plugged
 * in" (powerCycle), which clears tokens and the three-wrong-PINs block and opens the 10-second
 * reset window, as replugging a real key does.
 */
export async function openManagedKey(options: OpenOptions): Promise<OpenKey> {
  if (options.device.device !== 'virtual') {
    return openKey({
      device: options.device.device,
      virtualStateFile: options.virtualStateFile,
      ...(options.device.udp ? { udp: options.device.udp } : {}),
      ...(options.device.path !== undefined ? { path: options.device.path } : {}),
    });
  }
  const file = options.virtualStateFile;
  // the virtual key's clock: real time, moved on after the power cycle when asked
  let shift = 0;
  const now = () => Date.now() + shift;
  let authenticator: VirtualAuthenticator;
  let created = false;
  if (existsSync(file)) {
    authenticator = VirtualAuthenticator.fromState(JSON.parse(readFileSync(file, 'utf8')), { now });
  } else {
    authenticator = new VirtualAuthenticator({ ...newVirtualKeyOptions(), now });
    created = true;
  }
  authenticator.powerCycle();
  shift = Math.round((options.pluggedInAgoSeconds ?? 0) * 1000);
  const save = () => saveVirtualKey(file, authenticator);
  if (created) save();
  return {
    device: authenticator.device(),
    label: `virtual security key (${file})`,
    kind: 'virtual',
    virtual: authenticator,
    created,
    save,
    close: async () => save(),
  };
}

/** One key `list` found. */
export interface FoundKey {
  kind: 'hid' | 'nfc' | 'virtual';
  /** What to pass to --device to use it. */
  device: string;
  name: string;
  /** HID path, NFC reader, or the virtual key's state file. */
  where: string;
  /** Only for the virtual key: whether its state file exists yet. */
  exists?: boolean;
  aaguid?: string;
}

/** What `list` reports per transport: the keys, or why that transport could not be searched. */
export interface KeyList {
  keys: FoundKey[];
  problems: { kind: 'hid' | 'nfc'; message: string }[];
}

/** Lists USB keys (node-hid), NFC readers holding a FIDO card (PC/SC), and the virtual key. */
export async function listKeys(options: {
  kinds: ('hid' | 'nfc' | 'virtual')[];
  virtualStateFile: string;
}): Promise<KeyList> {
  const out: KeyList = { keys: [], problems: [] };
  if (options.kinds.includes('hid')) {
    try {
      const { listHidAuthenticators } = await import('@fido2kit/transport-hid');
      for (const d of await listHidAuthenticators()) {
        const name =
          [d.manufacturer, d.product].filter(Boolean).join(' ') ||
          `USB key ${hex4(d.vendorId)}:${hex4(d.productId)}`;
        out.keys.push({ kind: 'hid', device: `hid:${d.path}`, name, where: d.path });
      }
    } catch (e) {
      out.problems.push({ kind: 'hid', message: (e as Error).message });
    }
  }
  if (options.kinds.includes('nfc')) {
    try {
      const { listNfcAuthenticators } = await import('@fido2kit/transport-nfc');
      for (const { reader } of await listNfcAuthenticators({ timeoutMs: 3000 })) {
        out.keys.push({ kind: 'nfc', device: `nfc:${reader}`, name: 'FIDO card or key', where: reader });
      }
    } catch (e) {
      out.problems.push({ kind: 'nfc', message: (e as Error).message });
    }
  }
  if (options.kinds.includes('virtual')) {
    const file = options.virtualStateFile;
    const exists = existsSync(file);
    let aaguid = DEFAULT_AAGUID;
    if (exists) {
      try {
        aaguid = VirtualAuthenticator.fromState(JSON.parse(readFileSync(file, 'utf8'))).aaguid;
      } catch {
        // an unreadable state file is reported when the key is opened
      }
    }
    out.keys.push({ kind: 'virtual', device: 'virtual', name: VIRTUAL_MODEL, where: file, exists, aaguid });
  }
  return out;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** CTAPHID_WINK, when the device is a HID transport that offers it. */
export function winkOf(device: CtapDevice): (() => Promise<void>) | undefined {
  const d = device as CtapDevice & { wink?: () => Promise<void>; info?: { wink?: boolean } };
  if (typeof d.wink !== 'function') return undefined;
  if (d.info && d.info.wink === false) return undefined;
  return () => d.wink!();
}
