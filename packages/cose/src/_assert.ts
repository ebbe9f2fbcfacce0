import { InvalidArgumentError } from './errors.js';

/** Describes what came, for error messages: `type=string`, `Uint16Array`, `length=31`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value) && isDetached(value)) {
    return `${(value as object).constructor?.name ?? 'a view'} over a detached ArrayBuffer`;
  }
  if (value instanceof ArrayBuffer && isDetachedBuffer(value)) return 'a detached ArrayBuffer';
  if (isBytes(value)) return `Uint8Array of length=${value.length}`;
  if (ArrayBuffer.isView(value)) return (value as object).constructor?.name ?? 'ArrayBufferView';
  if (value instanceof Uint8Array) return 'a Uint8Array look-alike (a Proxy?)';
  if (Array.isArray(value)) return `array of length=${value.length}`;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `type=${typeof value}`;
}

function isDetachedBuffer(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: unknown }).detached; // ES2024; absent before Node 22
  if (typeof flag === 'boolean') return flag;
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true; // only a detached buffer refuses a zero-length view
  }
}

/**
 * True when `view`'s buffer was transferred (`structuredClone(buf, { transfer: [buf] })`,
 * `postMessage`) or otherwise detached: its views then read as empty and most methods throw.
 */
function isDetached(view: ArrayBufferView): boolean {
  return view.byteLength === 0 && isDetachedBuffer(view.buffer);
}

/**
 * True for a genuine Uint8Array (Buffer included) over a live buffer; false for a Proxy,
 * another view, or a view whose ArrayBuffer has been detached.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && ArrayBuffer.isView(value) && !isDetached(value);
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
