/**
 * The PC/SC binding: the only file that loads `@pokusew/pcsclite` (an optional dependency, loaded
 * lazily). Its native types, the pool of native reader handles, pcscd's socket probe, and the
 * mapping of PC/SC return codes to typed errors. `PcscContext` (pcsc.ts) and `PcscCardLink`
 * (pcsc-link.ts) drive it.
 *
 * The binding's own context constructor spins forever when pcscd is not running, so the daemon's
 * socket is probed first, with a timeout.
 */
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import { NfcError } from './errors.js';

// The native classes of @pokusew/pcsclite. Its JavaScript wrapper starts a watcher thread per
// reader whose shutdown can race (the thread may exit without closing its libuv handle, and the
// process then never exits), so this file drives the native classes itself: one PnP watcher for
// the reader list (whose shutdown is sound), and card presence learnt by trying to connect.
export interface NativeCardReader {
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  _connect(shareMode: number, protocol: number, cb: (err: unknown, protocol: number) => void): void;
  _disconnect(disposition: number, cb: (err: unknown) => void): void;
  _transmit(
    data: Uint8Array,
    resLen: number,
    protocol: number,
    cb: (err: unknown, response: Uint8Array) => void,
  ): void;
}
export interface NativePcscLite {
  start(cb: (err: unknown, readers?: Uint8Array) => void): void;
  close(): number;
}
export interface NativeBinding {
  PCSCLite: new () => NativePcscLite;
  CardReader: new (name: string) => NativeCardReader;
}

/** PC/SC return codes this file names (pcsclite.h). */
export const PCSC_CODES = {
  SCARD_E_CANCELLED: 0x80100002,
  SCARD_E_INVALID_HANDLE: 0x80100003,
  SCARD_E_UNKNOWN_READER: 0x80100009,
  SCARD_E_TIMEOUT: 0x8010000a,
  SCARD_E_SHARING_VIOLATION: 0x8010000b,
  SCARD_E_NO_SMARTCARD: 0x8010000c,
  SCARD_E_PROTO_MISMATCH: 0x8010000f,
  SCARD_E_NOT_READY: 0x80100010,
  SCARD_F_COMM_ERROR: 0x80100013,
  SCARD_E_NOT_TRANSACTED: 0x80100016,
  SCARD_E_READER_UNAVAILABLE: 0x80100017,
  SCARD_E_NO_SERVICE: 0x8010001d,
  SCARD_E_SERVICE_STOPPED: 0x8010001e,
  SCARD_E_NO_READERS_AVAILABLE: 0x8010002e,
  SCARD_W_UNRESPONSIVE_CARD: 0x80100066,
  SCARD_W_UNPOWERED_CARD: 0x80100067,
  SCARD_W_RESET_CARD: 0x80100068,
  SCARD_W_REMOVED_CARD: 0x80100069,
} as const;

/** Largest response a transmit asks for: 65536 data bytes and SW1 SW2. */
export const MAX_RESPONSE = 65538;

/** Where pcscd listens (pcsc-lite's client honours PCSCLITE_CSOCK_NAME too). */
export function pcscdSocketPath(): string {
  return process.env.PCSCLITE_CSOCK_NAME || '/run/pcscd/pcscd.comm';
}

/** Resolves true when something accepts connections on pcscd's socket within `timeoutMs`. */
export function probePcscd(path: string = pcscdSocketPath(), timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ path });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

let cachedBinding: NativeBinding | undefined;

/**
 * Loads the native binding. Internal; `specifier` exists so tests can see the failure path.
 *
 * @throws NfcError `ERR_TRANSPORT` (reason `pcsclite-missing`) when it is not installed or not built.
 */
export function loadPcscLite(specifier = '@pokusew/pcsclite'): NativeBinding {
  const isDefault = specifier === '@pokusew/pcsclite';
  if (isDefault && cachedBinding !== undefined) return cachedBinding;
  const require = createRequire(import.meta.url);
  let lastError: unknown;
  for (const build of ['Release', 'Debug']) {
    try {
      const binding = require(`${specifier}/build/${build}/pcsclite.node`) as NativeBinding;
      if (typeof binding?.PCSCLite !== 'function' || typeof binding.CardReader !== 'function') {
        throw new TypeError(`${specifier} has no PCSCLite/CardReader classes`);
      }
      if (isDefault) cachedBinding = binding;
      return binding;
    } catch (e) {
      lastError = e;
    }
  }
  throw new NfcError(
    'ERR_TRANSPORT',
    'pcsclite-missing',
    `the PC/SC binding ${specifier} is not installed or not built: install the PC/SC headers and rebuild it ` +
      '(Debian/Ubuntu: `apt-get install libpcsclite-dev pcscd`, then `npm rebuild @pokusew/pcsclite`)',
    { cause: lastError },
  );
}

/** Reads the PC/SC return code out of the binding's error message, e.g. `…(0x80100069)`. */
export function pcscCodeOf(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /\(0x([0-9a-fA-F]{8})\)/.exec(message);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

/** Maps a PC/SC failure to a typed error. */
export function pcscError(error: unknown, what: string, reader?: string): NfcError {
  const code = pcscCodeOf(error);
  const where = reader === undefined ? '' : ` on reader "${reader}"`;
  const base = error instanceof Error ? error.message : String(error);
  const options = { cause: error, ...(code === undefined ? {} : { pcscCode: code }) };
  switch (code) {
    case PCSC_CODES.SCARD_W_REMOVED_CARD:
    case PCSC_CODES.SCARD_E_NO_SMARTCARD:
    case PCSC_CODES.SCARD_W_RESET_CARD:
    case PCSC_CODES.SCARD_W_UNPOWERED_CARD:
    case PCSC_CODES.SCARD_W_UNRESPONSIVE_CARD:
      return new NfcError(
        'ERR_DEVICE_GONE',
        'card-removed',
        `the card was removed${where} (${what}: ${base})`,
        options,
      );
    case PCSC_CODES.SCARD_E_NOT_TRANSACTED:
      // Contactless readers (and vpcd) report a card that left the field mid-exchange this way.
      return new NfcError(
        'ERR_DEVICE_GONE',
        'card-removed',
        `the card stopped answering${where}: it was probably taken away (${what}: ${base})`,
        options,
      );
    case PCSC_CODES.SCARD_E_UNKNOWN_READER:
    case PCSC_CODES.SCARD_E_READER_UNAVAILABLE:
      return new NfcError(
        'ERR_DEVICE_GONE',
        'reader-gone',
        `the reader is gone${where} (${what}: ${base})`,
        options,
      );
    case PCSC_CODES.SCARD_E_NO_SERVICE:
    case PCSC_CODES.SCARD_E_SERVICE_STOPPED:
    case PCSC_CODES.SCARD_F_COMM_ERROR:
      return new NfcError(
        'ERR_TRANSPORT',
        'pcscd-not-running',
        `pcscd stopped answering (${what}: ${base}); start it again (\`pcscd\` or \`systemctl start pcscd.socket\`)`,
        options,
      );
    case PCSC_CODES.SCARD_E_SHARING_VIOLATION:
      return new NfcError(
        'ERR_TRANSPORT',
        'reader-busy',
        `another program holds the card${where} (${what})`,
        options,
      );
    case PCSC_CODES.SCARD_E_NO_READERS_AVAILABLE:
      return new NfcError('ERR_TRANSPORT', 'no-reader', `no PC/SC reader is connected (${what})`, options);
    default:
      return new NfcError('ERR_TRANSPORT', 'pcsc-error', `PC/SC ${what} failed${where}: ${base}`, options);
  }
}

export function abortedError(signal: AbortSignal | undefined): NfcError {
  return new NfcError('ERR_ABORTED', 'aborted', 'the operation was aborted', {
    ...(signal?.reason === undefined ? {} : { cause: signal.reason }),
  });
}

/**
 * Runs `start` and settles with it, unless `timeoutMs` passes (rejects with `onTimeout()`) or
 * `signal` aborts (rejects with `ERR_ABORTED`) first.
 */
export function withDeadline<T>(
  start: () => Promise<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(onTimeout());
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    start().then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/**
 * Native reader handles, kept for the life of the process. The binding's CardReader destructor
 * reads a thread handle that only its status watcher sets (the wrapper always starts one; this file
 * never does), so a handle must never be garbage-collected. Handles are pooled per reader name and
 * reused; one that saw pcscd go away (stale context) is retired to `retiredReaders`, never freed.
 */
const freeReaders = new Map<string, NativeCardReader[]>();
const retiredReaders: NativeCardReader[] = [];

export function takeReader(binding: NativeBinding, name: string): NativeCardReader {
  return freeReaders.get(name)?.pop() ?? new binding.CardReader(name);
}

export function giveBackReader(name: string, reader: NativeCardReader, stale: boolean): void {
  if (stale) {
    retiredReaders.push(reader);
    return;
  }
  const free = freeReaders.get(name) ?? [];
  free.push(reader);
  freeReaders.set(name, free);
}

/** True for failures after which a native handle's own PC/SC context is no longer usable. */
export function staleContext(error: unknown): boolean {
  const code = error instanceof NfcError ? error.pcscCode : pcscCodeOf(error);
  return (
    code === PCSC_CODES.SCARD_E_INVALID_HANDLE ||
    code === PCSC_CODES.SCARD_E_NO_SERVICE ||
    code === PCSC_CODES.SCARD_E_SERVICE_STOPPED ||
    code === PCSC_CODES.SCARD_F_COMM_ERROR
  );
}

/** Settles on a later turn of the event loop: never run user code inside the binding's callback. */
export function later(fn: () => void): void {
  setImmediate(fn);
}
