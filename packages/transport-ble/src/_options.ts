/** Argument checks and small async helpers shared by the transport, the binding and the simulated peripheral. */
import { abortableSleep } from '@fido2kit/ctap2';
import { BleError } from './errors.js';

export {
  checkBytesArgument as checkBytes,
  nonNegativeInteger as nonNegative,
  positiveMs as positive,
} from '@fido2kit/ctap2';

/** Throws `ERR_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw abortedError(signal);
  }
}

/** Waits `ms`, or rejects with `ERR_ABORTED` when the signal fires first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(ms, signal, abortedError);
}

/** The message of an error, or the value as text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function abortedError(signal: AbortSignal | undefined): BleError {
  return new BleError('ERR_ABORTED', 'aborted', 'the operation was aborted', { cause: signal?.reason });
}
