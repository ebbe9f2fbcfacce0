/**
 * Duplicate map keys (issue #13 §1): refused in every mode and at every depth, both as equal
 * CBOR data items and as keys cbor-x would turn into equal JavaScript values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeFirst, encode, validate } from '../src/index.js';
import { duplicateKeyPair, mapHeader } from './dup-forms.js';
import { hex, thrown, toHex } from './helpers.js';

const LENIENT = { canonical: false } as const;

describe('decode: duplicate keys that a JavaScript reader would collapse', () => {
  const cases: [string, string, object?][] = [
    // the two examples
    ['1 and long-form 1 (18 01), lenient', 'a2 01 01 18 01 02', LENIENT],
    ['int 1 and half-float 1.0, lenient', 'a2 01 01 f9 3c 00 02', LENIENT],
    // more spellings of the number 1
    ['1 and 19 00 01', 'a2 01 01 19 00 01 02', LENIENT],
    ['1 and 1a 00 00 00 01', 'a2 01 01 1a 00 00 00 01 02', LENIENT],
    ['1 and 8-byte 1 (cbor-x gives 1n)', 'a2 01 01 1b 00 00 00 00 00 00 00 01 02', LENIENT],
    ['1 and single-float 1.0', 'a2 01 01 fa 3f 80 00 00 02', LENIENT],
    ['1 and double 1.0', 'a2 01 01 fb 3f f0 00 00 00 00 00 00 02', LENIENT],
    ['-1 and 38 00 (long-form -1)', 'a2 20 01 38 00 02', LENIENT],
    ['-2 (x of a COSE key) and 38 01', 'a2 21 01 38 01 02', LENIENT],
    ['0 and half-float -0.0', 'a2 00 01 f9 80 00 02', LENIENT],
    ['half-float 0.0 and double -0.0', 'a2 f9 00 00 01 fb 80 00 00 00 00 00 00 00 02', LENIENT],
    ['NaN (half) and NaN (double)', 'a2 f9 7e 00 01 fb 7f f8 00 00 00 00 00 00 02', LENIENT],
    ['1.5 as half and as double', 'a2 f9 3e 00 01 fb 3f f8 00 00 00 00 00 00 02', LENIENT],
    [
      '2^53 as 8-byte int and as double',
      'a2 1b 00 20 00 00 00 00 00 00 01 fb 43 40 00 00 00 00 00 00 02',
      LENIENT,
    ],
    ['"fmt" and "fmt" with a 1-byte length', 'a2 63 666d74 01 78 03 666d74 02', LENIENT],
    ['"fmt" with 2- and 8-byte lengths', 'a2 79 0003 666d74 01 7b 0000000000000003 666d74 02', LENIENT],
    ['equal byte strings in two length forms', 'a2 42 0102 01 58 02 0102 02', LENIENT],
    ['true twice', 'a2 f5 01 f5 02', LENIENT],
    ['duplicate in a nested map', 'a1 01 a2 01 01 18 01 02', LENIENT],
    ['duplicate in a map inside an array', '81 a2 61 61 01 78 01 61 02', LENIENT],
    ['duplicate in an indefinite-length map', 'bf 01 01 18 01 02 ff', LENIENT],
    ['duplicate keys in canonical mode', 'a2 01 01 01 02'],
    // canonical mode: a float key is not canonical, but one equal to another key is named a duplicate
    ['int 1 and half-float 1.0, canonical', 'a2 01 01 f9 3c 00 02'],
    ['half-float 1.0 then int 1, canonical', 'a2 f9 3c 00 01 01 02'],
    ['int 1 and double 1.0, canonical', 'a2 01 01 fb 3ff0000000000000 02'],
  ];
  for (const [name, h, opts] of cases) {
    it(`${name} → ERR_CBOR_DUPLICATE_KEY`, () => {
      const e = thrown(() => decode(hex(h), opts));
      expect(e.code).toBe('ERR_CBOR_DUPLICATE_KEY');
      expect(e.name).toBe('CborError');
      expect(e.message).toMatch(/duplicate key \(at byte \d+\)/);
      expect(thrown(() => validate(hex(h), opts)).code).toBe('ERR_CBOR_DUPLICATE_KEY');
      expect(thrown(() => decodeFirst(hex(h), opts)).code).toBe('ERR_CBOR_DUPLICATE_KEY');
    });
  }
  it('keeps distinct keys that only look alike: 1 vs -1, 1 vs "1", 1 vs h\'01\', 2^53 vs 2^53+1', () => {
    const m = decode<Map<unknown, unknown>>(hex('a4 01 01 20 02 61 31 03 41 01 04'), LENIENT);
    expect(m.size).toBe(4);
    const big = decode<Map<unknown, unknown>>(
      hex('a2 1b 0020000000000001 01 fb 4340000000000000 02'),
      LENIENT,
    );
    expect(big.size).toBe(2);
  });
  it('refuses arrays, maps and tags as map keys (no JavaScript reader can look them up)', () => {
    for (const h of ['a1 80 01', 'a1 a0 01', 'a1 c1 00 01']) {
      expect(thrown(() => decode(hex(h), { canonical: false, allowTags: true })).code).toBe(
        'ERR_CBOR_UNSUPPORTED',
      );
    }
  });
});

describe('decode: canonical mode keys and floats (CTAP 2.1 §8)', () => {
  it('refuses map keys that are not integers, byte or text strings', () => {
    // a float key equal to no other key (1.5 beside 1), true, null
    for (const h of ['a2 01 01 f9 3e 00 02', 'a1 f5 01', 'a1 f6 01', 'a1 fb 3ff8000000000000 01']) {
      expect(thrown(() => decode(hex(h))).code).toBe('ERR_CBOR_NON_CANONICAL');
    }
  });
  it('accepts a float only as encode writes it: 8 bytes, non-integral', () => {
    expect(decode(hex('fb 3ff8000000000000'))).toBe(1.5);
    expect(toHex(encode(1.5))).toBe('fb3ff8000000000000');
    for (const h of [
      'f9 3e00',
      'fa 3fc00000',
      'fb 3ff0000000000000',
      'fb 8000000000000000',
      'fb 7ff8000000000001',
    ]) {
      expect(thrown(() => decode(hex(h))).code).toBe('ERR_CBOR_NON_CANONICAL');
      expect(() => decode(hex(h), LENIENT)).not.toThrow();
    }
  });
  it('refuses undefined in canonical mode (encode cannot write it back)', () => {
    expect(thrown(() => decode(hex('a1 01 f7'))).code).toBe('ERR_CBOR_UNSUPPORTED');
    expect(decode<Map<number, unknown>>(hex('a1 01 f7'), LENIENT).get(1)).toBeUndefined();
  });
  it('encode refuses map keys decode would refuse in canonical mode', () => {
    for (const k of [1.5, true, null, [1]]) {
      expect(thrown(() => encode(new Map<unknown, unknown>([[k, 1]]))).code).toBe('ERR_CBOR_ENCODE');
    }
  });
});

// ----------------------------------------------------------------------------- property tests

/** A map of `others` distinct filler entries with a duplicate pair put in at random places. */
const mapWithDuplicate = fc
  .tuple(
    duplicateKeyPair,
    fc.uniqueArray(fc.integer({ min: 3000, max: 3100 }), { maxLength: 4 }),
    fc.nat(),
    fc.nat(),
    fc.nat({ max: 3 }),
  )
  .map(([[k1, k2], fillers, p1, p2, depth]) => {
    const entries = fillers.map((f) => `19${f.toString(16).padStart(4, '0')}00`);
    entries.splice(p1 % (entries.length + 1), 0, `${k1}01`);
    entries.splice(p2 % (entries.length + 1), 0, `${k2}02`);
    let h = mapHeader(entries.length) + entries.join('');
    // bury it: inside an array, or as the value of a map entry
    for (let d = 0; d < depth; d++) h = d % 2 === 0 ? `81${h}` : `a1 6176 ${h}`.replace(/ /g, '');
    return h;
  });

describe('property: duplicate keys in every form, at every depth', () => {
  it('decode refuses them with ERR_CBOR_DUPLICATE_KEY in lenient mode', () => {
    fc.assert(
      fc.property(mapWithDuplicate, (h) => {
        expect(thrown(() => decode(hex(h), LENIENT)).code).toBe('ERR_CBOR_DUPLICATE_KEY');
      }),
      { numRuns: 1000 },
    );
  });
  it('decode refuses them in canonical mode too (duplicate, non-canonical or unsupported form)', () => {
    fc.assert(
      fc.property(mapWithDuplicate, (h) => {
        expect(thrown(() => decode(hex(h))).code).toMatch(
          /^ERR_CBOR_(DUPLICATE_KEY|NON_CANONICAL|UNSUPPORTED)$/,
        );
      }),
      { numRuns: 500 },
    );
  });
  it('canonical inputs: accepted ⇒ encode(decode(x)) reproduces x byte for byte', () => {
    // random and mutated bytes: most are refused; every one accepted must re-encode exactly
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc
            .tuple(
              fc.constantFrom('a3 01 02 03 26 20 01', 'a2 61 61 f5 62 6161 f6', '83 18 18 41 00 a0'),
              fc.nat(),
              fc.nat({ max: 255 }),
            )
            .map(([h, at, byte]) => {
              const b = hex(h);
              b[at % b.length] = byte;
              return b;
            }),
        ),
        (b) => {
          let v: unknown;
          try {
            v = decode(b);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(/^ERR_CBOR_/);
            return;
          }
          accepted++;
          expect(toHex(encode(v))).toBe(toHex(b));
        },
      ),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
