/**
 * Duplicate-key generators shared by the property tests: every CBOR spelling of one map key that
 * a JavaScript reader sees as the same value (issue #13 §1; RFC 8949 §3.1, §3.3; §5.6 "Map keys").
 */
import fc from 'fast-check';

const h2 = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');

/** The CBOR encodings (hex) of the unsigned/negative integer `v` in every length form. */
export function intForms(v: number): string[] {
  const major = v >= 0 ? 0 : 1;
  const arg = v >= 0 ? v : -1 - v;
  const ib = (n: number) => h2((major << 5) | n, 1);
  const out: string[] = [];
  if (arg < 24) out.push(ib(arg));
  if (arg < 256) out.push(ib(24) + h2(arg, 1));
  if (arg < 65536) out.push(ib(25) + h2(arg, 2));
  out.push(ib(26) + h2(arg, 4));
  out.push(`${ib(27)}00000000${h2(arg, 4)}`);
  // the same number as a float: half (when exact), single and double
  const f = new DataView(new ArrayBuffer(8));
  f.setFloat32(0, v);
  if (f.getFloat32(0) === v) out.push(`fa${h2(f.getUint32(0), 4)}`);
  f.setFloat64(0, v);
  out.push(`fb${h2(f.getUint32(0), 4)}${h2(f.getUint32(4), 4)}`);
  if (Math.abs(v) <= 2048) out.push(`f9${h2(half(v), 2)}`);
  return out;
}

/** IEEE 754 half-precision bits of a small integer (exact for |v| ≤ 2048). */
function half(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const mant = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | mant;
}

/** The text string `s` (ASCII) in every length form. */
export function textForms(s: string, major = 3): string[] {
  const body = Buffer.from(s, 'utf8').toString('hex');
  const n = body.length / 2;
  const ib = (x: number) => h2((major << 5) | x, 1);
  const out: string[] = [];
  if (n < 24) out.push(ib(n) + body);
  if (n < 256) out.push(ib(24) + h2(n, 1) + body);
  out.push(ib(25) + h2(n, 2) + body);
  out.push(ib(26) + h2(n, 4) + body);
  out.push(`${ib(27)}00000000${h2(n, 4)}${body}`);
  return out;
}

/** Two (possibly identical) spellings of one key, as hex. */
export const duplicateKeyPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.integer({ min: -1000, max: 70000 }).chain((v) => {
    const forms = intForms(v);
    return fc.tuple(fc.constantFrom(...forms), fc.constantFrom(...forms));
  }),
  fc.constant<[string, string]>(['00', 'f98000']), // 0 and -0.0
  fc.constant<[string, string]>(['fb8000000000000000', 'f90000']), // -0.0 and 0.0
  fc
    .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), fc.constantFrom(2, 3))
    .chain(([s, major]) => {
      const forms = textForms(s, major);
      return fc.tuple(fc.constantFrom(...forms), fc.constantFrom(...forms));
    }),
);

/** A CBOR map header (hex) for `n` entries, in the shortest form. */
export function mapHeader(n: number): string {
  return n < 24 ? h2(0xa0 | n, 1) : `b8${h2(n, 1)}`;
}
