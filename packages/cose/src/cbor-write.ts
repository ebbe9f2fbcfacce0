/**
 * The CTAP2-canonical CBOR writer behind `encode` (CTAP 2.1 §8; RFC 8949 §4.2.1 with CTAP2's key
 * order: by major type, then by length, then bytewise). One pass over the value: integers and
 * lengths in their shortest form, definite lengths only, map keys sorted by their encodings,
 * floats (non-integral numbers only) in the 8-byte form, no tags.
 *
 * It writes what cbor-x wrote under the old normalise-then-cbor-x encoder, byte for byte (a
 * property test holds the two side by side), without the intermediate sorted copy of every map
 * and without cbor-x's general-purpose machinery: encoding was a fifth of the JavaScript time of
 * a virtual-key round trip. Lone UTF-16 surrogates are refused: they have no UTF-8 encoding, and
 * the decoder refuses the bytes cbor-x wrote for them. @internal
 */
import { describe, isBytes } from './_assert.js';
import { compareKeys } from './cbor-scan.js';
import { CborError } from './errors.js';

const MAX_DEPTH = 64;
const UINT64_MAX = (1n << 64n) - 1n;
// -2^64 is valid CBOR, but the encoder has always refused it (cbor-x could only write a bignum).
const NEG_UINT64_MIN = -(1n << 64n) + 1n;
const TWO_32 = 0x100000000;

function fail(message: string): never {
  throw new CborError('ERR_CBOR_ENCODE', message);
}

/** A growable output buffer. */
class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  reset(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A head with a number argument below 2^32, in its shortest form. */
  head(major: number, arg: number): void {
    this.room(5);
    const m = major << 5;
    const b = this.buf;
    if (arg < 24) b[this.pos++] = m | arg;
    else if (arg < 0x100) {
      b[this.pos++] = m | 24;
      b[this.pos++] = arg;
    } else if (arg < 0x10000) {
      b[this.pos++] = m | 25;
      b[this.pos++] = arg >>> 8;
      b[this.pos++] = arg & 0xff;
    } else {
      b[this.pos++] = m | 26;
      this.view.setUint32(this.pos, arg);
      this.pos += 4;
    }
  }

  /** A head with an 8-byte argument (cbor-x's form for integers of 2^32 and beyond). */
  head64(major: number, arg: bigint): void {
    this.room(9);
    this.buf[this.pos++] = (major << 5) | 27;
    this.view.setBigUint64(this.pos, arg);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    const n = s.length;
    // ASCII is the common case (RP IDs, member names, attestation formats): written directly
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.head(3, n);
      this.room(n);
      for (let i = 0; i < n; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    if (hasLoneSurrogate(s)) fail('text contains a lone UTF-16 surrogate, which has no UTF-8 encoding');
    const utf8 = utf8Encoder.encode(s);
    this.head(3, utf8.length);
    this.bytes(utf8);
  }

  float(v: number): void {
    this.room(9);
    this.buf[this.pos++] = 0xfb;
    if (Number.isNaN(v)) {
      // one NaN, whatever payload the number carried
      this.view.setUint32(this.pos, 0x7ff80000);
      this.view.setUint32(this.pos + 4, 0);
    } else this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
}

const utf8Encoder = new TextEncoder();

/** True when `s` is not well-formed UTF-16 (String.prototype.isWellFormed, for older runtimes). */
function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return true; // a low surrogate first
    const next = s.charCodeAt(i + 1); // NaN past the end
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

function integer(w: Writer, v: number): void {
  if (v >= 0) {
    if (v < TWO_32) w.head(0, v);
    else if (Number.isSafeInteger(v)) w.head64(0, BigInt(v));
    else fail(`integer ${v} is not exact; pass a bigint`);
  } else if (v >= -TWO_32) w.head(1, -1 - v);
  else if (Number.isSafeInteger(v)) w.head64(1, BigInt(-1 - v));
  else fail(`integer ${v} is not exact; pass a bigint`);
}

function bigInteger(w: Writer, v: bigint): void {
  if (v > UINT64_MAX || v < NEG_UINT64_MIN) fail(`integer ${v} does not fit in 64 bits`);
  // small ones take the shortest form, as numbers do
  if (v < 0x100000000n && v >= -0x100000000n) integer(w, Number(v));
  else if (v >= 0n) w.head64(0, v);
  else w.head64(1, -1n - v);
}

function write(w: Writer, value: unknown, depth: number): undefined {
  if (depth > MAX_DEPTH) fail(`value nests deeper than ${MAX_DEPTH} (a cycle?)`);
  switch (typeof value) {
    case 'number':
      if (Number.isInteger(value))
        integer(w, value === 0 ? 0 : value); // -0 is 0
      else w.float(value);
      return;
    case 'bigint':
      bigInteger(w, value);
      return;
    case 'string':
      w.text(value);
      return;
    case 'boolean':
      w.room(1);
      w.buf[w.pos++] = value ? 0xf5 : 0xf4;
      return;
    case 'object': {
      if (value === null) {
        w.room(1);
        w.buf[w.pos++] = 0xf6;
        return;
      }
      if (isBytes(value)) {
        w.head(2, value.length);
        w.bytes(value);
        return;
      }
      if (Array.isArray(value)) {
        w.head(4, value.length);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) fail(`array item ${i} is undefined`);
          write(w, item, depth + 1);
        }
        return;
      }
      if (value instanceof Map) {
        writeMap(w, value, depth);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        writeObject(w, value as Record<string, unknown>, depth);
        return;
      }
      return fail(`cannot encode ${describe(value)}`);
    }
    default:
      return fail(`cannot encode ${describe(value)}`);
  }
}

/**
 * A map: the key encodings sorted by CTAP2's rule (insertion sort: CTAP and COSE maps hold a
 * dozen entries at most), two keys with one encoding refused, entries whose value is
 * `undefined` left out (absent optional members).
 */
function writeMap(w: Writer, m: Map<unknown, unknown>, depth: number): void {
  const keys = new Array<Uint8Array>(m.size);
  const values = new Array<unknown>(m.size);
  let n = 0;
  m.forEach((v, k) => {
    if (v !== undefined) n = insert(keys, values, n, keyEncoding(k), v);
  });
  writeSorted(w, keys, values, n, depth);
}

function writeObject(w: Writer, o: Record<string, unknown>, depth: number): void {
  const names = Object.keys(o);
  const keys = new Array<Uint8Array>(names.length);
  const values = new Array<unknown>(names.length);
  let n = 0;
  for (const name of names) {
    const v = o[name];
    if (v !== undefined) n = insert(keys, values, n, keyEncoding(name), v);
  }
  writeSorted(w, keys, values, n, depth);
}

/** Inserts an entry among the first `n`, in order (moving the larger keys up one place). */
function insert(keys: Uint8Array[], values: unknown[], n: number, enc: Uint8Array, v: unknown): number {
  let i = n;
  for (; i > 0; i--) {
    const prev = keys[i - 1] as Uint8Array;
    const cmp = compareKeys(prev, 0, prev.length, enc, 0, enc.length);
    if (cmp === 0) fail('map has two keys with the same encoding');
    if (cmp < 0) break;
    keys[i] = prev;
    values[i] = values[i - 1];
  }
  keys[i] = enc;
  values[i] = v;
  return n + 1;
}

function writeSorted(w: Writer, keys: Uint8Array[], values: unknown[], n: number, depth: number): void {
  w.head(5, n);
  for (let i = 0; i < n; i++) {
    w.bytes(keys[i] as Uint8Array);
    write(w, values[i], depth + 1);
  }
}

// Key encodings are only compared and copied, never handed out, so they can be shared: the
// integer keys of CTAP and COSE maps and the text keys of WebAuthn entities are a small set.
const SMALL_INT_KEYS = 256;
const smallIntKeys: (Uint8Array | undefined)[] = new Array(2 * SMALL_INT_KEYS).fill(undefined);
const TEXT_KEY_CACHE_MAX_LENGTH = 32;
const TEXT_KEY_CACHE_SIZE = 256;
const textKeys = new Map<string, Uint8Array>();

/** The encoding of a map key: an integer, a text string or a byte string (what decode accepts). */
function keyEncoding(k: unknown): Uint8Array {
  if (typeof k === 'number' && Number.isInteger(k)) {
    if (k >= -SMALL_INT_KEYS && k < SMALL_INT_KEYS) {
      const i = k + SMALL_INT_KEYS;
      let enc = smallIntKeys[i];
      if (enc === undefined) {
        enc = writeCanonical(k === 0 ? 0 : k);
        smallIntKeys[i] = enc;
      }
      return enc;
    }
    return writeCanonical(k);
  }
  if (typeof k === 'string') {
    if (k.length > TEXT_KEY_CACHE_MAX_LENGTH) return writeCanonical(k);
    let enc = textKeys.get(k);
    if (enc === undefined) {
      enc = writeCanonical(k);
      if (textKeys.size >= TEXT_KEY_CACHE_SIZE) textKeys.clear();
      textKeys.set(k, enc);
    }
    return enc;
  }
  if (typeof k === 'bigint' || isBytes(k)) return writeCanonical(k);
  return fail(`map key ${describe(k)} is not an integer, text or byte string (CTAP2 canonical keys)`);
}

// One scratch writer, reused: most messages fit in it, and the result is copied out. A getter
// of a plain object that encodes while the scratch is in use gets a writer of its own.
const scratch = new Writer(4096);
let scratchInUse = false;

/** Encodes a value; see `encode` in cbor.ts for the rules. @internal */
export function writeCanonical(value: unknown): Uint8Array {
  if (scratchInUse) {
    const w = new Writer(256);
    write(w, value, 0);
    return w.buf.slice(0, w.pos);
  }
  scratchInUse = true;
  try {
    scratch.pos = 0;
    write(scratch, value, 0);
    return scratch.buf.slice(0, scratch.pos);
  } finally {
    // what was written may be secret (a credential ID's sealed payload is encoded here first)
    scratch.buf.fill(0, 0, scratch.pos);
    scratchInUse = false;
    // a large message grew the scratch: let it go rather than keep it for good
    if (scratch.buf.length > 65536) scratch.reset(4096);
  }
}
