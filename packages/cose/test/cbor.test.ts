import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeFirst, encode, validate } from '../src/index.js';
import { hex, thrown, toHex } from './helpers.js';

describe('the writer and the cbor-x decoder speak CTAP2', () => {
  it('encodes a Map as a plain CBOR map, not tag 259', () => {
    expect(toHex(encode(new Map([[1, 2]])))).toBe('a10102');
  });
  it('encodes a Uint8Array as a byte string, not tag 64', () => {
    expect(toHex(encode(new Uint8Array([1, 2, 3])))).toBe('43010203');
  });
  it('encodes a Buffer like a Uint8Array', () => {
    expect(toHex(encode(Buffer.from([1, 2, 3])))).toBe('43010203');
  });
  it('decodes maps to Map (also with string keys) and byte strings to plain Uint8Array', () => {
    const v = decode<Map<unknown, unknown>>(hex('a2616101614243010203'), { canonical: false });
    expect(v).toBeInstanceOf(Map);
    expect(v.get('a')).toBe(1);
    const b = v.get('B') as Uint8Array;
    expect(b.constructor).toBe(Uint8Array);
    expect([...b]).toEqual([1, 2, 3]);
  });
  it('copies byte strings out of the input', () => {
    const input = hex('43010203');
    const v = decode<Uint8Array>(input);
    input[1] = 9;
    expect([...v]).toEqual([1, 2, 3]);
  });
  it('encodes integers of 2^32 and beyond as integers, not floats', () => {
    expect(toHex(encode(2 ** 32))).toBe('1b0000000100000000');
    expect(toHex(encode(-(2 ** 32) - 1))).toBe('3b0000000100000000');
    expect(toHex(encode(2 ** 32 - 1))).toBe('1affffffff');
    expect(toHex(encode(18446744073709551615n))).toBe('1bffffffffffffffff');
    expect(toHex(encode(1n))).toBe('01');
    expect(toHex(encode(-(2n ** 32n)))).toBe('3affffffff');
  });
  it('never emits records, packed values or tags', () => {
    const v = { a: [{ x: 1 }, { x: 2 }], b: new Map([[1, { x: 3 }]]) };
    const bytes = encode(v);
    expect(() => validate(bytes)).not.toThrow();
    for (const byte of bytes) expect(byte >> 5).not.toBe(6);
  });
});

describe('encode: CTAP2 canonical form (CTAP 2.1 §8)', () => {
  it('sorts map keys: major type, then length, then bytes', () => {
    // a COSE EC2 key given out of order
    const m = new Map<unknown, unknown>([
      [-3, 1],
      [-1, 1],
      [1, 2],
      [3, -7],
      [-2, 1],
    ]);
    expect(toHex(encode(m))).toBe('a5010203262001210122 01'.replace(/ /g, ''));
    // CTAP 2.1 §8 example ordering of text keys
    const t = encode({ bb: 1, a: 1, b: 1, aa: 1, 10: 1, 100: 1 });
    const keys = [...decode<Map<string, number>>(t).keys()];
    expect(keys).toEqual(['a', 'b', '10', 'aa', 'bb', '100']);
  });
  it('sorts integer keys before text keys', () => {
    expect([
      ...decode<Map<unknown, unknown>>(
        encode(
          new Map<unknown, unknown>([
            ['z', 1],
            [5, 1],
            [-1, 1],
          ]),
        ),
      ).keys(),
    ]).toEqual([5, -1, 'z']);
  });
  it('leaves out object members and Map entries whose value is undefined', () => {
    expect(toHex(encode({ a: 1, b: undefined }))).toBe('a1616101');
    expect(
      toHex(
        encode(
          new Map([
            [1, undefined],
            [2, 3],
          ]),
        ),
      ),
    ).toBe('a10203');
  });
  it('refuses what CBOR cannot carry, with ERR_CBOR_ENCODE', () => {
    for (const bad of [
      undefined,
      () => 1,
      Symbol('s'),
      new Date(0),
      new Uint16Array(2),
      new Set([1]),
      [undefined],
      2n ** 64n,
      2 ** 60 + 0.5 * 0 + 2 ** 60,
    ]) {
      const e = thrown(() => encode(bad));
      expect(e.code, String(bad)).toBe('ERR_CBOR_ENCODE');
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(thrown(() => encode(cyclic)).code).toBe('ERR_CBOR_ENCODE');
  });
  it('refuses two keys with the same encoding', () => {
    expect(
      thrown(() =>
        encode(
          new Map<unknown, unknown>([
            [1, 1],
            [1n, 2],
          ]),
        ),
      ).code,
    ).toBe('ERR_CBOR_ENCODE');
  });
});

describe('decode: strictness', () => {
  const cases: [string, string, string, object?][] = [
    ['non-shortest integer', '1817', 'ERR_CBOR_NON_CANONICAL'],
    ['non-shortest length', '5801ff', 'ERR_CBOR_NON_CANONICAL'],
    ['non-shortest 8-byte integer', '1b00000000ffffffff', 'ERR_CBOR_NON_CANONICAL'],
    ['keys out of order', 'a203010102', 'ERR_CBOR_NON_CANONICAL'],
    ['text key before int key', 'a26161010102', 'ERR_CBOR_NON_CANONICAL'],
    ['duplicate key (canonical)', 'a201010102', 'ERR_CBOR_DUPLICATE_KEY'],
    ['duplicate key (lenient)', 'a201010102', 'ERR_CBOR_DUPLICATE_KEY', { canonical: false }],
    ['duplicate text key (lenient)', 'a2616101616102', 'ERR_CBOR_DUPLICATE_KEY', { canonical: false }],
    ['indefinite array in canonical mode', '9f01ff', 'ERR_CBOR_NON_CANONICAL'],
    ['tag', 'c11a514b67b0', 'ERR_CBOR_UNSUPPORTED'],
    ['tag in lenient mode without allowTags', 'c11a514b67b0', 'ERR_CBOR_UNSUPPORTED', { canonical: false }],
    ['simple value 16', 'f0', 'ERR_CBOR_UNSUPPORTED'],
    ['two-byte simple value below 32', 'f818', 'ERR_CBOR_MALFORMED'],
    ['reserved additional information', '1c', 'ERR_CBOR_MALFORMED'],
    ['break outside indefinite item', 'ff', 'ERR_CBOR_MALFORMED'],
    ['indefinite integer', '1f', 'ERR_CBOR_MALFORMED'],
    ['truncated header', '19 01'.replace(' ', ''), 'ERR_CBOR_TRUNCATED'],
    ['truncated byte string', '4401', 'ERR_CBOR_TRUNCATED'],
    ['empty input', '', 'ERR_CBOR_TRUNCATED'],
    ['invalid UTF-8', '62c328', 'ERR_CBOR_INVALID_UTF8'],
    ['trailing bytes', '0101', 'ERR_CBOR_TRAILING_BYTES'],
    [
      'indefinite string with a chunk of another type',
      '7f4100ff',
      'ERR_CBOR_MALFORMED',
      { canonical: false },
    ],
    ['unterminated indefinite map', 'bf0101', 'ERR_CBOR_TRUNCATED', { canonical: false }],
    ['indefinite map ending after a key', 'bf01ff', 'ERR_CBOR_MALFORMED', { canonical: false }],
    ['duplicate key in indefinite map', 'bf01010102ff', 'ERR_CBOR_DUPLICATE_KEY', { canonical: false }],
  ];
  for (const [name, h, code, opts] of cases) {
    it(`${name} → ${code}`, () => {
      const e = thrown(() => decode(hex(h), opts));
      expect(e.code).toBe(code);
      expect(e.name).toBe('CborError');
    });
  }
  it('accepts out-of-order keys when not canonical', () => {
    expect(decode(hex('a203010102'), { canonical: false })).toEqual(
      new Map([
        [3, 1],
        [1, 2],
      ]),
    );
  });
  it('allows trailing bytes when asked, and decodeFirst reports bytesRead', () => {
    expect(decode(hex('0102'), { allowTrailing: true })).toBe(1);
    expect(decodeFirst(hex('a10102ffff'))).toEqual({ value: new Map([[1, 2]]), bytesRead: 3 });
  });
  it('a declared length of 2^32 with ten bytes present fails fast without allocating', () => {
    for (const h of [
      `5b0000000100000000${'00'.repeat(10)}`,
      `9b0000000100000000${'00'.repeat(10)}`,
      `bb0000000100000000${'00'.repeat(10)}`,
      '5bffffffffffffffff00',
    ]) {
      const t0 = performance.now();
      expect(thrown(() => decode(hex(h))).code).toBe('ERR_CBOR_TRUNCATED');
      expect(performance.now() - t0).toBeLessThan(50);
    }
  });
  it('10,000 nested arrays give ERR_CBOR_DEPTH, not a stack overflow', () => {
    const b = new Uint8Array(10_001).fill(0x81);
    b[10_000] = 0;
    expect(thrown(() => decode(b)).code).toBe('ERR_CBOR_DEPTH');
    expect(thrown(() => decode(b, { maxDepth: 1000 })).code).toBe('ERR_CBOR_DEPTH');
    expect(thrown(() => decode(b, { maxDepth: 10_000 })).code).toBe('ERR_INVALID_ARGUMENT');
  });
  it('depth is bounded by maxDepth exactly', () => {
    const nested = (n: number) => hex(`${'81'.repeat(n)}00`);
    expect(() => decode(nested(32))).not.toThrow();
    expect(thrown(() => decode(nested(33))).code).toBe('ERR_CBOR_DEPTH');
    expect(() => decode(nested(3), { maxDepth: 3 })).not.toThrow();
    expect(thrown(() => decode(nested(4), { maxDepth: 3 })).code).toBe('ERR_CBOR_DEPTH');
  });
  it('reports the byte offset of the failure in details', () => {
    const e = thrown(() => decode(hex('82011817'))) as Error & { details?: { offset: number } };
    expect(e.details?.offset).toBe(2);
    expect(e.message).toContain('at byte 2');
  });
});

// ----------------------------------------------------------------------------- property tests

const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
    fc.bigInt({ min: 2n ** 32n, max: 2n ** 64n - 1n }),
    fc.bigInt({ min: -(2n ** 64n) + 1n, max: -(2n ** 32n) - 1n }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 80 }),
    fc.boolean(),
    fc.constant(null),
    fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .uniqueArray(
        fc.tuple(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 8 })), tie('value')),
        {
          maxLength: 5,
          selector: ([k]) => k,
        },
      )
      .map((entries) => new Map(entries)),
  ),
})).value;

/** What a value decodes back to: big-ints in 8-byte range stay bigint, small ones numbers. */
function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 32n) && v < 2n ** 32n ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [normalise(k), normalise(x)]));
  if (typeof v === 'number' && Number.isInteger(v) && (v >= 2 ** 32 || v < -(2 ** 32))) return BigInt(v);
  return v;
}

describe('property: encode/decode round trip', () => {
  it('decode(encode(v)) equals v, and encode output is canonical', () => {
    fc.assert(
      fc.property(cborValue, (v) => {
        const bytes = encode(v);
        validate(bytes); // canonical by our own scanner
        expect(decode(bytes)).toEqual(normalise(v));
        expect(toHex(encode(decode(bytes)))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
  it('random bytes decode or fail with a CborError code, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, canonical) => {
        try {
          decode(b, { canonical });
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^ERR_CBOR_/);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('mutated valid encodings decode or fail with a CborError code', () => {
    fc.assert(
      fc.property(cborValue, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
        const bytes = encode(v);
        bytes[at % bytes.length] = byte;
        try {
          decode(bytes, { canonical: at % 2 === 0 });
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^ERR_CBOR_/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('map key encodings (the direct path for integer and ASCII keys)', () => {
  // CTAP 2.1 §8 "Message Encoding": keys sort by major type, then shorter first, then
  // lexically by their encoded bytes. A map's entries come out in the order of each key encoded on its own, and
  // the map's bytes equal its header followed by each key and value encoded on their own.
  const key = fc.oneof(
    fc.integer({ min: -0x100000000, max: 0xffffffff }),
    fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, -1, -24, -25, -256, -257, -65536, -65537),
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  );
  it('sorts and writes keys as cbor-x writes each key alone', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 8 }), (keys) => {
        const sorted = keys
          .map((k) => ({ k, enc: encode(k) }))
          .sort(
            (a, b) =>
              (a.enc[0] as number) - (b.enc[0] as number) ||
              a.enc.length - b.enc.length ||
              toHex(a.enc).localeCompare(toHex(b.enc)),
          );
        const bytes = encode(new Map(keys.map((k) => [k, 0])));
        const expected = sorted.map((s) => `${toHex(s.enc)}00`).join('');
        expect(toHex(bytes).endsWith(expected)).toBe(true);
        expect(toHex(bytes).length).toBe(expected.length + (keys.length < 24 ? 2 : 4));
      }),
    );
  });
});

describe('the canonical writer (cbor-write.ts)', () => {
  // The encoder before the writer: cbor-x with every extension off, over maps already sorted.
  const cborX = new Encoder({
    mapsAsObjects: false,
    useRecords: false,
    structuredClone: false,
    bundleStrings: false,
    useTag259ForMaps: false,
    tagUint8Array: false,
    variableMapSize: true,
    pack: false,
    useToJSON: false,
    largeBigIntToFloat: false,
  } as ConstructorParameters<typeof Encoder>[0]);

  it('writes what cbor-x writes for the same sorted value, byte for byte', () => {
    fc.assert(
      fc.property(cborValue, (v) => {
        const bytes = encode(v);
        // decode keeps the (sorted) map order and turns 8-byte integers into bigints, which
        // cbor-x writes in the 8-byte form: the old encoder's exact input
        expect(toHex(new Uint8Array(cborX.encode(decode(bytes))))).toBe(toHex(bytes));
      }),
      { numRuns: 1000 },
    );
  });
  it('refuses text with a lone surrogate (no UTF-8 form; cbor-x wrote bytes decode refuses)', () => {
    for (const bad of ['\ud800', 'a\udc00', '\udbff\u0041', 'x\ud83d']) {
      expect(thrown(() => encode(bad))).toMatchObject({ code: 'ERR_CBOR_ENCODE' });
      expect(thrown(() => encode(new Map([[bad, 1]])))).toMatchObject({ code: 'ERR_CBOR_ENCODE' });
    }
    expect(toHex(encode('\ud83d\ude00'))).toBe('64f09f9880'); // a pair is one code point
  });
  it('writes one NaN whatever its payload', () => {
    const f = new Float64Array(1);
    new DataView(f.buffer).setBigUint64(0, 0x7ff0000000000001n, true);
    expect(toHex(encode(f[0]))).toBe('fb7ff8000000000000');
    expect(toHex(encode(Number.NaN))).toBe('fb7ff8000000000000');
  });
  it('encodes from inside a getter without disturbing the outer message', () => {
    const inner = { a: 'inner' };
    const v = {
      get b() {
        return encode(inner);
      },
      c: 'x'.repeat(300),
    };
    const outer = encode(v);
    expect(decode(outer)).toEqual(
      new Map<unknown, unknown>([
        ['b', encode(inner)],
        ['c', 'x'.repeat(300)],
      ]),
    );
  });
  it('grows past its scratch buffer and still writes messages of any size', () => {
    const big = new Uint8Array(200_000).fill(7);
    const bytes = encode(new Map([[1, big]]));
    expect(bytes.length).toBe(2 + 5 + big.length); // a1 01 5a <4-byte length>
    expect(decode<Map<number, Uint8Array>>(bytes).get(1)).toEqual(big);
    expect(toHex(encode(new Map([[1, 2]])))).toBe('a10102');
  });
  it('refuses a cycle with a code, not a stack overflow', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(thrown(() => encode(a))).toMatchObject({ code: 'ERR_CBOR_ENCODE' });
  });
});
