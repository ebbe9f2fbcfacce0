/** Internal argument checks: a caller's mistake is an `InvalidArgumentError` (a `TypeError`) naming the argument. */
import { base64url, InvalidArgumentError } from '@fido2kit/cose';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `Uint8Array of length=${value.length}`;
  if (Array.isArray(value)) return `array of length=${value.length}`;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `type=${typeof value}`;
}

export function argFail(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`"${name}" expected ${expected}, got ${describe(value)}`);
}

export function aString(value: unknown, name: string, nonEmpty = false): string {
  if (typeof value !== 'string' || (nonEmpty && value.length === 0))
    argFail(name, nonEmpty ? 'a non-empty string' : 'a string', value);
  return value;
}

export function aObject(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) argFail(name, 'an object', value);
  return value as Record<string, unknown>;
}

export function optOneOf<T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new InvalidArgumentError(
      `"${name}" expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}

/** A credential ID given as base64url or bytes, as base64url. */
export function idToBase64url(value: unknown, name: string): string {
  if (value instanceof Uint8Array) return base64url.encode(value);
  if (typeof value === 'string' && base64url.isBase64Url(value) && value.length > 0) return value;
  argFail(name, 'a base64url string or Uint8Array', value);
}

export function aPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    argFail(name, 'a positive integer', value);
  return value;
}
