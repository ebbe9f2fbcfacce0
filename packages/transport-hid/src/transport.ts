/**
 * The host side of CTAPHID (CTAP 2.1 §11.2): a {@link CtapDevice} over any {@link HidConnection}.
 */
import { equalBytes, InvalidArgumentError } from '@fido2kit/cose';
import {
  type CallOptions,
  CallQueue,
  type CtapDevice,
  CtapError,
  reportKeepalive,
  sendWithRetries,
} from '@fido2kit/ctap2';
import { checkBytes } from './_assert.js';
import { sleep, throwIfAborted } from './_wait.js';
import type { HidConnection } from './connection.js';
import {
  BROADCAST_CID,
  CTAPHID_CAPABILITIES,
  CTAPHID_COMMAND_NAMES,
  CTAPHID_COMMANDS,
  CTAPHID_ERRORS,
  CtaphidReassembler,
  ctaphidErrorName,
  decodeInitResponse,
  encodeMessage,
  INIT_NONCE_SIZE,
  type InitResponse,
  MAX_PAYLOAD,
} from './ctaphid.js';
import { abortedError, deviceGoneError, HidError } from './errors.js';
import {
  type HidDeviceInfo,
  type HidTransportOptions,
  resolveTransportOptions,
} from './transport-options.js';

const READ_SLICE_MS = 100;
const MAX_DRAIN_REPORTS = 1024;

type Exchange = { kind: 'response'; payload: Uint8Array } | { kind: 'error'; code: number };

/**
 * A CTAP authenticator over CTAPHID: channel allocation with a nonce-checked INIT, CBOR and MSG,
 * keepalives reported through `onKeepalive`, CANCEL on abort, CHANNEL_BUSY retried with backoff,
 * and a timeout on every wait. Calls are serialised; after any fault the next call first
 * re-synchronises the channel with INIT, so one bad message does not poison the next.
 *
 * @example
 * ```ts
 * const device = await HidTransport.open(connection);
 * const response = await device.cbor(Uint8Array.of(0x04)); // authenticatorGetInfo
 * ```
 */
export class HidTransport implements CtapDevice {
  /** Always `'usb'`. */
  readonly transport = 'usb' as const;
  readonly #connection: HidConnection;
  readonly #timeoutMs: number;
  readonly #maxDurationMs: number;
  readonly #cancelTimeoutMs: number;
  readonly #busyRetries: number;
  readonly #busyBackoffMs: number;
  readonly #resendRetries: number;
  readonly #randomBytes: (length: number) => Uint8Array;
  #info!: HidDeviceInfo;
  readonly #queue = new CallQueue(async (signal) => {
    if (this.#closed) throw deviceGoneError('closed', 'the HID transport is closed');
    throwIfAborted(signal);
    if (this.#needsResync) await this.#resync(signal);
  });
  #needsResync = false;
  #closed = false;

  private constructor(connection: HidConnection, options: HidTransportOptions) {
    this.#connection = connection;
    const o = resolveTransportOptions(options);
    this.#timeoutMs = o.timeoutMs;
    this.#maxDurationMs = o.maxDurationMs;
    this.#cancelTimeoutMs = o.cancelTimeoutMs;
    this.#busyRetries = o.busyRetries;
    this.#busyBackoffMs = o.busyBackoffMs;
    this.#resendRetries = o.resendRetries;
    this.#randomBytes = o.randomBytes;
  }

  /**
   * Allocates a channel with CTAPHID_INIT on the broadcast channel (random 8-byte nonce, echo
   * checked) and returns the transport. On failure the connection is closed.
   * @throws HidError `ERR_TIMEOUT`, `ERR_INVALID_RESPONSE`, `ERR_DEVICE_GONE`, `ERR_ABORTED`;
   *   CtapError `CTAP1_ERR_*` when the device answers CTAPHID_ERROR.
   */
  static async open(
    connection: HidConnection,
    options: HidTransportOptions & { signal?: AbortSignal } = {},
  ): Promise<HidTransport> {
    const transport = new HidTransport(connection, options);
    try {
      await transport.#init(BROADCAST_CID, options.signal);
    } catch (e) {
      await connection.close().catch(() => {});
      throw e;
    }
    return transport;
  }

  /** The INIT response's facts: channel, versions, capabilities. */
  get info(): HidDeviceInfo {
    return this.#info;
  }

  /**
   * Sends a CTAP2 request (`command byte ‖ CBOR`) with CTAPHID_CBOR; resolves with
   * `status byte ‖ CBOR`. Abort sends CTAPHID_CANCEL and rejects with `ERR_ABORTED` once the
   * device has answered (normally CTAP2_ERR_KEEPALIVE_CANCEL) or `cancelTimeoutMs` passed.
   * @throws HidError `ERR_ABORTED`, `ERR_TIMEOUT`, `ERR_DEVICE_GONE`, `ERR_INVALID_RESPONSE`,
   *   `ERR_REQUEST_TOO_LARGE`, `ERR_NOT_SUPPORTED` (no CBOR capability); CtapError for CTAPHID errors.
   */
  cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(request, 'request');
    return this.#serial(options.signal, async () => {
      if (!this.#info.cbor) throw notSupported('CTAPHID_CBOR');
      return this.#call(CTAPHID_COMMANDS.CBOR, request, options);
    });
  }

  /**
   * Sends a CTAP1/U2F APDU with CTAPHID_MSG; resolves with `data ‖ SW1 SW2`.
   * @throws as {@link HidTransport.cbor}; `ERR_NOT_SUPPORTED` when the device sets NMSG.
   */
  msg(apdu: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(apdu, 'apdu');
    return this.#serial(options.signal, async () => {
      if (!this.#info.msg) throw notSupported('CTAPHID_MSG');
      return this.#call(CTAPHID_COMMANDS.MSG, apdu, options);
    });
  }

  /**
   * CTAPHID_PING: sends `data` and checks that the device echoes it.
   * @throws HidError `ERR_INVALID_RESPONSE` when the echo differs; as {@link HidTransport.cbor}.
   */
  ping(data: Uint8Array = new Uint8Array(0), options: CallOptions = {}): Promise<Uint8Array> {
    checkBytes(data, 'data');
    return this.#serial(options.signal, async () => {
      const echo = await this.#call(CTAPHID_COMMANDS.PING, data, options);
      if (!equalBytes(echo, data)) {
        this.#needsResync = true;
        throw new HidError(
          'ERR_INVALID_RESPONSE',
          'unexpected-answer',
          'CTAPHID_PING: the device did not echo the data',
        );
      }
      return echo;
    });
  }

  /**
   * CTAPHID_WINK: asks the device to show it is the one being used (blink).
   * @throws HidError `ERR_NOT_SUPPORTED` when the device lacks the WINK capability.
   */
  wink(options: CallOptions = {}): Promise<void> {
    return this.#serial(options.signal, async () => {
      if (!this.#info.wink) throw notSupported('CTAPHID_WINK');
      await this.#call(CTAPHID_COMMANDS.WINK, new Uint8Array(0), options);
    });
  }

  /**
   * CTAPHID_LOCK: reserves the device for this channel for `seconds` (1–10); 0 releases it.
   * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `seconds` is not an integer in 0…10.
   */
  lock(seconds: number, options: CallOptions = {}): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 10) {
      throw new InvalidArgumentError(`"seconds" expected an integer in 0..10, got ${String(seconds)}`);
    }
    return this.#serial(options.signal, async () => {
      await this.#call(CTAPHID_COMMANDS.LOCK, Uint8Array.of(seconds), options);
    });
  }

  /** Closes the connection; later calls reject with `ERR_DEVICE_GONE`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.idle();
    await this.#connection.close().catch(() => {});
  }

  // ——— internals ———

  #serial<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    return this.#queue.run(signal, work);
  }

  /** One request/response, with CHANNEL_BUSY and resend retries. */
  async #call(cmd: number, payload: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    if (payload.length > MAX_PAYLOAD) {
      throw new HidError(
        'ERR_REQUEST_TOO_LARGE',
        'request-too-large',
        `the request is ${payload.length} bytes; CTAPHID carries at most ${MAX_PAYLOAD}`,
      );
    }
    let reallocated = false;
    return sendWithRetries({
      send: async () => {
        const r = await this.#exchange(this.#info.channelId, cmd, payload, options);
        return r.kind === 'response' ? { kind: 'response', value: r.payload } : r;
      },
      busyCode: CTAPHID_ERRORS.ERR_CHANNEL_BUSY,
      resendCodes: [CTAPHID_ERRORS.ERR_INVALID_SEQ, CTAPHID_ERRORS.ERR_MSG_TIMEOUT],
      options: {
        busyRetries: this.#busyRetries,
        busyBackoffMs: this.#busyBackoffMs,
        resendRetries: this.#resendRetries,
      },
      sleep: (ms) => sleep(ms, options.signal),
      fail: (code) => hidError(code, cmd),
      recover: async (code) => {
        if (code !== CTAPHID_ERRORS.ERR_INVALID_CHANNEL || reallocated) return false;
        // The device forgot our channel (it was reset): allocate a new one and send again.
        reallocated = true;
        await this.#init(BROADCAST_CID, options.signal);
        return true;
      },
    });
  }

  /** INIT on our channel; on a device that no longer knows it, a new channel. */
  async #resync(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#init(this.#info.channelId, signal);
    } catch (e) {
      if ((e as { status?: unknown }).status !== CTAPHID_ERRORS.ERR_INVALID_CHANNEL) throw e;
      await this.#init(BROADCAST_CID, signal);
    }
  }

  /** CTAPHID_INIT on `cid` (broadcast to allocate, our own channel to resynchronise). */
  async #init(cid: number, signal: AbortSignal | undefined): Promise<void> {
    let backoff = this.#busyBackoffMs;
    for (let attempt = 0; ; attempt++) {
      const nonce = this.#randomBytes(INIT_NONCE_SIZE);
      if (!(nonce instanceof Uint8Array) || nonce.length !== INIT_NONCE_SIZE) {
        throw new InvalidArgumentError('"randomBytes" expected to return a Uint8Array of length 8');
      }
      const result = await this.#exchange(cid, CTAPHID_COMMANDS.INIT, nonce, { signal }, (payload) => {
        const r = decodeInitResponse(payload);
        return r !== undefined && equalBytes(r.nonce, nonce);
      });
      if (result.kind === 'error') {
        if (result.code === CTAPHID_ERRORS.ERR_CHANNEL_BUSY && attempt < this.#busyRetries) {
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 500);
          continue;
        }
        throw hidError(result.code, CTAPHID_COMMANDS.INIT);
      }
      const response = decodeInitResponse(result.payload) as InitResponse;
      if (response.cid === 0 || response.cid === BROADCAST_CID) {
        throw new HidError(
          'ERR_INVALID_RESPONSE',
          'unexpected-answer',
          `CTAPHID_INIT allocated the reserved channel 0x${response.cid.toString(16)}`,
        );
      }
      const caps = response.capabilities;
      this.#info = {
        channelId: response.cid,
        protocolVersion: response.protocolVersion,
        deviceVersion: response.deviceVersion,
        capabilities: caps,
        wink: (caps & CTAPHID_CAPABILITIES.WINK) !== 0,
        cbor: (caps & CTAPHID_CAPABILITIES.CBOR) !== 0,
        msg: (caps & CTAPHID_CAPABILITIES.NMSG) === 0,
      };
      this.#needsResync = false;
      return;
    }
  }

  /**
   * Writes one message and reads until its answer. `accept` filters responses of the expected
   * command (INIT uses it to skip answers to other hosts' nonces).
   */
  async #exchange(
    cid: number,
    cmd: number,
    payload: Uint8Array,
    options: CallOptions,
    accept?: (payload: Uint8Array) => boolean,
  ): Promise<Exchange> {
    const { signal, onKeepalive } = options;
    const connection = this.#connection;
    await this.#drain();
    let cancelled = false;
    let cancelDeadline = Number.POSITIVE_INFINITY;
    let callbackError: { error: unknown } | undefined;
    const cancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      cancelDeadline = Date.now() + this.#cancelTimeoutMs;
      if (cmd !== CTAPHID_COMMANDS.INIT) {
        const [report] = encodeMessage(cid, CTAPHID_COMMANDS.CANCEL, new Uint8Array(0));
        connection.write(report!).catch(() => {});
      }
    };
    const aborted = (cause?: unknown): HidError => {
      this.#needsResync = true;
      if (callbackError !== undefined) throw callbackError.error;
      return abortedError(signal, cause);
    };
    throwIfAborted(signal);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for (const report of encodeMessage(cid, cmd, payload)) {
        if (cancelled) throw aborted();
        await this.#write(report);
      }
      const reassembler = new CtaphidReassembler({ cid });
      const start = Date.now();
      const hardDeadline = start + this.#maxDurationMs;
      let silenceDeadline = start + this.#timeoutMs;
      for (;;) {
        const now = Date.now();
        const deadline = Math.min(silenceDeadline, hardDeadline, cancelDeadline);
        if (now >= deadline) {
          this.#needsResync = true;
          if (cancelled) throw aborted();
          throw new HidError(
            'ERR_TIMEOUT',
            'timeout',
            now >= hardDeadline
              ? `no answer to ${commandName(cmd)} within ${this.#maxDurationMs} ms`
              : `the device was silent for ${this.#timeoutMs} ms while answering ${commandName(cmd)}`,
          );
        }
        const report = await this.#read(Math.min(deadline - now, READ_SLICE_MS));
        if (report === undefined) continue;
        const r = reassembler.push(report);
        if (r.status === 'skipped') continue;
        if (r.status === 'partial') {
          silenceDeadline = Date.now() + this.#timeoutMs;
          continue;
        }
        if (r.status === 'error') {
          this.#needsResync = true;
          if (cancelled) throw aborted();
          throw new HidError(
            'ERR_INVALID_RESPONSE',
            'ctaphid-malformed',
            `malformed CTAPHID answer to ${commandName(cmd)}: ${r.reason}`,
            { details: { problem: r.reason } },
          );
        }
        silenceDeadline = Date.now() + this.#timeoutMs;
        if (r.cmd === CTAPHID_COMMANDS.KEEPALIVE) {
          const failed = cancelled ? undefined : reportKeepalive(r.payload[0], onKeepalive);
          if (failed !== undefined) {
            callbackError = failed;
            cancel();
          }
          continue;
        }
        if (r.cmd === CTAPHID_COMMANDS.ERROR) {
          const code = r.payload[0] ?? CTAPHID_ERRORS.ERR_OTHER;
          if (cancelled) throw aborted(hidError(code, cmd));
          if (code !== CTAPHID_ERRORS.ERR_CHANNEL_BUSY) this.#needsResync = true;
          return { kind: 'error', code };
        }
        if (r.cmd === cmd) {
          if (accept !== undefined && !accept(r.payload)) continue;
          if (cancelled) {
            const status = r.payload[0];
            throw aborted(
              cmd === CTAPHID_COMMANDS.CBOR && status !== undefined && status !== 0
                ? new CtapError(status)
                : undefined,
            );
          }
          return { kind: 'response', payload: r.payload };
        }
        this.#needsResync = true;
        if (cancelled) throw aborted();
        throw new HidError(
          'ERR_INVALID_RESPONSE',
          'unexpected-answer',
          `the device answered ${commandName(cmd)} with ${commandName(r.cmd)}`,
        );
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Discards reports already waiting (late duplicates, answers to an abandoned request). */
  async #drain(): Promise<void> {
    for (let i = 0; i < MAX_DRAIN_REPORTS; i++) {
      if ((await this.#read(0)) === undefined) return;
    }
  }

  async #write(report: Uint8Array): Promise<void> {
    try {
      await this.#connection.write(report);
    } catch (e) {
      this.#needsResync = true;
      throw transportFailure(e, 'write');
    }
  }

  async #read(timeoutMs: number): Promise<Uint8Array | undefined> {
    try {
      return await this.#connection.read(timeoutMs);
    } catch (e) {
      this.#needsResync = true;
      throw transportFailure(e, 'read');
    }
  }
}

// ——— helpers ———

function transportFailure(e: unknown, what: string): Error {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') return e;
  return deviceGoneError('device-gone', `HID ${what} failed: the device is gone`, e);
}

/** A CTAPHID_ERROR as the CTAP1 status of the same number (CTAP 2.1 §8.2 lists them). */
function hidError(code: number, cmd: number): CtapError {
  return new CtapError(
    code,
    `the device answered ${commandName(cmd)} with CTAPHID_ERROR ${ctaphidErrorName(code)} (0x${code.toString(16).padStart(2, '0')})`,
  );
}

function commandName(cmd: number): string {
  const name = CTAPHID_COMMAND_NAMES[cmd];
  return name === undefined ? `command 0x${cmd.toString(16)}` : `CTAPHID_${name}`;
}

function notSupported(what: string): HidError {
  return new HidError('ERR_NOT_SUPPORTED', 'not-supported', `the device does not implement ${what}`);
}
