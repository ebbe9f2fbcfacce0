/**
 * What the simulated transports (the BLE peripheral, the HID device) share: the pending call they
 * hand their authenticator (keepalives, CANCEL with a grace period, exactly one answer), the fault
 * queue's countdown, and finding the device behind a virtual authenticator. How a frame is sent
 * stays in each simulator.
 */
import type { CtapDevice, KeepaliveStatus } from './device.js';

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
