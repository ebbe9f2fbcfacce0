/** Argument checks and small async helpers shared by the transport, the binding and the simulated peripheral. */
import { InvalidArgumentError } from '@fido2kit/cose';
import { BleError } from './errors.js';

/** A positive number of ms, or the fallback when undefined. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`"${name}" expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/** A non-negative integer, or the fallback when undefined. */
export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`"${name}" expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Throws `ERR_INVALID_ARGUMENT` unless `value` is a Uint8Array. */
export function checkBytes(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
  }
}

/** Throws `ERR_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new BleError('ERR_ABORTED', 'aborted', 'the operation was aborted', { cause: signal.reason });
  }
}

/** Waits `ms`, or rejects with `ERR_ABORTED` when the signal fires first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BleError('ERR_ABORTED', 'aborted', 'the operation was aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The message of an error, or the value as text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
