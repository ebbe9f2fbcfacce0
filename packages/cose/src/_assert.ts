import { InvalidArgumentError } from './errors.js';

/** Describes what came, for error messages: `type=string`, `Uint16Array`, `length=31`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isBytes(value)) return `Uint8Array of length=${value.length}`;
  if (ArrayBuffer.isView(value)) return (value as object).constructor?.name ?? 'ArrayBufferView';
  if (value instanceof Uint8Array) return 'a Uint8Array look-alike (a Proxy?)';
  if (Array.isArray(value)) return `array of length=${value.length}`;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `type=${typeof value}`;
}

/** True for a genuine Uint8Array (Buffer included), false for a Proxy or another view. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && ArrayBuffer.isView(value);
}

/**
 * Checks that `value` is a Uint8Array (of `length` if given) and returns a plain Uint8Array view
 * of it (a Buffer becomes a plain view over the same memory).
 */
export function abytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!isBytes(value)) {
    throw new InvalidArgumentError(`"${name}" expected Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array of length ${length}, got length=${value.length}`,
    );
  }
  return value.constructor === Uint8Array
    ? value
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Checks that `value` is a string. */
export function astring(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`"${name}" expected string, got ${describe(value)}`);
  }
  return value;
}
