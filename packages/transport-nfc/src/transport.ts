/**
 * `NfcTransport`: a {@link CtapDevice} over ISO 7816-4 APDUs. It talks to an {@link ApduLink}
 * (PC/SC in production, anything that moves APDUs in tests) and owns the CTAP-over-NFC rules:
 * SELECT first, NFCCTAP_MSG, `9100` keepalives polled with NFCCTAP_GETRESPONSE, extended APDUs
 * preferred with command chaining as the fallback, `61xx`/`6Cxx` answered.
 */
import { concatBytes, InvalidArgumentError } from '@fido2kit/cose';
import {
  abortableSleep,
  type CallOptions,
  type CommandApdu,
  type CtapDevice,
  decodeCommandApdu,
  decodeResponseApdu,
  EXTENDED_MAX_LE,
  encodeCommandApdu,
  encodeResponseApdu,
  fitsShortApdu,
  type KeepaliveStatus,
  type ResponseApdu,
  SHORT_MAX_LE,
} from '@fido2kit/ctap2';
import {
  chainCommand,
  type FidoAppletVersion,
  getResponseCommand,
  keepaliveStatus,
  nfcctapGetResponseCommand,
  nfcctapMsgCommand,
  parseSelectResponse,
  SW,
  SW1_MORE_DATA,
  SW1_WRONG_LE,
  selectFidoCommand,
} from './apdu.js';
import { hexSw, NfcError } from './errors.js';

/** Options of one {@link ApduLink.transmit}. */
export interface TransmitOptions {
  signal?: AbortSignal | undefined;
  /** Milliseconds before the exchange fails with `ERR_TIMEOUT`. */
  timeoutMs?: number | undefined;
}

/**
 * What moves APDUs to a card and back: one command APDU in, one response APDU (data ‖ SW) out.
 */
export interface ApduLink {
  /**
   * Makes sure a card is connected (reconnecting after it was removed and put back) and resolves
   * with a session number that changes on every new connection, so the transport knows when to
   * SELECT the applet again.
   */
  connect(options?: TransmitOptions): Promise<number>;
  /** One APDU exchange on the current connection; never reconnects by itself. */
  transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<Uint8Array>;
  /** Ends the connection and releases the reader. */
  close(): Promise<void>;
}

/** How APDUs are framed: extended first with a fallback to chaining, or one of them only. */
export type ApduMode = 'auto' | 'extended' | 'short';

/** Options of {@link NfcTransport.open}. */
export interface NfcTransportOptions {
  /** `'auto'` (default) tries extended APDUs and falls back to short APDUs with chaining on `6700`. */
  apdu?: ApduMode;
  /** Milliseconds a CTAP2 command may take, keepalives included (default 120 000). */
  timeoutMs?: number;
  /** Milliseconds one APDU exchange may take (default 10 000). */
  exchangeTimeoutMs?: number;
  /** Milliseconds between NFCCTAP_GETRESPONSE polls after a `9100` (default 10). */
  pollIntervalMs?: number;
  /** Cancels the SELECT. */
  signal?: AbortSignal;
}

function aborted(signal: AbortSignal | undefined): NfcError {
  return new NfcError('ERR_ABORTED', 'aborted', 'the operation was aborted', {
    ...(signal?.reason === undefined ? {} : { cause: signal.reason }),
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, aborted);
}

/**
 * A CTAP authenticator reached over NFC (or any ISO 7816-4 link). Implements {@link CtapDevice}
 * with `transport: 'nfc'`.
 *
 * - `cbor()` sends NFCCTAP_MSG with P1 = 0x80; each `9100` answer is reported through
 *   `onKeepalive` (`processing` / `user-presence-needed`) and polled with NFCCTAP_GETRESPONSE.
 *   Aborting sends NFCCTAP_GETRESPONSE with P1 = 0x11 (cancel) and rejects with `ERR_ABORTED`.
 * - `msg()` passes a CTAP1/U2F APDU through, re-framed for the link (extended or chained).
 * - Extended APDUs are preferred; a `6700` to the first extended APDU switches to short APDUs
 *   with command chaining and `61xx` GET RESPONSE for the rest of the session.
 *
 * @example
 * ```ts
 * const device = await openNfcAuthenticator();
 * const ctap = await Ctap2.open(device);
 * ```
 */
export class NfcTransport implements CtapDevice {
  readonly transport = 'nfc' as const;
  readonly #link: ApduLink;
  readonly #mode: ApduMode;
  readonly #timeoutMs: number;
  readonly #exchangeTimeoutMs: number;
  readonly #pollIntervalMs: number;
  #extended: boolean;
  #extendedConfirmed: boolean;
  #version: FidoAppletVersion = 'U2F_V2';
  #selectedSession = Number.NaN;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(link: ApduLink, options: NfcTransportOptions) {
    this.#link = link;
    this.#mode = options.apdu ?? 'auto';
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#exchangeTimeoutMs = options.exchangeTimeoutMs ?? 10_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 10;
    this.#extended = this.#mode !== 'short';
    this.#extendedConfirmed = this.#mode === 'extended';
  }

  /**
   * Selects the FIDO applet on the card behind `link` and returns the transport.
   *
   * @throws NfcError `ERR_NOT_SUPPORTED` (reason `not-fido`) when the card has no FIDO applet;
   *   the link's own errors (`ERR_DEVICE_GONE`, `ERR_TRANSPORT`, `ERR_TIMEOUT`) as they come.
   */
  static async open(link: ApduLink, options: NfcTransportOptions = {}): Promise<NfcTransport> {
    const transport = new NfcTransport(link, options);
    await transport.#serialize(() => transport.#ensureSelected(options.signal));
    return transport;
  }

  /** What the applet answered to SELECT: `'U2F_V2'` (CTAP2 and U2F) or `'FIDO_2_0'` (CTAP2 only). */
  get version(): FidoAppletVersion {
    return this.#version;
  }

  /** True while the transport sends extended APDUs; false after falling back to chaining. */
  get extendedApdus(): boolean {
    return this.#extended;
  }

  /** Sends a CTAP2 request (command byte ‖ CBOR); resolves with status byte ‖ CBOR. */
  cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    if (!(request instanceof Uint8Array) || request.length === 0) {
      return Promise.reject(
        new InvalidArgumentError('"request" expected a non-empty Uint8Array (command byte ‖ CBOR)'),
      );
    }
    const copy = request.slice();
    return this.#call(options, (deadline) => this.#cbor(copy, options, deadline));
  }

  /** Sends a CTAP1/U2F APDU; resolves with response data ‖ SW1 SW2. */
  msg(apdu: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    let command: CommandApdu;
    try {
      if (!(apdu instanceof Uint8Array)) throw new InvalidArgumentError('"apdu" expected Uint8Array');
      command = decodeCommandApdu(apdu);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#call(options, async (deadline) => {
      const answer = await this.#exchange(
        { ...command, le: command.le ?? EXTENDED_MAX_LE },
        options.signal,
        deadline,
      );
      return encodeResponseApdu(answer.data, answer.sw);
    });
  }

  /** Closes the link (and with PC/SC, the reader and the context). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#link.close();
  }

  #call<T>(options: CallOptions, fn: (deadline: number) => Promise<T>): Promise<T> {
    if (this.#closed)
      return Promise.reject(new NfcError('ERR_DEVICE_GONE', 'closed', 'the NFC transport is closed'));
    if (options.signal?.aborted) return Promise.reject(aborted(options.signal));
    return this.#serialize(async () => {
      const deadline = Date.now() + this.#timeoutMs;
      await this.#ensureSelected(options.signal);
      return fn(deadline);
    });
  }

  #serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #ensureSelected(signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + this.#exchangeTimeoutMs;
    for (;;) {
      try {
        await this.#selectOnce(signal);
        return;
      } catch (e) {
        // Right after a card came back, PC/SC may still hold the connection of the card that left:
        // the link drops it on the first failure and the next try connects to the card now there.
        const again = e instanceof NfcError && e.reason === 'card-removed' && Date.now() + 100 < deadline;
        if (!again) throw e;
        await sleep(100, signal);
      }
    }
  }

  async #selectOnce(signal: AbortSignal | undefined): Promise<void> {
    const session = await this.#link.connect({ signal, timeoutMs: this.#exchangeTimeoutMs });
    if (session === this.#selectedSession) return;
    // A new card session (maybe another card): learn its APDU framing afresh.
    this.#extended = this.#mode !== 'short';
    this.#extendedConfirmed = this.#mode === 'extended';
    const deadline = Date.now() + this.#exchangeTimeoutMs;
    // SELECT always goes short: every card takes it, and its answer is short.
    const answer = await this.#exchangeShort(selectFidoCommand(), signal, deadline);
    if (answer.sw !== SW.OK) {
      throw new NfcError(
        'ERR_NOT_SUPPORTED',
        'not-fido',
        `the card has no FIDO applet (SELECT answered ${hexSw(answer.sw)})`,
        {
          sw: answer.sw,
        },
      );
    }
    const version = parseSelectResponse(answer.data);
    if (version === undefined) {
      throw new NfcError(
        'ERR_NOT_SUPPORTED',
        'not-fido',
        'the FIDO applet answered SELECT with an unknown version',
        {
          details: { data: Array.from(answer.data) },
        },
      );
    }
    this.#version = version;
    this.#selectedSession = session;
  }

  async #cbor(request: Uint8Array, options: CallOptions, deadline: number): Promise<Uint8Array> {
    const { signal, onKeepalive } = options;
    let answer = await this.#exchange(nfcctapMsgCommand(request, { le: EXTENDED_MAX_LE }), signal, deadline);
    let last: KeepaliveStatus | undefined;
    while (answer.sw === SW.STATUS_UPDATE) {
      const status = keepaliveStatus(answer.data);
      if (status !== last) {
        last = status;
        try {
          onKeepalive?.(status);
        } catch {
          // a throwing callback must not break the exchange
        }
      }
      if (signal?.aborted) return this.#cancel(signal, deadline);
      if (Date.now() > deadline) {
        await this.#cancel(undefined, deadline).catch(() => undefined);
        throw new NfcError(
          'ERR_TIMEOUT',
          'timeout',
          `the authenticator did not finish within ${this.#timeoutMs} ms`,
        );
      }
      try {
        await sleep(this.#pollIntervalMs, signal);
      } catch {
        return this.#cancel(signal, deadline);
      }
      answer = await this.#exchange(nfcctapGetResponseCommand({ le: EXTENDED_MAX_LE }), undefined, deadline);
    }
    if (answer.sw !== SW.OK) {
      throw new NfcError(
        'ERR_INVALID_RESPONSE',
        'apdu-status',
        `the authenticator answered NFCCTAP_MSG with ${hexSw(answer.sw)}`,
        {
          sw: answer.sw,
        },
      );
    }
    if (answer.data.length === 0) {
      throw new NfcError(
        'ERR_INVALID_RESPONSE',
        'apdu-status',
        'the authenticator answered NFCCTAP_MSG with no status byte',
      );
    }
    return answer.data;
  }

  /** Asks the card to cancel the pending command (NFCCTAP_GETRESPONSE, P1 = 0x11), then rejects. */
  async #cancel(signal: AbortSignal | undefined, deadline: number): Promise<never> {
    await this.#exchange(
      nfcctapGetResponseCommand({ cancel: true, le: EXTENDED_MAX_LE }),
      undefined,
      deadline,
    ).catch(() => undefined);
    throw aborted(signal);
  }

  /** One logical command: framed extended or chained, with the `61xx`/`6Cxx` follow-ups. */
  async #exchange(
    command: CommandApdu,
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<ResponseApdu> {
    if (this.#extended) {
      const bytes = encodeCommandApdu(command, 'extended');
      let answer: ResponseApdu;
      try {
        answer = await this.#transmit(bytes, signal, deadline);
      } catch (e) {
        // A reader that cannot carry extended APDUs may fail the transmission itself.
        if (!this.#extendedConfirmed && this.#mode === 'auto' && (e as NfcError).reason === 'pcsc-error') {
          this.#extended = false;
          return this.#exchangeShort(command, signal, deadline);
        }
        throw e;
      }
      if (answer.sw === SW.WRONG_LENGTH && !this.#extendedConfirmed && this.#mode === 'auto') {
        this.#extended = false;
        return this.#exchangeShort(command, signal, deadline);
      }
      if (answer.sw !== SW.WRONG_LENGTH) this.#extendedConfirmed = true;
      return this.#followUp(answer, bytes, signal, deadline);
    }
    return this.#exchangeShort(command, signal, deadline);
  }

  async #exchangeShort(
    command: CommandApdu,
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<ResponseApdu> {
    const shortCommand = {
      ...command,
      le: command.le === undefined ? undefined : Math.min(command.le, SHORT_MAX_LE),
    };
    const parts = fitsShortApdu(shortCommand) ? [shortCommand] : chainCommand(shortCommand);
    for (let i = 0; i < parts.length - 1; i++) {
      const answer = await this.#transmit(encodeCommandApdu(parts[i]!, 'short'), signal, deadline);
      if (answer.sw !== SW.OK) return answer;
    }
    const lastBytes = encodeCommandApdu(parts[parts.length - 1]!, 'short');
    const answer = await this.#transmit(lastBytes, signal, deadline);
    return this.#followUp(answer, lastBytes, signal, deadline);
  }

  /** Answers `6Cxx` (send again with Le = xx) and `61xx` (GET RESPONSE until done). */
  async #followUp(
    first: ResponseApdu,
    sent: Uint8Array,
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<ResponseApdu> {
    let answer = first;
    if (answer.sw >> 8 === SW1_WRONG_LE) {
      const again = decodeCommandApdu(sent);
      const le = answer.sw & 0xff || 256;
      answer = await this.#transmit(encodeCommandApdu({ ...again, le }, 'short'), signal, deadline);
    }
    const parts: Uint8Array[] = [answer.data];
    let rounds = 0;
    while (answer.sw >> 8 === SW1_MORE_DATA) {
      if (++rounds > 1024) {
        throw new NfcError(
          'ERR_INVALID_RESPONSE',
          'apdu-status',
          'the card announced more data (61xx) over 1024 times',
        );
      }
      answer = await this.#transmit(
        encodeCommandApdu(getResponseCommand(answer.sw & 0xff), 'short'),
        signal,
        deadline,
      );
      parts.push(answer.data);
    }
    return { data: parts.length === 1 ? answer.data : concatBytes(...parts), sw: answer.sw };
  }

  async #transmit(
    apdu: Uint8Array,
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<ResponseApdu> {
    if (signal?.aborted) throw aborted(signal);
    const left = Math.max(1, Math.min(this.#exchangeTimeoutMs, deadline - Date.now()));
    const bytes = await this.#link.transmit(apdu, { signal, timeoutMs: left });
    if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
      throw new NfcError('ERR_INVALID_RESPONSE', 'apdu-malformed', 'the card answered without a status word');
    }
    return decodeResponseApdu(bytes);
  }
}
