/**
 * CTAP2-canonical CBOR on cbor-x. This is the only file of fido2kit that imports cbor-x.
 *
 * Decoding runs in two passes: a strict scan of the bytes (well-formedness, declared lengths
 * against the bytes present, nesting depth, UTF-8, duplicate keys and, in canonical mode, the
 * CTAP 2.1 §8 canonical form), then cbor-x turns the vetted bytes into values. cbor-x never sees
 * bytes the scan refused, so its extensions (records, packed values, shared structures, tag 259)
 * can never be triggered by input.
 *
 * Encoding normalises the value first (maps sorted by CTAP2's key order, integers of 2^32 and
 * beyond as bigint so cbor-x writes them as integers, byte strings as plain Uint8Array, no
 * `undefined`), then lets cbor-x write it with every option that would add a tag switched off.
 */
import { Decoder, Encoder } from 'cbor-x';
import { describe, isBytes } from './_assert.js';
import { CborError, type CborErrorCode, InvalidArgumentError } from './errors.js';

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
   * lengths, map keys in CTAP2 order, no tags. Default `true`.
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
const ALLOWED_TAGS = new Set([0, 1, 2, 3, 21, 22, 23, 24, 32, 33, 34, 35, 36, 55799]);

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

const encoder = new Encoder({
  mapsAsObjects: false,
  useRecords: false,
  structuredClone: false,
  bundleStrings: false,
  useTag259ForMaps: false, // a Map is a plain CBOR map, not tag 259
  tagUint8Array: false, // a Uint8Array is a plain byte string, not tag 64
  variableMapSize: true, // shortest map headers
  pack: false,
  useToJSON: false,
  useTimestamp32: false,
  largeBigIntToFloat: false,
  encodeUndefinedAsNil: false,
  sequential: false,
} as ConstructorParameters<typeof Encoder>[0]);

function fail(code: CborErrorCode, message: string, offset?: number): never {
  throw new CborError(code, offset === undefined ? message : `${message} (at byte ${offset})`, {
    details: offset === undefined ? undefined : { offset },
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface ScanState {
  readonly b: Uint8Array;
  readonly canonical: boolean;
  readonly maxDepth: number;
  readonly allowTags: boolean;
}

/**
 * Compares two encoded map keys in CTAP2 canonical order: lower major type first, then the
 * shorter encoding, then byte-wise lexical order (CTAP 2.1 §8, RFC 7049 §3.9).
 */
function compareKeys(b: Uint8Array, aStart: number, aEnd: number, cStart: number, cEnd: number) {
  const ma = (b[aStart] as number) >> 5;
  const mc = (b[cStart] as number) >> 5;
  if (ma !== mc) return ma - mc;
  const la = aEnd - aStart;
  const lc = cEnd - cStart;
  if (la !== lc) return la - lc;
  for (let i = 0; i < la; i++) {
    const d = (b[aStart + i] as number) - (b[cStart + i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Scans one item starting at `pos`; returns the offset just past it. */
function scan(st: ScanState, pos: number, depth: number): number {
  const b = st.b;
  const n = b.length;
  if (pos >= n) fail('ERR_CBOR_TRUNCATED', 'CBOR ends where an item was expected', pos);
  const start = pos;
  const ib = b[pos++] as number;
  const major = ib >> 5;
  const info = ib & 31;
  let arg = 0;
  if (info < 24) {
    arg = info;
  } else if (info <= 27) {
    const size = 1 << (info - 24);
    if (pos + size > n) fail('ERR_CBOR_TRUNCATED', 'CBOR ends inside an item header', start);
    if (size === 8) {
      const hi =
        (b[pos] as number) * 2 ** 24 +
        (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number));
      const lo =
        (b[pos + 4] as number) * 2 ** 24 +
        (((b[pos + 5] as number) << 16) | ((b[pos + 6] as number) << 8) | (b[pos + 7] as number));
      arg = hi * 2 ** 32 + lo; // may be inexact beyond 2^53: only compared against lengths
      if (st.canonical && major !== 7 && hi === 0) {
        fail('ERR_CBOR_NON_CANONICAL', 'CBOR integer or length is not in its shortest form', start);
      }
    } else {
      for (let i = 0; i < size; i++) arg = arg * 256 + (b[pos + i] as number);
      if (st.canonical && major !== 7) {
        const min = info === 24 ? 24 : info === 25 ? 256 : 65536;
        if (arg < min) {
          fail('ERR_CBOR_NON_CANONICAL', 'CBOR integer or length is not in its shortest form', start);
        }
      }
    }
    pos += size;
  } else if (info === 31) {
    return scanIndefinite(st, start, major, depth);
  } else {
    fail('ERR_CBOR_MALFORMED', `CBOR additional information ${info} is reserved`, start);
  }

  switch (major) {
    case 0:
    case 1:
      return pos;
    case 2:
    case 3: {
      if (arg > n - pos) {
        fail('ERR_CBOR_TRUNCATED', `CBOR string declares ${arg} bytes but ${n - pos} remain`, start);
      }
      if (major === 3) checkUtf8(b, pos, pos + arg, start);
      return pos + arg;
    }
    case 4: {
      if (depth >= st.maxDepth) fail('ERR_CBOR_DEPTH', `CBOR nests deeper than ${st.maxDepth}`, start);
      if (arg > n - pos) {
        fail('ERR_CBOR_TRUNCATED', `CBOR array declares ${arg} items but ${n - pos} bytes remain`, start);
      }
      for (let i = 0; i < arg; i++) pos = scan(st, pos, depth + 1);
      return pos;
    }
    case 5: {
      if (depth >= st.maxDepth) fail('ERR_CBOR_DEPTH', `CBOR nests deeper than ${st.maxDepth}`, start);
      if (arg * 2 > n - pos) {
        fail('ERR_CBOR_TRUNCATED', `CBOR map declares ${arg} entries but ${n - pos} bytes remain`, start);
      }
      return scanMapEntries(st, pos, arg, depth);
    }
    case 6: {
      if (st.canonical || !st.allowTags) {
        fail(
          'ERR_CBOR_UNSUPPORTED',
          `CBOR tag ${arg} is not allowed (CTAP2 and WebAuthn use no tags)`,
          start,
        );
      }
      if (!ALLOWED_TAGS.has(arg)) fail('ERR_CBOR_UNSUPPORTED', `CBOR tag ${arg} is not supported`, start);
      if (depth >= st.maxDepth) fail('ERR_CBOR_DEPTH', `CBOR nests deeper than ${st.maxDepth}`, start);
      return scan(st, pos, depth + 1);
    }
    default: {
      // major 7: simple values and floats
      if (info >= 25) return pos; // half, single, double float
      if (info === 24) {
        if (arg < 32)
          fail('ERR_CBOR_MALFORMED', `CBOR simple value ${arg} in two bytes is not well-formed`, start);
        fail('ERR_CBOR_UNSUPPORTED', `CBOR simple value ${arg} is not supported`, start);
      }
      if (info < 20) fail('ERR_CBOR_UNSUPPORTED', `CBOR simple value ${info} is not supported`, start);
      return pos; // false, true, null, undefined
    }
  }
}

function scanMapEntries(st: ScanState, pos: number, count: number, depth: number): number {
  const b = st.b;
  let prevStart = -1;
  let prevEnd = -1;
  const seen = st.canonical ? undefined : new Set<string>();
  for (let i = 0; i < count; i++) {
    const keyStart = pos;
    pos = scan(st, pos, depth + 1);
    if (seen === undefined) {
      // canonical: strictly ascending keys, which also rules out duplicates
      if (prevStart >= 0) {
        const cmp = compareKeys(b, prevStart, prevEnd, keyStart, pos);
        if (cmp === 0) fail('ERR_CBOR_DUPLICATE_KEY', 'CBOR map has a duplicate key', keyStart);
        if (cmp > 0)
          fail('ERR_CBOR_NON_CANONICAL', 'CBOR map keys are not in CTAP2 canonical order', keyStart);
      }
      prevStart = keyStart;
      prevEnd = pos;
    } else {
      let k = '';
      for (let j = keyStart; j < pos; j++) k += String.fromCharCode(b[j] as number);
      if (seen.has(k)) fail('ERR_CBOR_DUPLICATE_KEY', 'CBOR map has a duplicate key', keyStart);
      seen.add(k);
    }
    pos = scan(st, pos, depth + 1);
  }
  return pos;
}

function scanIndefinite(st: ScanState, start: number, major: number, depth: number): number {
  const b = st.b;
  if (major === 0 || major === 1 || major === 6) {
    fail('ERR_CBOR_MALFORMED', `CBOR major type ${major} cannot have indefinite length`, start);
  }
  if (major === 7) fail('ERR_CBOR_MALFORMED', 'CBOR "break" outside an indefinite-length item', start);
  if (st.canonical) fail('ERR_CBOR_NON_CANONICAL', 'CBOR indefinite lengths are not canonical', start);
  let pos = start + 1;
  if (major === 2 || major === 3) {
    // Well-formed CBOR, but cbor-x cannot decode chunked strings, and CTAP2/WebAuthn never use
    // them: check the chunks, then refuse.
    for (;;) {
      if (pos >= b.length) fail('ERR_CBOR_TRUNCATED', 'CBOR indefinite string is not terminated', start);
      if (b[pos] === 0xff) break;
      const chunkMajor = (b[pos] as number) >> 5;
      if (chunkMajor !== major || ((b[pos] as number) & 31) === 31) {
        fail('ERR_CBOR_MALFORMED', 'CBOR indefinite string has a chunk of another type', pos);
      }
      pos = scan(st, pos, depth);
    }
    fail('ERR_CBOR_UNSUPPORTED', 'CBOR indefinite-length strings are not supported', start);
  }
  if (depth >= st.maxDepth) fail('ERR_CBOR_DEPTH', `CBOR nests deeper than ${st.maxDepth}`, start);
  const seen = new Set<string>();
  for (let i = 0; ; i++) {
    if (pos >= b.length) fail('ERR_CBOR_TRUNCATED', 'CBOR indefinite container is not terminated', start);
    if (b[pos] === 0xff) {
      if (major === 5 && i % 2 === 1) fail('ERR_CBOR_MALFORMED', 'CBOR map ends after a key', pos);
      return pos + 1;
    }
    const itemStart = pos;
    pos = scan(st, pos, depth + 1);
    if (major === 5 && i % 2 === 0) {
      let k = '';
      for (let j = itemStart; j < pos; j++) k += String.fromCharCode(b[j] as number);
      if (seen.has(k)) fail('ERR_CBOR_DUPLICATE_KEY', 'CBOR map has a duplicate key', itemStart);
      seen.add(k);
    }
  }
}

function checkUtf8(b: Uint8Array, from: number, to: number, start: number) {
  for (let i = from; i < to; i++) {
    if ((b[i] as number) >= 0x80) {
      try {
        utf8.decode(b.subarray(from, to));
      } catch {
        fail('ERR_CBOR_INVALID_UTF8', 'CBOR text string is not valid UTF-8', start);
      }
      return;
    }
  }
}

function plainBytes(bytes: unknown, name: string): Uint8Array {
  if (!isBytes(bytes)) {
    throw new InvalidArgumentError(`"${name}" expected Uint8Array, got ${describe(bytes)}`);
  }
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

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
 * @example
 * ```ts
 * const { value, bytesRead } = decodeFirst(authData.subarray(55 + credIdLen));
 * ```
 */
export function decodeFirst<T = CborValue>(
  bytes: Uint8Array,
  options: Omit<DecodeOptions, 'allowTrailing'> = {},
): DecodeFirstResult<T> {
  const b = plainBytes(bytes, 'bytes');
  const st = scanState(b, options);
  const end = scan(st, 0, 0);
  return { value: runDecoder(b, end, st.allowTags) as T, bytesRead: end };
}

/**
 * Decodes one CBOR item. By default the input must be exactly one item in CTAP2 canonical form.
 *
 * @throws {CborError} as {@link decodeFirst}, and `ERR_CBOR_TRAILING_BYTES`
 * @example
 * ```ts
 * decode(hexToBytes('a201020326')); // Map { 1 => 2, 3 => -7 }
 * ```
 */
export function decode<T = CborValue>(bytes: Uint8Array, options: DecodeOptions = {}): T {
  const b = plainBytes(bytes, 'bytes');
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
  const b = plainBytes(bytes, 'bytes');
  const end = scan(scanState(b, options), 0, 0);
  if (end !== b.length && !options.allowTrailing) {
    fail('ERR_CBOR_TRAILING_BYTES', `CBOR has ${b.length - end} bytes after the item`, end);
  }
  return end;
}

// ---------------------------------------------------------------------------------- encoding

const MAX_ENCODE_DEPTH = 64;
const UINT64_MAX = (1n << 64n) - 1n;
// -2^64 is valid CBOR but cbor-x can only write it as a tag-3 bignum, so it is refused.
const NEG_UINT64_MIN = -(1n << 64n) + 1n;

type Normalized =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | Normalized[]
  | Map<Normalized, Normalized>;

function encodeFail(message: string): never {
  throw new CborError('ERR_CBOR_ENCODE', message);
}

function normalize(value: unknown, depth: number): Normalized {
  if (depth > MAX_ENCODE_DEPTH) encodeFail(`value nests deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`);
  switch (typeof value) {
    case 'number':
      if (Number.isInteger(value) && (value > 0xffffffff || value < -0x100000000)) {
        if (!Number.isSafeInteger(value)) encodeFail(`integer ${value} is not exact; pass a bigint`);
        return BigInt(value);
      }
      return Object.is(value, -0) ? 0 : value;
    case 'bigint':
      if (value > UINT64_MAX || value < NEG_UINT64_MIN)
        encodeFail(`integer ${value} does not fit in 64 bits`);
      // cbor-x writes every bigint in the 8-byte form: small ones must be numbers to be shortest
      return value <= 0xffffffffn && value >= -0x100000000n ? Number(value) : value;
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (isBytes(value)) {
        return value.constructor === Uint8Array
          ? value
          : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      }
      if (Array.isArray(value)) {
        return value.map((v, i) => {
          if (v === undefined) encodeFail(`array item ${i} is undefined`);
          return normalize(v, depth + 1);
        });
      }
      if (value instanceof Map) return sortedMap(value.entries(), depth);
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        return sortedMap(Object.entries(value as Record<string, unknown>), depth);
      }
      return encodeFail(`cannot encode ${describe(value)}`);
    }
    default:
      return encodeFail(`cannot encode ${describe(value)}`);
  }
}

function sortedMap(entries: Iterable<[unknown, unknown]>, depth: number): Map<Normalized, Normalized> {
  const items: { key: Normalized; enc: Uint8Array; value: Normalized }[] = [];
  for (const [k, v] of entries) {
    if (v === undefined) continue; // an absent optional member
    const key = normalize(k, depth + 1);
    items.push({ key, enc: encodeNormalized(key), value: normalize(v, depth + 1) });
  }
  items.sort((a, b) => compareKeys2(a.enc, b.enc));
  for (let i = 1; i < items.length; i++) {
    if (
      compareKeys2((items[i - 1] as { enc: Uint8Array }).enc, (items[i] as { enc: Uint8Array }).enc) === 0
    ) {
      encodeFail('map has two keys with the same encoding');
    }
  }
  const out = new Map<Normalized, Normalized>();
  for (const it of items) out.set(it.key, it.value);
  return out;
}

function compareKeys2(a: Uint8Array, c: Uint8Array): number {
  const ma = (a[0] as number) >> 5;
  const mc = (c[0] as number) >> 5;
  if (ma !== mc) return ma - mc;
  if (a.length !== c.length) return a.length - c.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (c[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function encodeNormalized(value: Normalized): Uint8Array {
  const out = encoder.encode(value) as Uint8Array;
  // cbor-x returns a Buffer over its reusable scratch space: copy into a plain Uint8Array.
  return new Uint8Array(out);
}

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
  if (value === undefined) encodeFail('cannot encode undefined');
  return encodeNormalized(normalize(value, 0));
}
