/**
 * A PC/SC context: the reader list, kept current by pcscd's hotplug notifications, over the
 * binding in pcsc-binding.ts.
 */
import { NfcError } from './errors.js';
import {
  abortedError,
  later,
  loadPcscLite,
  type NativeBinding,
  type NativeCardReader,
  type NativePcscLite,
  pcscdSocketPath,
  pcscError,
  probePcscd,
  takeReader,
  withDeadline,
} from './pcsc-binding.js';

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
