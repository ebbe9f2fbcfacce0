/**
 * The strict scan of CBOR bytes that runs before cbor-x sees them (see `cbor.ts`): well-formedness,
 * declared lengths against the bytes present, nesting depth, UTF-8, duplicate map keys and, in
 * canonical mode, the CTAP 2.1 §8 canonical form. It builds no values.
 *
 * Duplicate map keys are refused in every mode and at every depth, both when two keys are the
 * same CBOR data item and when they would become the same JavaScript value after decoding
 * (`01`, `18 01`, `1b 00…01`, `f9 3c 00` and `fb 3f f0…` are all the number 1; `-0.0` is 0; the
 * same text or bytes in another length form). A reader that kept the first or the last of two
 * such keys would disagree with another reader of the same bytes; this one refuses instead.
 * @internal
 */
import { CborError, type CborErrorCode } from './errors.js';

/** Scanner settings. @internal */
export interface ScanState {
  readonly b: Uint8Array;
  readonly canonical: boolean;
  readonly maxDepth: number;
  readonly allowTags: boolean;
}

const ALLOWED_TAGS = new Set([0, 1, 2, 3, 21, 22, 23, 24, 32, 33, 34, 35, 36, 55799]);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Throws the CborError of `code`, naming the offset. @internal */
export function fail(code: CborErrorCode, message: string, offset?: number): never {
  throw new CborError(code, offset === undefined ? message : `${message} (at byte ${offset})`, {
    details: offset === undefined ? undefined : { offset },
  });
}

/**
 * Compares two encoded map keys in CTAP2 canonical order: lower major type first, then the
 * shorter encoding, then byte-wise lexical order (CTAP 2.1 §8, RFC 7049 §3.9).
 * @internal
 */
export function compareKeys(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  c: Uint8Array,
  cStart: number,
  cEnd: number,
): number {
  const ma = (a[aStart] as number) >> 5;
  const mc = (c[cStart] as number) >> 5;
  if (ma !== mc) return ma - mc;
  const la = aEnd - aStart;
  const lc = cEnd - cStart;
  if (la !== lc) return la - lc;
  for (let i = 0; i < la; i++) {
    const d = (a[aStart + i] as number) - (c[cStart + i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function nonCanonical(message: string, at: number): never {
  fail('ERR_CBOR_NON_CANONICAL', message, at);
}

function readDouble(b: Uint8Array, at: number, size: number): number {
  const v = new DataView(b.buffer, b.byteOffset + at, size);
  if (size === 8) return v.getFloat64(0);
  if (size === 4) return v.getFloat32(0);
  // IEEE 754 half precision (RFC 8949 Appendix D)
  const h = v.getUint16(0);
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const mag =
    exp === 0
      ? mant * 2 ** -24
      : exp === 31
        ? mant === 0
          ? Infinity
          : NaN
        : (mant + 1024) * 2 ** (exp - 25);
  return h & 0x8000 ? -mag : mag;
}

/**
 * In canonical mode a float is accepted only as `encode` writes it: 8 bytes, a value that is not
 * an integer (integers are written as integers), NaN only as `7ff8000000000000`. CTAP2 and
 * WebAuthn use no floats; this keeps `encode(decode(x))` equal to `x` for every accepted `x`.
 */
function checkCanonicalFloat(b: Uint8Array, start: number, info: number): void {
  if (info !== 27) nonCanonical('CBOR float is not in the 8-byte form encode writes', start);
  const v = readDouble(b, start + 1, 8);
  if (Number.isInteger(v)) nonCanonical('CBOR float holds an integer; canonical form is the integer', start);
  if (
    Number.isNaN(v) &&
    (b[start + 1] !== 0x7f ||
      b[start + 2] !== 0xf8 ||
      b[start + 3] !== 0 ||
      b[start + 4] !== 0 ||
      b[start + 5] !== 0 ||
      b[start + 6] !== 0 ||
      b[start + 7] !== 0 ||
      b[start + 8] !== 0)
  ) {
    nonCanonical('CBOR NaN is not the canonical quiet NaN', start);
  }
}

/** The JavaScript number a key decodes to, as text that is equal exactly when the values are. */
function numberText(v: number): string {
  if (Number.isInteger(v) && !Number.isSafeInteger(v)) return BigInt(v).toString();
  return String(v); // String(-0) is '0', as a Map treats them; NaN is 'NaN'
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

/**
 * A string that two scanned map keys share exactly when cbor-x would give them equal JavaScript
 * values (or when they are the same CBOR data item). Arrays, maps and tags as keys decode to
 * objects no caller can look up, and equal ones are hard to define: they are refused.
 */
function keyIdentity(b: Uint8Array, start: number, end: number): string {
  const ib = b[start] as number;
  const major = ib >> 5;
  const info = ib & 31;
  const head = info < 24 ? 1 : 1 + (1 << (info - 24));
  switch (major) {
    case 0:
    case 1: {
      let arg = info < 24 ? info : 0;
      let big: bigint | undefined;
      if (
        info === 27 &&
        (b[start + 1] as number) + (b[start + 2] as number) + ((b[start + 3] as number) >> 5) > 0
      ) {
        big = 0n;
        for (let i = 1; i < 9; i++) big = big * 256n + BigInt(b[start + i] as number);
      } else if (info >= 24) {
        for (let i = 1; i < head; i++) arg = arg * 256 + (b[start + i] as number);
      }
      if (big !== undefined) return `n${major === 0 ? big : -1n - big}`;
      return `n${numberText(major === 0 ? arg : -1 - arg)}`;
    }
    case 2:
      return `b${latin1(b, start + head, end)}`;
    case 3:
      return `t${latin1(b, start + head, end)}`;
    case 7:
      if (info >= 25) return `n${numberText(readDouble(b, start + 1, head - 1))}`;
      return `s${info === 24 ? (b[start + 1] as number) : info}`;
    default:
      return fail(
        'ERR_CBOR_UNSUPPORTED',
        'CBOR map keys that are arrays, maps or tags are not supported',
        start,
      );
  }
}

/** Scans one item starting at `pos`; returns the offset just past it. @internal */
export function scan(st: ScanState, pos: number, depth: number): number {
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
      if (info >= 25) {
        // half, single, double float
        if (st.canonical) checkCanonicalFloat(b, start, info);
        return pos;
      }
      if (info === 24) {
        if (arg < 32)
          fail('ERR_CBOR_MALFORMED', `CBOR simple value ${arg} in two bytes is not well-formed`, start);
        fail('ERR_CBOR_UNSUPPORTED', `CBOR simple value ${arg} is not supported`, start);
      }
      if (info < 20) fail('ERR_CBOR_UNSUPPORTED', `CBOR simple value ${info} is not supported`, start);
      if (info === 23 && st.canonical) {
        // encode cannot write undefined, so a canonical reading could not be written back
        fail('ERR_CBOR_UNSUPPORTED', 'CBOR undefined is not part of CTAP2 canonical CBOR', start);
      }
      return pos; // false, true, null, undefined
    }
  }
}

function duplicateKey(at: number): never {
  fail('ERR_CBOR_DUPLICATE_KEY', 'CBOR map has a duplicate key', at);
}

/**
 * A key canonical form does not allow (a float, a simple value, …). If it collides as a
 * JavaScript value with another key of the map (`01` and `f9 3c00`), that is named as the
 * duplicate it is; otherwise the key is non-canonical. Only runs on this error path.
 */
function refuseCanonicalKey(
  st: ScanState,
  entriesStart: number,
  count: number,
  depth: number,
  at: number,
): never {
  const lenient: ScanState = { ...st, canonical: false }; // read the other keys as they are
  const seen = new Set<string>();
  let p = entriesStart;
  for (let i = 0; i < count; i++) {
    const keyStart = p;
    p = scan(lenient, p, depth + 1);
    const id = keyIdentity(st.b, keyStart, p);
    if (seen.has(id)) duplicateKey(keyStart);
    seen.add(id);
    p = scan(lenient, p, depth + 1);
  }
  nonCanonical('CTAP2 canonical map keys are integers, byte strings or text strings', at);
}

function scanMapEntries(st: ScanState, pos: number, count: number, depth: number): number {
  const b = st.b;
  if (!st.canonical) {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const keyStart = pos;
      pos = scan(st, pos, depth + 1);
      const id = keyIdentity(b, keyStart, pos);
      if (seen.has(id)) duplicateKey(keyStart);
      seen.add(id);
      pos = scan(st, pos, depth + 1);
    }
    return pos;
  }
  // Canonical: keys are integers, byte or text strings in shortest form, strictly ascending. Two
  // such keys are equal JavaScript values only when their bytes are equal, so ascending order
  // rules out duplicates of both kinds.
  const entriesStart = pos;
  let prevStart = -1;
  let prevEnd = -1;
  for (let i = 0; i < count; i++) {
    const keyStart = pos;
    if (keyStart < b.length && (b[keyStart] as number) >> 5 > 3) {
      refuseCanonicalKey(st, entriesStart, count, depth, keyStart);
    }
    pos = scan(st, pos, depth + 1);
    if (prevStart >= 0) {
      const cmp = compareKeys(b, prevStart, prevEnd, b, keyStart, pos);
      if (cmp === 0) duplicateKey(keyStart);
      if (cmp > 0) nonCanonical('CBOR map keys are not in CTAP2 canonical order', keyStart);
    }
    prevStart = keyStart;
    prevEnd = pos;
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
      const id = keyIdentity(b, itemStart, pos);
      if (seen.has(id)) duplicateKey(itemStart);
      seen.add(id);
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
