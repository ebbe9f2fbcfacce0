/** Checks of a caller's arguments (internal): `InvalidArgumentError`, code `ERR_INVALID_ARGUMENT`. */
import { InvalidArgumentError } from '@fido2kit/cose';
import { HID_REPORT_SIZE } from './ctaphid.js';

/** Checks a byte-string argument. */
export function checkBytes(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
  }
}

/** Checks one 64-byte HID report. */
export function checkReport(report: unknown): Uint8Array {
  if (!(report instanceof Uint8Array) || report.length !== HID_REPORT_SIZE) {
    throw new InvalidArgumentError(
      `"report" expected Uint8Array of length 64, got length=${String((report as { length?: unknown })?.length)}`,
    );
  }
  return report;
}

/** A positive number of milliseconds, or `fallback` when absent. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`"${name}" expected a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/** A non-negative integer, or `fallback` when absent. */
export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`"${name}" expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}
