/** Internal checks: a caller's arguments (InvalidArgumentError) and an authenticator's answers (ERR_INVALID_RESPONSE). */
import { type CborValue, InvalidArgumentError } from '@fido2kit/cose';
import { Ctap2ClientError } from './errors.js';

/** A CBOR map as CTAP carries it. */
export type CborMap = Map<CborValue, CborValue>;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `Uint8Array of length ${value.length}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (value instanceof Map) return 'Map';
  return typeof value;
}

/** Checks a caller's byte-string argument. */
export function argBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(`"${name}" expected Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array of length ${length}, got length=${value.length}`,
    );
  }
  return value;
}

/** Checks a caller's string argument. */
export function argString(value: unknown, name: string): string {
  if (typeof value !== 'string')
    throw new InvalidArgumentError(`"${name}" expected string, got ${describe(value)}`);
  return value;
}

export function invalidResponse(message: string, cause?: unknown): never {
  throw new Ctap2ClientError('ERR_INVALID_RESPONSE', message, cause === undefined ? undefined : { cause });
}

/** Typed reads from a response map; every mismatch is `ERR_INVALID_RESPONSE`, never a TypeError. */
export class ResponseReader {
  readonly map: CborMap;
  readonly #what: string;
  constructor(value: unknown, what: string) {
    if (!(value instanceof Map)) invalidResponse(`${what} response is not a CBOR map`);
    this.map = value;
    this.#what = what;
  }
  #fail(key: CborValue, expected: string, got: unknown): never {
    invalidResponse(`${this.#what} member ${String(key)} expected ${expected}, got ${describe(got)}`);
  }
  has(key: CborValue): boolean {
    return this.map.has(key);
  }
  bytes(key: CborValue, required: true): Uint8Array;
  bytes(key: CborValue, required?: boolean): Uint8Array | undefined;
  bytes(key: CborValue, required = false): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    if (!(v instanceof Uint8Array)) this.#fail(key, 'a byte string', v);
    return v;
  }
  string(key: CborValue, required: true): string;
  string(key: CborValue, required?: boolean): string | undefined;
  string(key: CborValue, required = false): string | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string') this.#fail(key, 'a text string', v);
    return v;
  }
  uint(key: CborValue, required: true): number;
  uint(key: CborValue, required?: boolean): number | undefined;
  uint(key: CborValue, required = false): number | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    return asUint(v, () => this.#fail(key, 'an unsigned integer', v));
  }
  bool(key: CborValue, required: true): boolean;
  bool(key: CborValue, required?: boolean): boolean | undefined;
  bool(key: CborValue, required = false): boolean | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'boolean') this.#fail(key, 'a boolean', v);
    return v;
  }
  cborMap(key: CborValue, required: true): CborMap;
  cborMap(key: CborValue, required?: boolean): CborMap | undefined;
  cborMap(key: CborValue, required = false): CborMap | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    if (!(v instanceof Map)) this.#fail(key, 'a map', v);
    return v;
  }
  array(key: CborValue, required?: boolean): CborValue[] | undefined {
    const v = this.map.get(key);
    if (v === undefined && !required) return undefined;
    if (!Array.isArray(v)) this.#fail(key, 'an array', v);
    return v;
  }
  /** An array whose every element passes `check`. */
  arrayOf<T>(key: CborValue, check: (v: CborValue) => T | undefined, expected: string): T[] | undefined {
    const a = this.array(key);
    if (a === undefined) return undefined;
    return a.map((v) => {
      const r = check(v);
      if (r === undefined) this.#fail(key, `an array of ${expected}`, v);
      return r;
    });
  }
}

export function asUint(v: unknown, fail: () => never): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n) return Number(v);
  return fail();
}

export const isString = (v: CborValue): string | undefined => (typeof v === 'string' ? v : undefined);
export const isUint = (v: CborValue): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;

/** Reads a PublicKeyCredentialDescriptor / UserEntity style map with text keys. */
export function textMap(value: unknown, what: string): ResponseReader {
  return new ResponseReader(value, what);
}

/** Throws ERR_ABORTED when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: signal.reason });
  }
}
