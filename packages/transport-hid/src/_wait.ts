/** Waiting that honours an AbortSignal (internal). */
import { abortableSleep } from '@fido2kit/ctap2';
import { abortedError } from './errors.js';

/** Throws `ERR_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** Resolves after `ms`, or rejects with `ERR_ABORTED` when `signal` fires first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, abortedError);
}
