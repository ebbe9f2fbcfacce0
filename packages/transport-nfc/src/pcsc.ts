/**
 * The PC/SC binding: the only file that loads `@pokusew/pcsclite` (an optional dependency, loaded
 * lazily). Lists readers, follows their state (card present or not), connects, transmits and
 * disconnects, and maps PC/SC return codes to typed errors.
 *
 * The binding's own context constructor spins forever when pcscd is not running, so the daemon's
 * socket is probed first, with a timeout.
 */
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import { NfcError } from './errors.js';
import type { ApduLink, TransmitOptions } from './transport.js';

// The native classes of @pokusew/pcsclite. Its JavaScript wrapper starts a watcher thread per
// reader whose shutdown can race (the thread may exit without closing its libuv handle, and the
// process then never exits), so this file drives the native classes itself: one PnP watcher for
// the reader list (whose shutdown is sound), and card presence learnt by trying to connect.
interface NativeCardReader {
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
interface NativePcscLite {
  start(cb: (err: unknown, readers?: Uint8Array) => void): void;
  close(): number;
}
interface NativeBinding {
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
const MAX_RESPONSE = 65538;

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

function abortedError(signal: AbortSignal | undefined): NfcError {
  return new NfcError('ERR_ABORTED', 'aborted', 'the operation was aborted', {
    ...(signal?.reason === undefined ? {} : { cause: signal.reason }),
  });
}

/**
 * Runs `start` and settles with it, unless `timeoutMs` passes (rejects with `onTimeout()`) or
 * `signal` aborts (rejects with `ERR_ABORTED`) first.
 */
function withDeadline<T>(
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

/** Options of {@link PcscContext.establish}. */
export interface PcscContextOptions {
  /** Milliseconds to reach pcscd and read the reader list (default 5000). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

function parseReaderNames(data: Uint8Array | undefined): string[] {
  if (data === undefined) return [];
  return new TextDecoder()
    .decode(data)
    .split('\0')
    .filter((name) => name.length > 0);
}

/**
 * Native reader handles, kept for the life of the process. The binding's CardReader destructor
 * reads a thread handle that only its status watcher sets (the wrapper always starts one; this file
 * never does), so a handle must never be garbage-collected. Handles are pooled per reader name and
 * reused; one that saw pcscd go away (stale context) is retired to `retiredReaders`, never freed.
 */
const freeReaders = new Map<string, NativeCardReader[]>();
const retiredReaders: NativeCardReader[] = [];

function takeReader(binding: NativeBinding, name: string): NativeCardReader {
  return freeReaders.get(name)?.pop() ?? new binding.CardReader(name);
}

function giveBackReader(name: string, reader: NativeCardReader, stale: boolean): void {
  if (stale) {
    retiredReaders.push(reader);
    return;
  }
  const free = freeReaders.get(name) ?? [];
  free.push(reader);
  freeReaders.set(name, free);
}

/** True for failures after which a native handle's own PC/SC context is no longer usable. */
function staleContext(error: unknown): boolean {
  const code = error instanceof NfcError ? error.pcscCode : pcscCodeOf(error);
  return (
    code === PCSC_CODES.SCARD_E_INVALID_HANDLE ||
    code === PCSC_CODES.SCARD_E_NO_SERVICE ||
    code === PCSC_CODES.SCARD_E_SERVICE_STOPPED ||
    code === PCSC_CODES.SCARD_F_COMM_ERROR
  );
}

/** Settles on a later turn of the event loop: never run user code inside the binding's callback. */
function later(fn: () => void): void {
  setImmediate(fn);
}

/**
 * A PC/SC context: the reader list, kept current by pcscd's hotplug notifications. Close it, or
 * the process cannot exit: it runs a native watcher thread.
 */
export class PcscContext {
  readonly #binding: NativeBinding;
  readonly #pcsc: NativePcscLite;
  #readers: string[] = [];
  #error: unknown;
  readonly #waiters = new Set<() => void>();
  #closed = false;

  private constructor(binding: NativeBinding, pcsc: NativePcscLite) {
    this.#binding = binding;
    this.#pcsc = pcsc;
  }

  /**
   * Connects to pcscd and reads the reader list.
   *
   * @throws NfcError `ERR_TRANSPORT` with reason `pcsclite-missing` (binding not built) or
   *   `pcscd-not-running`; `ERR_TIMEOUT`; `ERR_ABORTED`.
   */
  static async establish(options: PcscContextOptions = {}): Promise<PcscContext> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const binding = loadPcscLite();
    if (options.signal?.aborted) throw abortedError(options.signal);
    const socket = pcscdSocketPath();
    // The binding's constructor retries forever while pcscd is absent: look before leaping.
    if (!(await probePcscd(socket, Math.min(timeoutMs, 2000)))) {
      throw new NfcError(
        'ERR_TRANSPORT',
        'pcscd-not-running',
        `pcscd is not running (nothing listens on ${socket}); start it with \`pcscd\` or \`systemctl start pcscd.socket\``,
        { details: { socket } },
      );
    }
    let pcsc: NativePcscLite;
    try {
      pcsc = new binding.PCSCLite();
    } catch (e) {
      throw pcscError(e, 'SCardEstablishContext');
    }
    const context = new PcscContext(binding, pcsc);
    const firstList = new Promise<void>((resolve, reject) => {
      let first = true;
      pcsc.start((err, data) => {
        later(() => {
          if (err) context.#error = err;
          else context.#readers = parseReaderNames(data);
          if (first) {
            first = false;
            if (err) reject(err);
            else resolve();
          }
          context.#notify();
        });
      });
    });
    try {
      await withDeadline(
        () => firstList,
        timeoutMs,
        options.signal,
        () => new NfcError('ERR_TIMEOUT', 'timeout', `pcscd did not list its readers within ${timeoutMs} ms`),
      );
    } catch (e) {
      await context.close();
      throw e instanceof NfcError ? e : pcscError(e, 'SCardListReaders');
    }
    return context;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** The last error pcscd's reader watcher reported (e.g. pcscd stopped), if any. */
  get error(): unknown {
    return this.#error;
  }

  /** The names of the readers pcscd knows now. */
  readers(): string[] {
    return [...this.#readers];
  }

  /**
   * Waits for a reader named `name` to appear.
   *
   * @throws NfcError `ERR_TIMEOUT` (reason `reader-not-found`), `ERR_ABORTED`.
   */
  async waitForReader(
    name: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (this.#readers.includes(name)) return;
    let waiter: (() => void) | undefined;
    try {
      await withDeadline(
        () =>
          new Promise<void>((resolve) => {
            waiter = () => {
              if (this.#readers.includes(name) || this.#closed) resolve();
            };
            this.#waiters.add(waiter);
          }),
        timeoutMs,
        options.signal,
        () =>
          new NfcError(
            'ERR_TIMEOUT',
            'reader-not-found',
            `no reader "${name}" appeared within ${timeoutMs} ms`,
            {
              details: { readers: this.readers() },
            },
          ),
      );
    } finally {
      if (waiter !== undefined) this.#waiters.delete(waiter);
    }
  }

  /** A native reader handle from the pool; internal to {@link PcscCardLink}. */
  takeReader(name: string): NativeCardReader {
    if (this.#closed) throw new NfcError('ERR_DEVICE_GONE', 'closed', 'the PC/SC context is closed');
    return takeReader(this.#binding, name);
  }

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the context's watcher thread, so the process can exit. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#pcsc.close();
    } catch {
      // already stopped
    }
    this.#notify();
    this.#waiters.clear();
  }
}

/** Options of {@link PcscCardLink}. */
export interface PcscCardLinkOptions {
  /** Close the context with the link (default true). */
  ownsContext?: boolean;
  /** Milliseconds `connect()` waits for a card on the reader (default 10 000; 0 = one try). */
  cardTimeoutMs?: number;
  /** Milliseconds between connection attempts while waiting for a card (default 100). */
  pollIntervalMs?: number;
}

/**
 * An {@link ApduLink} over one PC/SC reader: connects (shared mode, T=0 or T=1) when a card is
 * there, transmits, and after the card was removed reconnects on the next `connect()`.
 */
export class PcscCardLink implements ApduLink {
  readonly #context: PcscContext;
  readonly #name: string;
  #ownsContext: boolean;
  readonly #cardTimeoutMs: number;
  readonly #pollIntervalMs: number;
  #card: { reader: NativeCardReader; protocol: number } | undefined;
  #session = 0;
  #busy: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(context: PcscContext, reader: string, options: PcscCardLinkOptions = {}) {
    this.#context = context;
    this.#name = reader;
    this.#ownsContext = options.ownsContext ?? true;
    this.#cardTimeoutMs = options.cardTimeoutMs ?? 10_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
  }

  /** The reader's name. */
  get reader(): string {
    return this.#name;
  }

  /** Makes the link close the context when it closes. */
  ownContext(): void {
    this.#ownsContext = true;
  }

  /** The PC/SC context the link uses. */
  get context(): PcscContext {
    return this.#context;
  }

  /** True while a card connection is open. */
  get connected(): boolean {
    return this.#card !== undefined;
  }

  /** Waits for the previous exchange (which may have outlived its timeout) to finish. */
  #idle(timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    return withDeadline(
      () => this.#busy.catch(() => undefined),
      timeoutMs,
      signal,
      () =>
        new NfcError(
          'ERR_TIMEOUT',
          'timeout',
          `the previous exchange with the card on "${this.#name}" is still running`,
        ),
    );
  }

  #tryConnect(): Promise<{ reader: NativeCardReader; protocol: number }> {
    const attempt = (retry: boolean) =>
      new Promise<{ reader: NativeCardReader; protocol: number }>((resolve, reject) => {
        const reader = this.#context.takeReader(this.#name);
        reader._connect(
          reader.SCARD_SHARE_SHARED,
          reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1,
          (err, protocol) =>
            later(() => {
              if (!err) {
                resolve({ reader, protocol });
                return;
              }
              const stale = staleContext(err);
              giveBackReader(this.#name, reader, stale);
              // A handle from before a pcscd restart holds a dead context: try once with a new one.
              if (stale && retry) attempt(false).then(resolve, reject);
              else reject(pcscError(err, 'SCardConnect', this.#name));
            }),
        );
      });
    const connecting = attempt(true);
    this.#busy = connecting;
    return connecting;
  }

  /**
   * Connects to the card, waiting up to `cardTimeoutMs` for one to be on the reader.
   *
   * @returns the session number (it changes on every new connection).
   * @throws NfcError `ERR_DEVICE_GONE` with reason `no-card` (none came in time), `reader-gone`;
   *   `ERR_TRANSPORT` (`pcscd-not-running`, `reader-busy`, …); `ERR_TIMEOUT`; `ERR_ABORTED`.
   */
  async connect(options: TransmitOptions = {}): Promise<number> {
    if (this.#closed) throw new NfcError('ERR_DEVICE_GONE', 'closed', 'the NFC link is closed');
    const timeoutMs = options.timeoutMs ?? 10_000;
    await this.#idle(timeoutMs, options.signal);
    if (this.#card !== undefined) return this.#session;
    const deadline = Date.now() + this.#cardTimeoutMs;
    for (;;) {
      try {
        this.#card = await withDeadline(
          () => this.#tryConnect(),
          timeoutMs,
          options.signal,
          () =>
            new NfcError(
              'ERR_TIMEOUT',
              'timeout',
              `connecting to the card on "${this.#name}" took over ${timeoutMs} ms`,
            ),
        );
        this.#session += 1;
        return this.#session;
      } catch (e) {
        const absent = e instanceof NfcError && e.reason === 'card-removed';
        if (!absent) throw e;
        if (Date.now() + this.#pollIntervalMs > deadline) {
          throw new NfcError(
            'ERR_DEVICE_GONE',
            'no-card',
            `no card on reader "${this.#name}"` +
              (this.#cardTimeoutMs > 0 ? ` (waited ${this.#cardTimeoutMs} ms)` : ''),
            { cause: e, ...(e.pcscCode === undefined ? {} : { pcscCode: e.pcscCode }) },
          );
        }
      }
      await withDeadline(
        () => new Promise((resolve) => setTimeout(resolve, this.#pollIntervalMs)),
        this.#pollIntervalMs + 1000,
        options.signal,
        () => new Error('unreachable'),
      );
    }
  }

  async transmit(apdu: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    if (this.#closed) throw new NfcError('ERR_DEVICE_GONE', 'closed', 'the NFC link is closed');
    const timeoutMs = options.timeoutMs ?? 10_000;
    // A transmit that timed out may still run in the binding's thread: never overlap two.
    await this.#idle(timeoutMs, options.signal);
    const card = this.#card;
    if (card === undefined) {
      throw new NfcError('ERR_DEVICE_GONE', 'card-removed', `no card is connected on "${this.#name}"`);
    }
    const exchange = new Promise<Uint8Array>((resolve, reject) => {
      card.reader._transmit(Buffer.from(apdu), MAX_RESPONSE, card.protocol, (err, response) =>
        later(() => {
          if (err) reject(pcscError(err, 'SCardTransmit', this.#name));
          else if (response.length < 2) {
            // No status word at all: the card went away while the reader waited for it.
            reject(
              new NfcError(
                'ERR_DEVICE_GONE',
                'card-removed',
                `the card on "${this.#name}" answered nothing (${response.length} bytes): it was probably removed`,
              ),
            );
          } else resolve(new Uint8Array(response.buffer, response.byteOffset, response.byteLength).slice());
        }),
      );
    });
    this.#busy = exchange;
    try {
      return await withDeadline(
        () => exchange,
        timeoutMs,
        options.signal,
        () =>
          new NfcError(
            'ERR_TIMEOUT',
            'timeout',
            `the card on "${this.#name}" did not answer within ${timeoutMs} ms`,
          ),
      );
    } catch (e) {
      if (e instanceof NfcError && (e.code === 'ERR_DEVICE_GONE' || e.reason === 'pcscd-not-running')) {
        await this.#drop();
      }
      throw e;
    }
  }

  /** Forgets the connection (after the card went away, or on close); the next connect() starts afresh. */
  async #drop(): Promise<void> {
    const card = this.#card;
    this.#card = undefined;
    if (card === undefined) return;
    const stale = await new Promise<boolean>((resolve) => {
      // A disconnect that never answers retires the handle rather than reusing it.
      const timer = setTimeout(() => resolve(true), 2000);
      try {
        card.reader._disconnect(card.reader.SCARD_LEAVE_CARD, (err) =>
          later(() => {
            clearTimeout(timer);
            resolve(err ? staleContext(err) : false);
          }),
        );
      } catch {
        clearTimeout(timer);
        resolve(true);
      }
    });
    giveBackReader(this.#name, card.reader, stale);
  }

  /** Disconnects from the card and, when it owns it, closes the context. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const idle = await this.#idle(2000, undefined).then(
      () => true,
      () => false,
    );
    if (idle) await this.#drop();
    if (this.#ownsContext) await this.#context.close();
  }
}
