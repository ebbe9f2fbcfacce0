/**
 * The host side of CTAPBLE (CTAP 2.1 §11.4): a {@link CtapDevice} over any {@link BleConnection}.
 */
import { equalBytes, InvalidArgumentError } from '@fido2kit/cose';
import {
  type CallOptions,
  CallQueue,
  type CtapDevice,
  resolveRetryOptions,
  sendWithRetries,
  type TransportRetryOptions,
} from '@fido2kit/ctap2';
import { checkBytes, sleep, throwIfAborted } from './_options.js';
import type { BleConnection } from './connection.js';
import { BleError } from './errors.js';
import { bleDeviceError, type ExchangeLink, exchange, type PendingExchange } from './exchange.js';
import {
  ATT_HEADER_SIZE,
  CTAPBLE_COMMANDS,
  CTAPBLE_ERRORS,
  DEFAULT_ATT_MTU,
  decodeControlPointLength,
  decodeServiceRevisions,
  MAX_ATT_MTU,
  MAX_MESSAGE_LENGTH,
  SERVICE_REVISION,
  type ServiceRevisions,
} from './framing.js';

/** The protocol revision in use on a link. */
export type BleProtocolRevision = 'fido2' | 'u2f-1.2' | 'u2f-1.1' | 'u2f-1.0';

/**
 * Options of {@link BleTransport.open}: the revision to select, then timeouts and retries ("busy"
 * is CTAPBLE ERR_BUSY; the nonce source feeds the resynchronising PING).
 */
export interface BleTransportOptions extends TransportRetryOptions {
  /**
   * Which revision to select in fidoServiceRevisionBitfield: `'auto'` (default) picks FIDO2 when
   * offered, else U2F 1.2, else U2F 1.1; `'fido2'` refuses an authenticator without CTAP2; `'u2f'`
   * selects a U2F revision (the CTAP1 fallback).
   */
  protocol?: 'auto' | 'fido2' | 'u2f';
}

/** What the link and the authenticator's FIDO service said during {@link BleTransport.open}. */
export interface BleDeviceInfo {
  /** The ATT MTU of the link. */
  mtu: number;
  /** fidoControlPointLength. */
  controlPointLength: number;
  /** The fragment size in use: `min(controlPointLength, mtu − 3)`. */
  maxFragmentLength: number;
  /** fidoServiceRevisionBitfield as announced, or `undefined` when the characteristic is absent (U2F 1.0). */
  revisions: ServiceRevisions | undefined;
  /** The revision selected for this link. */
  revision: BleProtocolRevision;
  /** True when CTAP2 messages may be sent ({@link BleTransport.cbor}). */
  cbor: boolean;
}

const NONCE_SIZE = 8;

/**
 * A CTAP authenticator over Bluetooth LE: CTAP2 and U2F messages with CTAPBLE MSG, fragments sized
 * to `min(fidoControlPointLength, ATT MTU − 3)`, keepalives reported through `onKeepalive`, CANCEL
 * on abort, ERR_BUSY retried with backoff, and a timeout on every wait. Calls are serialised;
 * after any fault the next call first resynchronises with a nonce PING, so the leftovers of one
 * bad message do not poison the next.
 *
 * @example
 * ```ts
 * const device = await BleTransport.open(connection);
 * const ctap = await Ctap2.open(device);
 * ```
 */
export class BleTransport implements CtapDevice {
  /** Always `'ble'`. */
  readonly transport = 'ble' as const;
  readonly #connection: BleConnection;
  readonly #protocol: 'auto' | 'fido2' | 'u2f';
  readonly #retry: Required<TransportRetryOptions>;
  #info!: BleDeviceInfo;
  readonly #queue = new CallQueue(async (signal) => {
    if (this.#closed) throw new BleError('ERR_DEVICE_GONE', 'closed', 'the Bluetooth transport is closed');
    if (this.#gone !== undefined) throw this.#gone;
    throwIfAborted(signal);
    if (this.#needsResync) await this.#resync(signal);
  });
  #pending: PendingExchange | undefined;
  #gone: BleError | undefined;
  #needsResync = false;
  #closed = false;

  private constructor(connection: BleConnection, options: BleTransportOptions) {
    this.#connection = connection;
    const protocol = options.protocol ?? 'auto';
    if (protocol !== 'auto' && protocol !== 'fido2' && protocol !== 'u2f') {
      throw new InvalidArgumentError(`"protocol" expected 'auto', 'fido2' or 'u2f', got ${String(protocol)}`);
    }
    this.#protocol = protocol;
    this.#retry = resolveRetryOptions(options);
  }

  /**
   * Sets the link up as CTAP 2.1 §11.4 orders: selects a revision in fidoServiceRevisionBitfield,
   * reads fidoControlPointLength, subscribes to fidoStatus. On failure the connection is closed.
   * @param connection - a connected {@link BleConnection}.
   * @param options - revision choice, timeouts and retries.
   * @returns the transport.
   * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` for bad options; BleError `ERR_INVALID_RESPONSE` (`bad-characteristic`)
   *   for a control point length outside 20…512 or an MTU outside 23…517; `ERR_NOT_SUPPORTED`
   *   (`no-common-revision`) when no offered revision fits `protocol`; `ERR_DEVICE_GONE`, `ERR_TRANSPORT`
   *   from the connection.
   */
  static async open(
    connection: BleConnection,
    options: BleTransportOptions & { signal?: AbortSignal } = {},
  ): Promise<BleTransport> {
    if (connection === null || typeof connection !== 'object') {
      throw new InvalidArgumentError('"connection" expected a BleConnection');
    }
    const transport = new BleTransport(connection, options);
    try {
      throwIfAborted(options.signal);
      await transport.#setup();
    } catch (e) {
      await connection.close().catch(() => {});
      throw e;
    }
    return transport;
  }

  /** The link's facts: MTU, control point length, fragment size, revisions. */
  get info(): BleDeviceInfo {
    return this.#info;
  }

  /**
   * Sends a CTAP2 request (`command byte ‖ CBOR`) in a MSG frame; resolves with `status byte ‖ CBOR`.
   * Abort sends CANCEL and rejects with `ERR_ABORTED` once the authenticator has answered
   * (normally CTAP2_ERR_KEEPALIVE_CANCEL) or `cancelTimeoutMs` passed.
   * @param request - the CTAP2 command byte and its CBOR parameters.
   * @param options - abort signal and keepalive callback.
   * @returns the status byte and the CBOR response.
   * @throws BleError `ERR_ABORTED`, `ERR_TIMEOUT`, `ERR_DEVICE_GONE`, `ERR_INVALID_RESPONSE`,
   *   `ERR_REQUEST_TOO_LARGE`, `ERR_NOT_SUPPORTED` (no FIDO2 revision selected); InvalidArgumentError
   *   `ERR_INVALID_ARGUMENT` (thrown, not rejected) when `request` is not a Uint8Array; CtapError
   *   `CTAP1_ERR_*` when the authenticator answers ERROR.
   */
  cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(request, 'request');
    return this.#serial(options.signal, async () => {
      if (!this.#info.cbor) {
        throw new BleError(
          'ERR_NOT_SUPPORTED',
          'no-common-revision',
          `CTAP2 needs the FIDO2 revision; this link uses ${this.#info.revision}`,
        );
      }
      return this.#call(CTAPBLE_COMMANDS.MSG, request, options);
    });
  }

  /**
   * Sends a CTAP1/U2F APDU in a MSG frame; resolves with `data ‖ SW1 SW2`. On a FIDO2 link the
   * APDU's first byte (CLA 0x00) tells the authenticator it is U2F.
   * @param apdu - the U2F APDU.
   * @param options - abort signal and keepalive callback.
   * @returns the response data and status word.
   * @throws as {@link BleTransport.cbor}.
   */
  msg(apdu: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(apdu, 'apdu');
    return this.#serial(options.signal, () => this.#call(CTAPBLE_COMMANDS.MSG, apdu, options));
  }

  /**
   * PING: sends `data` and checks that the authenticator echoes it.
   * @param data - up to 65535 bytes.
   * @param options - abort signal.
   * @returns the echo.
   * @throws BleError `ERR_INVALID_RESPONSE` when the echo differs; as {@link BleTransport.cbor}.
   */
  ping(data: Uint8Array = new Uint8Array(0), options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(data, 'data');
    return this.#serial(options.signal, async () => {
      const echo = await this.#call(CTAPBLE_COMMANDS.PING, data, options);
      if (!equalBytes(echo, data)) {
        this.#needsResync = true;
        throw new BleError(
          'ERR_INVALID_RESPONSE',
          'framing',
          'PING: the authenticator did not echo the data',
        );
      }
      return echo;
    });
  }

  /** Closes the connection; later calls reject with `ERR_DEVICE_GONE`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.idle();
    await this.#connection.close().catch(() => {});
  }

  // ——— setup ———

  async #setup(): Promise<void> {
    const connection = this.#connection;
    const mtu = connection.mtu;
    if (!Number.isInteger(mtu) || mtu < DEFAULT_ATT_MTU || mtu > MAX_ATT_MTU) {
      throw new BleError(
        'ERR_INVALID_RESPONSE',
        'bad-characteristic',
        `the link's ATT MTU is ${String(mtu)}; expected ${DEFAULT_ATT_MTU}..${MAX_ATT_MTU}`,
      );
    }
    const raw = await connection.readServiceRevisionBitfield();
    let revisions: ServiceRevisions | undefined;
    if (raw !== undefined) {
      revisions = decodeServiceRevisions(raw);
      if (revisions === undefined) {
        throw new BleError(
          'ERR_INVALID_RESPONSE',
          'bad-characteristic',
          'fidoServiceRevisionBitfield is empty',
        );
      }
    }
    const revision = this.#choose(revisions);
    if (revisions !== undefined) {
      const bit =
        revision === 'fido2'
          ? SERVICE_REVISION.FIDO2
          : revision === 'u2f-1.2'
            ? SERVICE_REVISION.U2F_1_2
            : SERVICE_REVISION.U2F_1_1;
      await connection.writeServiceRevisionBitfield(Uint8Array.of(bit));
    }
    const cplRaw = await connection.readControlPointLength();
    const controlPointLength = decodeControlPointLength(cplRaw);
    if (controlPointLength === undefined) {
      throw new BleError(
        'ERR_INVALID_RESPONSE',
        'bad-characteristic',
        'fidoControlPointLength is not a 2-byte value in 20..512',
        { details: { value: Array.from(cplRaw ?? []) } },
      );
    }
    this.#info = {
      mtu,
      controlPointLength,
      maxFragmentLength: Math.min(controlPointLength, mtu - ATT_HEADER_SIZE),
      revisions,
      revision,
      cbor: revision === 'fido2',
    };
    connection.onDisconnect((cause) => this.#lost(cause));
    await connection.subscribeStatus((fragment) => this.#pending?.fragment(fragment));
  }

  #choose(revisions: ServiceRevisions | undefined): BleProtocolRevision {
    const wanted = this.#protocol;
    if (revisions === undefined) {
      if (wanted === 'fido2')
        throw noRevision('the authenticator has no fidoServiceRevisionBitfield (U2F 1.0 only)');
      return 'u2f-1.0';
    }
    if (revisions.fido2 && wanted !== 'u2f') return 'fido2';
    if (wanted === 'fido2')
      throw noRevision(`the authenticator offers no FIDO2 revision (bits 0x${hex(revisions.bits)})`);
    if (revisions.u2f12) return 'u2f-1.2';
    if (revisions.u2f11) return 'u2f-1.1';
    throw noRevision(
      `the authenticator offers no revision this client speaks (bits 0x${hex(revisions.bits)})`,
    );
  }

  #lost(cause: unknown): void {
    if (this.#gone !== undefined) return;
    this.#gone = new BleError(
      'ERR_DEVICE_GONE',
      'disconnected',
      'the Bluetooth link to the authenticator was lost',
      {
        cause,
      },
    );
    this.#pending?.gone(this.#gone);
  }

  /** What one exchange needs of this transport. */
  #link(): ExchangeLink {
    return {
      connection: this.#connection,
      maxFragmentLength: this.#info.maxFragmentLength,
      timeoutMs: this.#retry.timeoutMs,
      maxDurationMs: this.#retry.maxDurationMs,
      cancelTimeoutMs: this.#retry.cancelTimeoutMs,
      attach: (pending) => {
        this.#pending = pending;
      },
      gone: () => this.#gone,
      resyncNeeded: () => {
        this.#needsResync = true;
      },
    };
  }

  // ——— calls ———

  #serial<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    return this.#queue.run(signal, work);
  }

  /** One request/response, with ERR_BUSY and resend retries. */
  async #call(cmd: number, payload: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    if (payload.length > MAX_MESSAGE_LENGTH) {
      throw new BleError(
        'ERR_REQUEST_TOO_LARGE',
        'framing',
        `the request is ${payload.length} bytes; CTAPBLE carries at most ${MAX_MESSAGE_LENGTH}`,
      );
    }
    return sendWithRetries({
      send: async () => {
        const r = await exchange(this.#link(), cmd, payload, options);
        return r.kind === 'response' ? { kind: 'response', value: r.data } : r;
      },
      busyCode: CTAPBLE_ERRORS.ERR_BUSY,
      resendCodes: [CTAPBLE_ERRORS.ERR_INVALID_SEQ, CTAPBLE_ERRORS.ERR_REQ_TIMEOUT],
      options: this.#retry,
      sleep: (ms) => sleep(ms, options.signal),
      fail: (code) => bleDeviceError(code, cmd),
    });
  }

  /** A nonce PING whose echo marks the end of whatever an abandoned exchange left in flight. */
  async #resync(signal: AbortSignal | undefined): Promise<void> {
    const nonce = this.#retry.randomBytes(NONCE_SIZE);
    if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_SIZE) {
      throw new InvalidArgumentError('"randomBytes" expected to return a Uint8Array of length 8');
    }
    const result = await exchange(this.#link(), CTAPBLE_COMMANDS.PING, nonce, { signal }, (data) =>
      equalBytes(data, nonce),
    );
    if (result.kind === 'error') throw bleDeviceError(result.code, CTAPBLE_COMMANDS.PING);
    this.#needsResync = false;
  }
}

// ——— helpers ———

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function noRevision(message: string): BleError {
  return new BleError('ERR_NOT_SUPPORTED', 'no-common-revision', message);
}
