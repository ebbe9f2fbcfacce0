/**
 * Plumbing every CTAP transport needs and no transport should write again: option checks, an
 * abortable sleep, the serial call queue, the busy/resend retry loop, keepalive decoding, the
 * transport error base class, and the host side of a simulated authenticator's pending call
 * (keepalives, CANCEL with a grace period, the answer or the error). What differs per transport
 * (framing, channel or link set-up, which error byte means "busy") stays in each transport.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import type { CallOptions, CtapDevice, KeepaliveStatus } from './device.js';
import { Ctap2ClientError, type Ctap2ClientErrorCode } from './errors.js';

/**
 * Throws `ERR_INVALID_ARGUMENT` unless `value` is a Uint8Array.
 * @param value - the caller's argument.
 * @param name - the argument's name, for the message.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `value` is not a Uint8Array.
 */
export function checkBytesArgument(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
  }
}

/**
 * A positive, finite number of milliseconds, or `fallback` when `value` is undefined.
 * @param value - the caller's option.
 * @param fallback - the default.
 * @param name - the option's name, for the message.
 * @returns `value` or `fallback`.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `value` is not a positive finite number.
 */
export function positiveMs(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`"${name}" expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/**
 * A non-negative integer, or `fallback` when `value` is undefined.
 * @param value - the caller's option.
 * @param fallback - the default.
 * @param name - the option's name, for the message.
 * @returns `value` or `fallback`.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `value` is not a non-negative integer.
 */
export function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`"${name}" expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Timeouts and retries shared by the framed transports (USB HID, BLE). */
export interface TransportRetryOptions {
  /**
   * Longest silence, in ms, while waiting for an answer: every fragment or report of the answer
   * and every KEEPALIVE restarts it. Default 5000.
   */
  timeoutMs?: number;
  /** Cap on one call, keepalives included (a user who never touches the key). Default 120000. */
  maxDurationMs?: number;
  /** How long, in ms, to wait for the answer after a CANCEL before giving up. Default 1000. */
  cancelTimeoutMs?: number;
  /** How often a "busy" answer (CTAPHID CHANNEL_BUSY, CTAPBLE ERR_BUSY) is retried, with exponential backoff. Default 8. */
  busyRetries?: number;
  /** First backoff, in ms, after a "busy" answer; doubles each time up to 500. Default 20. */
  busyBackoffMs?: number;
  /**
   * How often a request the authenticator reports it never received whole (ERR_INVALID_SEQ,
   * ERR_MSG_TIMEOUT / ERR_REQ_TIMEOUT) is sent again. Default 2.
   */
  resendRetries?: number;
  /** Source of the nonce used to (re)synchronise (INIT or PING); default `crypto.getRandomValues`. */
  randomBytes?: (length: number) => Uint8Array;
}

/**
 * {@link TransportRetryOptions} with every default filled in and every value checked.
 * @param options - the caller's options.
 * @returns the resolved options.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` for a value out of range.
 */
export function resolveRetryOptions(options: TransportRetryOptions): Required<TransportRetryOptions> {
  return {
    timeoutMs: positiveMs(options.timeoutMs, 5000, 'timeoutMs'),
    maxDurationMs: positiveMs(options.maxDurationMs, 120_000, 'maxDurationMs'),
    cancelTimeoutMs: positiveMs(options.cancelTimeoutMs, 1000, 'cancelTimeoutMs'),
    busyRetries: nonNegativeInteger(options.busyRetries, 8, 'busyRetries'),
    busyBackoffMs: positiveMs(options.busyBackoffMs, 20, 'busyBackoffMs'),
    resendRetries: nonNegativeInteger(options.resendRetries, 2, 'resendRetries'),
    randomBytes: options.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
  };
}

/**
 * Resolves after `ms`, or rejects with `aborted(signal)` when `signal` fires first (or already has).
 * @param ms - how long to wait.
 * @param signal - cancels the wait.
 * @param aborted - makes the transport's `ERR_ABORTED` error.
 * @returns a promise of the end of the wait.
 */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined,
  aborted: (signal: AbortSignal | undefined) => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs calls one after another: each waits for the one before to settle, then `before` (closed
 * or lost checks, abort check, resynchronisation) and its own work.
 */
export class CallQueue {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #before: (signal: AbortSignal | undefined) => void | Promise<void>;

  /**
   * @param before - runs first in every call's turn; what it throws rejects that call.
   */
  constructor(before: (signal: AbortSignal | undefined) => void | Promise<void>) {
    this.#before = before;
  }

  /**
   * Queues `work`.
   * @param signal - the call's abort signal, handed to `before`.
   * @param work - the call.
   * @returns the call's result.
   */
  run<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const go = async (): Promise<T> => {
      await this.#before(signal);
      return work();
    };
    const result = this.#tail.then(go, go);
    this.#tail = result.catch(() => {});
    return result;
  }

  /**
   * Waits until every queued call has settled (never rejects).
   * @returns a promise of the queue's end.
   */
  async idle(): Promise<void> {
    await this.#tail.catch(() => {});
  }
}

/** An exchange's outcome as {@link sendWithRetries} sees it. */
export type RetryableResult<T> = { kind: 'response'; value: T } | { kind: 'error'; code: number };

/** What {@link sendWithRetries} needs to know of one call. */
export interface RetryPlan<T> {
  /** Sends the request once and waits for its answer. */
  send(): Promise<RetryableResult<T>>;
  /** The transport's "busy, try later" error byte. */
  busyCode: number;
  /** Error bytes meaning the request never arrived whole (safe to send again). */
  resendCodes: readonly number[];
  /** Resolved retry options. */
  options: Pick<Required<TransportRetryOptions>, 'busyRetries' | 'busyBackoffMs' | 'resendRetries'>;
  /** Waits between busy retries (the transport's abortable sleep). */
  sleep(ms: number): Promise<void>;
  /** The error for an answer that is not retried. */
  fail(code: number): Error;
  /** Handles an error byte before the standard policy; `true` sends again. */
  recover?(code: number): Promise<boolean>;
}

/**
 * Sends a request until it gets an answer: a "busy" answer is retried with exponential backoff
 * (doubling up to 500 ms), an answer saying the request arrived broken is sent again; any other
 * error byte rejects with `plan.fail(code)`.
 * @param plan - the call and its policy.
 * @returns the answer.
 */
export async function sendWithRetries<T>(plan: RetryPlan<T>): Promise<T> {
  let busy = 0;
  let resend = 0;
  let backoff = plan.options.busyBackoffMs;
  for (;;) {
    const result = await plan.send();
    if (result.kind === 'response') return result.value;
    const code = result.code;
    if (plan.recover !== undefined && (await plan.recover(code))) continue;
    if (code === plan.busyCode && busy < plan.options.busyRetries) {
      busy++;
      await plan.sleep(backoff);
      backoff = Math.min(backoff * 2, 500);
      continue;
    }
    if (plan.resendCodes.includes(code) && resend < plan.options.resendRetries) {
      // The authenticator dropped the request before executing it: sending it again is safe.
      resend++;
      continue;
    }
    throw plan.fail(code);
  }
}

/**
 * The KEEPALIVE status byte CTAPHID and CTAPBLE share (1 processing, 2 user presence needed).
 * @param byte - the status byte, or undefined for an empty KEEPALIVE.
 * @returns the status, or undefined for a byte the spec does not name.
 */
export function keepaliveStatus(byte: number | undefined): KeepaliveStatus | undefined {
  if (byte === 1) return 'processing';
  if (byte === 2) return 'user-presence-needed';
  return undefined;
}

/**
 * Hands a KEEPALIVE's status to the caller's `onKeepalive`, catching what it throws.
 * @param byte - the KEEPALIVE status byte.
 * @param onKeepalive - the caller's callback, if any.
 * @returns `{ error }` when the callback threw (the call is then cancelled), else undefined.
 */
export function reportKeepalive(
  byte: number | undefined,
  onKeepalive: CallOptions['onKeepalive'],
): { error: unknown } | undefined {
  const status = keepaliveStatus(byte);
  if (status === undefined || onKeepalive === undefined) return undefined;
  try {
    onKeepalive(status);
  } catch (error) {
    return { error };
  }
  return undefined;
}

/** Options of a {@link TransportError}. */
export interface TransportErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Extra facts, kept in `details` next to `reason`. */
  details?: Record<string, unknown>;
}

/**
 * A transport's failure: a stable `code` and a finer `reason` (also in `details.reason`). The
 * transports' error classes (`HidError`, `BleError`, `NfcError`) extend it.
 */
export class TransportError<Reason extends string = string> extends Ctap2ClientError {
  /** A finer-grained reason than `code`. */
  readonly reason: Reason;

  /**
   * @param code - the stable code callers switch on.
   * @param reason - the finer reason.
   * @param message - what happened, for people.
   * @param options - `cause` and `details`.
   */
  constructor(
    code: Ctap2ClientErrorCode,
    reason: Reason,
    message: string,
    options: TransportErrorOptions = {},
  ) {
    super(code, message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: { reason, ...options.details },
    });
    this.reason = reason;
  }
}

/**
 * Lets a timer not keep the process alive on its own (where the runtime supports it).
 * @param timer - a `setTimeout` or `setInterval` handle.
 * @returns the same handle.
 */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * The device behind an authenticator given to a simulated transport: a {@link CtapDevice}
 * itself, or an object with a `device()` method (a virtual authenticator).
 * @param authenticator - the simulated transport's authenticator.
 * @returns its device.
 */
export function resolveCtapDevice(authenticator: CtapDevice | { device(): CtapDevice }): CtapDevice {
  return typeof (authenticator as { cbor?: unknown }).cbor === 'function'
    ? (authenticator as CtapDevice)
    : (authenticator as { device(): CtapDevice }).device();
}

/** What a simulated transport does for its {@link SimulatedCall}. */
export interface SimulatedCallHost {
  /** Sends a KEEPALIVE frame with this status byte (1 processing, 2 user presence needed). */
  sendKeepalive(status: number): void;
  /** Sends the authenticator's answer (or a one-byte CTAP2 status) in the request's command. */
  sendResponse(response: Uint8Array): void;
  /** Sends the transport's ERROR frame with ERR_OTHER. */
  sendOtherError(): void;
  /** Forgets `call` as the pending one; `true` when it was the pending one. */
  release(call: SimulatedCall): boolean;
  /** True while `call` is the pending one. */
  isCurrent(call: SimulatedCall): boolean;
}

/** Timings and limits of a {@link SimulatedCall}. */
export interface SimulatedCallOptions {
  /** True for a CTAP2 request (a CTAP2 status byte answers failures), false for a U2F APDU. */
  cbor: boolean;
  /** How often KEEPALIVE is sent while the authenticator works. */
  keepaliveMs: number;
  /** The longest answer the transport can carry; a longer one is answered with ERR_OTHER. */
  maxResponseLength: number;
}

const CTAP2_ERR_KEEPALIVE_CANCEL = 0x2d;

/**
 * One request a simulated transport hands its authenticator: KEEPALIVE every `keepaliveMs` (and
 * when the authenticator's status changes), CANCEL with a grace period for an authenticator that
 * ignores the signal, and exactly one answer: the response, the CTAP2 status of a failure,
 * CTAP2_ERR_KEEPALIVE_CANCEL after a cancel, or ERR_OTHER.
 */
export class SimulatedCall {
  /** Aborts the authenticator's work. */
  readonly controller = new AbortController();
  readonly #host: SimulatedCallHost;
  readonly #options: SimulatedCallOptions;
  #status = 1;
  #done = false;
  readonly #interval: ReturnType<typeof setInterval>;
  #grace: ReturnType<typeof setTimeout> | undefined;

  /**
   * Starts the KEEPALIVE timer; {@link SimulatedCall.run} starts the work.
   * @param host - the simulated transport.
   * @param options - request kind, keepalive period, answer limit.
   */
  constructor(host: SimulatedCallHost, options: SimulatedCallOptions) {
    this.#host = host;
    this.#options = options;
    this.#interval = unrefTimer(setInterval(() => this.keepalive(), options.keepaliveMs));
  }

  /** True for a CTAP2 request. */
  get cbor(): boolean {
    return this.#options.cbor;
  }

  /**
   * Hands the request to the authenticator; its answer (or failure) is sent when it comes.
   * @param device - the authenticator.
   * @param data - the CTAP2 request or U2F APDU.
   */
  run(device: () => CtapDevice, data: Uint8Array): void {
    const onKeepalive = (status: KeepaliveStatus): void => {
      const byte = status === 'user-presence-needed' ? 2 : 1;
      if (byte !== this.#status) {
        this.#status = byte;
        this.keepalive();
      }
    };
    let call: Promise<Uint8Array>;
    try {
      const d = device();
      const options = { signal: this.controller.signal, onKeepalive };
      call = this.#options.cbor ? d.cbor(data, options) : d.msg(data, options);
    } catch (e) {
      call = Promise.reject(e);
    }
    call.then(
      (response) => this.#finish(response),
      (error: unknown) => this.#finishError(error),
    );
  }

  /** Sends one KEEPALIVE with the current status, unless the call is over or cancelled. */
  keepalive(): void {
    if (this.#done || !this.#host.isCurrent(this) || this.controller.signal.aborted) return;
    this.#host.sendKeepalive(this.#status);
  }

  /**
   * CANCEL: aborts the work and, after `graceMs`, answers as cancelled if the authenticator has not.
   * @param reason - the abort reason the authenticator sees.
   * @param graceMs - how long the authenticator may take to stop.
   */
  cancel(reason: Error, graceMs: number): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    this.#grace = unrefTimer(setTimeout(() => this.#finishCancelled(), graceMs));
  }

  /**
   * Ends the call without an answer (the link or channel went away) and aborts the work.
   * @param reason - the abort reason the authenticator sees.
   */
  abandon(reason: Error): void {
    this.#settle();
    this.controller.abort(reason);
  }

  #settle(): boolean {
    if (this.#done) return false;
    this.#done = true;
    clearInterval(this.#interval);
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    return this.#host.release(this);
  }

  #finish(response: Uint8Array): void {
    if (this.controller.signal.aborted) {
      this.#finishCancelled();
      return;
    }
    if (!this.#settle()) return;
    if (!(response instanceof Uint8Array) || response.length > this.#options.maxResponseLength) {
      this.#host.sendOtherError();
      return;
    }
    this.#host.sendResponse(response);
  }

  #finishError(error: unknown): void {
    if (this.controller.signal.aborted) {
      this.#finishCancelled();
      return;
    }
    if (!this.#settle()) return;
    const status = (error as { status?: unknown } | null)?.status;
    if (this.#options.cbor && typeof status === 'number' && status > 0 && status <= 0xff) {
      this.#host.sendResponse(Uint8Array.of(status));
      return;
    }
    this.#host.sendOtherError();
  }

  #finishCancelled(): void {
    if (!this.#settle()) return;
    if (this.#options.cbor) this.#host.sendResponse(Uint8Array.of(CTAP2_ERR_KEEPALIVE_CANCEL));
    else this.#host.sendOtherError();
  }
}

/** A queued fault of a simulated transport. */
export interface QueuedFault<Direction extends string, Kind extends string> {
  direction: Direction;
  /** Matching frames to let through before the fault applies. */
  after: number;
  kind: Kind;
}

/**
 * The fault, if any, that applies to the frame now travelling in `direction`: the first queued
 * fault of that direction, once its `after` count has run down (it is then removed from `faults`).
 * @param faults - the queue, changed in place.
 * @param direction - where the frame travels.
 * @returns the fault's kind, or undefined to let the frame through.
 */
export function takeFault<Direction extends string, Kind extends string>(
  faults: QueuedFault<Direction, Kind>[],
  direction: Direction,
): Kind | undefined {
  const fault = faults.find((f) => f.direction === direction);
  if (fault === undefined) return undefined;
  if (fault.after > 0) {
    fault.after--;
    return undefined;
  }
  faults.splice(faults.indexOf(fault), 1);
  return fault.kind;
}
