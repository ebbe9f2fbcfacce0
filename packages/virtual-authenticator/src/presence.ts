/**
 * Scripted user presence and built-in user verification: the authenticator waits for a decision,
 * sends `user-presence-needed` keepalives while it waits, gives up after a timeout, and stops
 * with CTAP2_ERR_KEEPALIVE_CANCEL when the caller's signal aborts.
 */
import type { CallOptions } from '@fido2kit/ctap2';
import { CtapStatusError, fail } from './errors.js';

/** A scripted answer to a request for user presence. */
export type PresenceDecision = 'approve' | 'deny' | 'timeout';

/** What the authenticator asks the (simulated) user. */
export interface PresenceRequest {
  /** The command asking: 'makeCredential', 'getAssertion', 'reset', 'selection', 'clientPIN'. */
  command: string;
  /** What is asked: a touch, or a finger on the sensor. */
  kind: 'presence' | 'fingerprint';
  /** The RP ID, when the command has one. */
  rpId?: string;
  /** The account's user name, when makeCredential has one. */
  userName?: string;
}

/**
 * How the simulated user answers a request for presence: always approve, always deny, never
 * answer (the authenticator times out), or a function deciding each request (`true` approves,
 * `false` denies; it may return a promise, and a promise that never settles times out).
 */
export type PresenceBehaviour =
  | PresenceDecision
  | ((request: PresenceRequest) => boolean | PresenceDecision | Promise<boolean | PresenceDecision>);

/** A scripted fingerprint match result. */
export type UvDecision = 'match' | 'no-match' | 'timeout';

/**
 * How the simulated fingerprint sensor answers: always match, never match, never touched, or a
 * function deciding each attempt (`true` matches).
 */
export type UvBehaviour =
  | UvDecision
  | ((request: PresenceRequest) => boolean | UvDecision | Promise<boolean | UvDecision>);

/** The outcome of waiting on the user. */
export type WaitResult = 'yes' | 'no' | 'timeout';

/** Timing of a wait. */
export interface WaitTiming {
  timeoutMs: number;
  intervalMs: number;
  delayMs: number;
}

function normalise(v: unknown): WaitResult | 'never' {
  if (v === true || v === 'approve' || v === 'match') return 'yes';
  if (v === 'timeout') return 'never';
  return 'no';
}

/**
 * Waits for the scripted user. Sends a keepalive at once and every `intervalMs`; resolves
 * 'timeout' after `timeoutMs`; throws CTAP2_ERR_KEEPALIVE_CANCEL when `call.signal` aborts.
 */
export async function waitForUser(
  call: CallOptions | undefined,
  decide: () => unknown,
  timing: WaitTiming,
): Promise<WaitResult> {
  const signal = call?.signal;
  if (signal?.aborted) fail('CTAP2_ERR_KEEPALIVE_CANCEL');
  const keepalive = () => {
    try {
      call?.onKeepalive?.('user-presence-needed');
    } catch {
      // a caller's callback failing must not break the authenticator
    }
  };
  // the first keepalive goes out at once; a user scripted with a plain, immediate answer then
  // needs no timers at all
  keepalive();
  if (signal?.aborted) fail('CTAP2_ERR_KEEPALIVE_CANCEL');
  let decided: unknown;
  try {
    decided = decide();
  } catch {
    return 'no';
  }
  if (timing.delayMs === 0 && !(decided instanceof Promise) && normalise(decided) !== 'never') {
    return normalise(decided) as WaitResult;
  }
  return waitTimed(call, decided, timing, keepalive);
}

async function waitTimed(
  call: CallOptions | undefined,
  decided: unknown,
  timing: WaitTiming,
  keepalive: () => void,
): Promise<WaitResult> {
  const signal = call?.signal;
  let interval: ReturnType<typeof setInterval> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<WaitResult>((resolve, reject) => {
      interval = setInterval(keepalive, Math.max(1, timing.intervalMs));
      timer = setTimeout(() => resolve('timeout'), Math.max(0, timing.timeoutMs));
      onAbort = () => reject(new CtapStatusError('CTAP2_ERR_KEEPALIVE_CANCEL'));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) {
        onAbort();
        return;
      }
      const settle = (v: unknown) => {
        const r = normalise(v);
        if (r === 'never') return;
        if (timing.delayMs > 0) delay = setTimeout(() => resolve(r), timing.delayMs);
        else resolve(r);
      };
      Promise.resolve(decided).then(settle, () => resolve('no'));
    });
  } finally {
    clearInterval(interval);
    clearTimeout(timer);
    clearTimeout(delay);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}
