/**
 * CTAP2-canonical CBOR. This is the only file of fido2kit that imports cbor-x, and only its
 * decoder (`cbor-x/decode`: browser bundles then carry no cbor-x encoder; encoding is
 * cbor-write.ts).
 *
 * Decoding runs in two passes: a strict scan of the bytes (`cbor-scan.ts`: well-formedness,
 * declared lengths against the bytes present, nesting depth, UTF-8, duplicate keys — also keys
 * that differ as CBOR but become equal JavaScript values — and, in canonical mode, the CTAP 2.1
 * §8 canonical form), then cbor-x turns the vetted bytes into values. cbor-x never sees
 * bytes the scan refused, so its extensions (records, packed values, shared structures, tag 259)
 * can never be triggered by input.
 *
 * Encoding is cbor-write.ts: one pass that writes the canonical form directly (maps sorted by
 * CTAP2's key order, shortest heads, no `undefined`, no tags).
 */
import { Decoder } from 'cbor-x/decode';
import { abytes, describe } from './_assert.js';
import { fail, type ScanState, scan } from './cbor-scan.js';
import { writeCanonical } from './cbor-write.js';
import { CborError, InvalidArgumentError } from './errors.js';

/** A decoded CBOR value. Maps are `Map`, byte strings `Uint8Array`, 8-byte integers `bigint`. */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | Map<CborValue, CborValue>
  | CborTagged;

/** A tagged value; only produced when `allowTags` is set (CTAP2 and WebAuthn use no tags). */
export interface CborTagged {
  tag: number;
  value: unknown;
}

/** Options of {@link decode} and {@link decodeFirst}. */
export interface DecodeOptions {
  /**
   * Enforce CTAP2 canonical form (CTAP 2.1 §8): shortest integer and length encodings, definite
   * lengths, map keys in CTAP2 order, no tags. Also: map keys are integers, byte or text strings
   * only; floats only as {@link encode} writes them (8 bytes, non-integral values); no
   * `undefined`. So every accepted input re-encodes to the same bytes. A key of another kind that
   * equals another key as a JavaScript value is still reported as `ERR_CBOR_DUPLICATE_KEY`.
   * Default `true`.
   *
   * In every mode, a map whose keys are equal as CBOR items or as decoded JavaScript values
   * (1, `18 01`, 1.0, -0.0 vs 0, the same text in another length form) is refused with
   * `ERR_CBOR_DUPLICATE_KEY`, and arrays, maps and tags as map keys with `ERR_CBOR_UNSUPPORTED`.
   */
  canonical?: boolean;
  /** Accept bytes after the first item ({@link decode} only). Default `false`. */
  allowTrailing?: boolean;
  /** Deepest nesting of arrays, maps and tags accepted. Default 32. */
  maxDepth?: number;
  /**
   * Accept the standard tags of RFC 8949 §3.4 (date/time 0 and 1, bignums 2 and 3, and the
   * informational tags 21–24, 32–36, 55799). Never together with `canonical`. Default `false`.
   */
  allowTags?: boolean;
}

/** The result of {@link decodeFirst}. */
export interface DecodeFirstResult<T = CborValue> {
  value: T;
  /** Bytes the first item took. */
  bytesRead: number;
}

const DEFAULT_MAX_DEPTH = 32;

// cbor-x options, written out. Everything that would emit or interpret an extension is off.
const decoder = new Decoder({
  mapsAsObjects: false, // maps decode to Map, never to plain objects
  useRecords: false, // no record extension (tag 105 / 57344+)
  structuredClone: false, // no shared references (tags 28/29)
  bundleStrings: false,
  // Byte strings are views into a private copy of the input (runDecoder copies it once), so later
  // changes to the caller's bytes cannot reach them; cbor-x's own per-string copy is ~5x slower.
  copyBuffers: false,
  tagUint8Array: false,
  pack: false,
  sequential: false,
});

function scanState(b: Uint8Array, options: DecodeOptions): ScanState {
  const canonical = options.canonical ?? true;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 1000) {
    throw new InvalidArgumentError(`"maxDepth" expected an integer 1..1000, got ${describe(maxDepth)}`);
  }
  return { b, canonical, maxDepth, allowTags: options.allowTags ?? false };
}

function runDecoder(b: Uint8Array, end: number, allowTags: boolean): CborValue {
  const item = b.slice(0, end);
  try {
    const value = decoder.decode(item) as unknown;
    return (allowTags ? untag(value) : value) as CborValue;
  } catch (cause) {
    // The scan accepted these bytes, so this is a disagreement with cbor-x, not bad input.
    throw new CborError('ERR_CBOR_MALFORMED', 'CBOR could not be decoded', { cause });
  }
}

/** cbor-x represents unknown tags with its own Tag class; give callers a plain shape. */
function untag(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(untag);
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(untag(k), untag(v));
    return out;
  }
  const t = value as { tag?: unknown; value?: unknown };
  if (typeof t.tag === 'number' && 'value' in t && value.constructor?.name === 'Tag') {
    return { tag: t.tag, value: untag(t.value) } satisfies CborTagged;
  }
  return value;
}

/**
 * Decodes the first CBOR item of `bytes` and says how many bytes it took, so that structures
 * such as authenticator data can be walked by offset.
 *
 * @throws {CborError} `ERR_CBOR_TRUNCATED`, `ERR_CBOR_MALFORMED`, `ERR_CBOR_NON_CANONICAL`,
 *   `ERR_CBOR_DEPTH`, `ERR_CBOR_DUPLICATE_KEY`, `ERR_CBOR_INVALID_UTF8`, `ERR_CBOR_UNSUPPORTED`
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array over a live
 *   (not detached) ArrayBuffer
 * @example
 * ```ts
 * const { value, bytesRead } = decodeFirst(authData.subarray(55 + credIdLen));
 * ```
 */
export function decodeFirst<T = CborValue>(
  bytes: Uint8Array,
  options: Omit<DecodeOptions, 'allowTrailing'> = {},
): DecodeFirstResult<T> {
  const b = abytes(bytes, 'bytes');
  const st = scanState(b, options);
  const end = scan(st, 0, 0);
  return { value: runDecoder(b, end, st.allowTags) as T, bytesRead: end };
}

/**
 * Decodes one CBOR item. By default the input must be exactly one item in CTAP2 canonical form.
 *
 * @throws {CborError} as {@link decodeFirst}, and `ERR_CBOR_TRAILING_BYTES`
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array over a live
 *   (not detached) ArrayBuffer
 * @example
 * ```ts
 * decode(hexToBytes('a201020326')); // Map { 1 => 2, 3 => -7 }
 * ```
 */
export function decode<T = CborValue>(bytes: Uint8Array, options: DecodeOptions = {}): T {
  const b = abytes(bytes, 'bytes');
  const st = scanState(b, options);
  const end = scan(st, 0, 0);
  if (end !== b.length && !options.allowTrailing) {
    fail('ERR_CBOR_TRAILING_BYTES', `CBOR has ${b.length - end} bytes after the item`, end);
  }
  return runDecoder(b, end, st.allowTags) as T;
}

/**
 * Checks that `bytes` hold one well-formed item (in canonical form unless told otherwise)
 * without building any values. Returns the item's length.
 */
export function validate(bytes: Uint8Array, options: DecodeOptions = {}): number {
  const b = abytes(bytes, 'bytes');
  const end = scan(scanState(b, options), 0, 0);
  if (end !== b.length && !options.allowTrailing) {
    fail('ERR_CBOR_TRAILING_BYTES', `CBOR has ${b.length - end} bytes after the item`, end);
  }
  return end;
}

// ---------------------------------------------------------------------------------- encoding

/**
 * Encodes `value` as CTAP2 canonical CBOR (CTAP 2.1 §8): shortest integer and length forms,
 * definite lengths, map keys sorted by CTAP2's rule, no tags.
 *
 * Maps are `Map`s or plain objects (string keys); entries whose value is `undefined` are left
 * out, so optional members can be written inline. Integers of 2^32 and beyond may be numbers
 * (exact ones) or bigints. Byte strings are `Uint8Array`s.
 *
 * @throws {CborError} `ERR_CBOR_ENCODE` for values CBOR cannot carry (functions, symbols,
 *   class instances, other typed arrays, `undefined` in arrays, integers beyond 64 bits, cycles)
 * @example
 * ```ts
 * encode(new Map([[3, -7], [1, 2]])); // a2 01 02 03 26
 * ```
 */
export function encode(value: unknown): Uint8Array {
  if (value === undefined) throw new CborError('ERR_CBOR_ENCODE', 'cannot encode undefined');
  return writeCanonical(value);
}
