/**
 * Plumbing every CTAP transport needs and no transport should write again: option checks, an
 * abortable sleep, the serial call queue, the busy/resend retry loop, keepalive decoding, the
 * transport error base class, the names of the spec's code tables. The simulators' shared parts
 * are in `transport-kit-simulated.ts`. What differs per transport
 * (framing, channel or link set-up, which error byte means "busy") stays in each transport.
 */
import { InvalidArgumentError, randomBytes } from '@fido2kit/cose';
import type { CallOptions, KeepaliveStatus } from './device.js';
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
  /** Source of the nonce used to (re)synchronise (INIT or PING); default cose's `randomBytes`. */
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
    randomBytes: options.randomBytes ?? randomBytes,
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
 * The names of a spec's constant table by value (CTAPHID or CTAPBLE commands, error codes).
 * @param table - name → byte.
 * @returns byte → name, frozen.
 */
export function invertCodes<T extends Record<string, number>>(table: T): Readonly<Record<number, keyof T>> {
  return Object.freeze(
    Object.fromEntries(Object.entries(table).map(([k, v]) => [v, k])) as Record<number, keyof T>,
  );
}

/**
 * The name of a transport error byte, e.g. `ERR_CHANNEL_BUSY`, or `ERR_0x42` for a code the spec
 * does not name.
 * @param names - byte → name, from {@link invertCodes}.
 * @param code - the error byte.
 * @returns the name.
 */
export function errorCodeName(names: Readonly<Record<number, PropertyKey>>, code: number): string {
  const name = names[code];
  return typeof name === 'string' ? name : `ERR_0x${code.toString(16).padStart(2, '0')}`;
}
