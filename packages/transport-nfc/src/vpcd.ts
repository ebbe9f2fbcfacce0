/**
 * `VpcdCard`: a virtual FIDO card for vsmartcard's `vpcd` reader driver. vpcd (loaded by pcscd)
 * listens on TCP; the card connects to it and then answers what the reader sends, each message
 * framed as a 2-byte big-endian length and a payload. One-byte payloads are control messages
 * (0 power off, 1 power on, 2 reset, 4 get ATR — the only one answered); longer payloads are
 * command APDUs, answered with the response APDU.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { FidoApplet, type FidoAppletOptions } from './card.js';
import { NfcError } from './errors.js';

/** Options of {@link VpcdCard}. */
export interface VpcdCardOptions extends FidoAppletOptions {
  /** vpcd's host (default `'127.0.0.1'`). */
  host?: string;
  /** vpcd's port: 35963 for reader "Virtual PCD 00 00", 35964 for "… 00 01" (default 35963). */
  port?: number;
  /** The ATR the card answers with (default `3B 80 80 01 01`, a contactless card). */
  atr?: Uint8Array;
}

const VPCD_CTRL_OFF = 0;
const VPCD_CTRL_ON = 1;
const VPCD_CTRL_RESET = 2;
const VPCD_CTRL_ATR = 4;

/** The default ATR: 3B 80 80 01 01 (ISO 14443-4 card, no historical bytes). */
export const DEFAULT_ATR: Uint8Array = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);

/**
 * A virtual FIDO card on vpcd, playing a {@link FidoApplet} around an authenticator. `connect()`
 * puts the card on the reader; `close()` pulls it off.
 *
 * @example
 * ```ts
 * const card = new VpcdCard({ authenticator: new VirtualAuthenticator() });
 * await card.connect();                      // "Virtual PCD 00 00" now holds a card
 * const device = await openNfcAuthenticator('Virtual PCD 00 00');
 * // …
 * await device.close();
 * await card.close();
 * ```
 */
export class VpcdCard {
  #applet: FidoApplet;
  readonly #options: VpcdCardOptions;
  readonly #host: string;
  readonly #port: number;
  readonly #atr: Uint8Array;
  #socket: Socket | undefined;
  #buffer: Uint8Array = new Uint8Array(0);
  #queue: Promise<void> = Promise.resolve();
  #apdus = 0;

  constructor(options: VpcdCardOptions) {
    this.#options = options;
    this.#applet = new FidoApplet(options);
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 35963;
    this.#atr = options.atr ?? DEFAULT_ATR;
  }

  /** The applet the card plays (the authenticator's state survives a pull and re-insert, like a real key). */
  get applet(): FidoApplet {
    return this.#applet;
  }

  /**
   * Puts a different authenticator behind the card, as if another key had been tapped in the same
   * instant: the applet starts unselected, the reader sees no removal. A test convenience, so a
   * suite need not wait for pcscd to notice a new card for every test.
   */
  replaceAuthenticator(authenticator: FidoAppletOptions['authenticator']): void {
    this.#applet.reset();
    this.#applet = new FidoApplet({ ...this.#options, authenticator });
  }

  /** True while the card is on the reader (connected to vpcd). */
  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed;
  }

  /** How many command APDUs the card has answered (for tests). */
  get apduCount(): number {
    return this.#apdus;
  }

  /**
   * Connects to vpcd, retrying while it is not listening yet (pcscd starting).
   *
   * @throws NfcError `ERR_TIMEOUT` (reason `reader-not-found`) when vpcd does not accept within
   *   `timeoutMs` (default 10 000); `ERR_ABORTED`.
   */
  async connect(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.connected) return;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      if (options.signal?.aborted)
        throw new NfcError('ERR_ABORTED', 'aborted', 'connecting to vpcd was aborted');
      try {
        this.#socket = await this.#open(Math.max(1, deadline - Date.now()));
        return;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() + 100 > deadline) {
        throw new NfcError(
          'ERR_TIMEOUT',
          'reader-not-found',
          `vpcd did not accept a card on ${this.#host}:${this.#port} within ${timeoutMs} ms (is pcscd running with vsmartcard-vpcd?)`,
          { cause: lastError },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #open(timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: this.#host, port: this.#port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        this.#buffer = new Uint8Array(0);
        socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          if (this.#socket === socket) {
            this.#socket = undefined;
            this.#applet.reset();
          }
        });
        resolve(socket);
      });
    });
  }

  #onData(socket: Socket, chunk: Buffer): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    let offset = 0;
    while (joined.length - offset >= 2) {
      const length = (joined[offset]! << 8) | joined[offset + 1]!;
      if (joined.length - offset - 2 < length) break;
      const payload = joined.slice(offset + 2, offset + 2 + length);
      offset += 2 + length;
      this.#queue = this.#queue.then(() => this.#handle(socket, payload));
    }
    this.#buffer = joined.slice(offset);
  }

  async #handle(socket: Socket, payload: Uint8Array): Promise<void> {
    if (socket.destroyed) return;
    if (payload.length === 1) {
      switch (payload[0]) {
        case VPCD_CTRL_OFF:
        case VPCD_CTRL_ON:
        case VPCD_CTRL_RESET:
          this.#applet.reset();
          return;
        case VPCD_CTRL_ATR:
          this.#send(socket, this.#atr);
          return;
        default:
          return;
      }
    }
    if (payload.length === 0) return;
    this.#apdus += 1;
    const answer = await this.#applet.process(payload);
    this.#send(socket, answer);
  }

  #send(socket: Socket, payload: Uint8Array): void {
    if (socket.destroyed) return;
    const frame = Buffer.alloc(2 + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, 2);
    socket.write(frame);
  }

  /** Pulls the card off the reader (closes the TCP connection). Idempotent. */
  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#applet.reset();
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.destroy();
    });
  }
}
