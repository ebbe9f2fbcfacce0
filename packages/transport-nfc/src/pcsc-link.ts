/** A card in a PC/SC reader as an {@link ApduLink}: connect, transmit, reconnect after a removal. */
import { NfcError } from './errors.js';
import type { PcscContext } from './pcsc.js';
import {
  giveBackReader,
  later,
  MAX_RESPONSE,
  type NativeCardReader,
  pcscError,
  staleContext,
  withDeadline,
} from './pcsc-binding.js';
import type { ApduLink, TransmitOptions } from './transport.js';

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
      timedOut(`the previous exchange with the card on "${this.#name}" is still running`),
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
          timedOut(`connecting to the card on "${this.#name}" took over ${timeoutMs} ms`),
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
        timedOut(`the card on "${this.#name}" did not answer within ${timeoutMs} ms`),
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

/** The `onTimeout` of {@link withDeadline}: `ERR_TIMEOUT` with `message`. */
function timedOut(message: string): () => NfcError {
  return () => new NfcError('ERR_TIMEOUT', 'timeout', message);
}
