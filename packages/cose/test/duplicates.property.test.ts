/**
 * Property tests (issue #13 §1): duplicate map keys generated in every spelling — integers in
 * each length form, as half/single/double floats, -0.0, text and byte strings in each length
 * form — and injected into every parser that reads CBOR: decode (CTAP-style response maps),
 * parseAttestationObject (top level and attStmt), decodeCoseKey, parseAuthenticatorData
 * (credential key and extensions). Each is refused with a typed code whose CBOR cause is
 * ERR_CBOR_DUPLICATE_KEY.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  concatBytes,
  decode,
  decodeCoseKey,
  encode,
  encodeCoseKey,
  parseAttestationObject,
  parseAuthenticatorData,
  sha256,
  utf8Encode,
} from '../src/index.js';
import { duplicateKeyPair, intForms, mapHeader, textForms } from './dup-forms.js';
import { hex, thrown } from './helpers.js';
import { signedSamples } from './keys.js';

type Coded = Error & { code?: string; cause?: Coded };
const enc = (v: unknown) => bytesToHex(encode(v));
const cosePub = encodeCoseKey({ ...signedSamples()[0]!.key, alg: -7 });

/** The CBOR error at the bottom of a cause chain. */
function rootCode(e: Coded): string | undefined {
  let c: Coded | undefined = e;
  while (c?.cause) c = c.cause;
  return c?.code;
}

/**
 * A map (hex) of `entries` (hex key, hex value) with `dupKey` added once more with `dupValue`,
 * at a position chosen by `at`.
 */
function withExtra(entries: [string, string][], dupKey: string, dupValue: string, at: number): string {
  const all = entries.map(([k, v]) => k + v);
  all.splice(at % (all.length + 1), 0, dupKey + dupValue);
  return mapHeader(all.length) + all.join('');
}

/** Another spelling of an integer or text key given in its canonical hex. */
function respell(canonicalHex: string, pick: number): string {
  const v = decode<unknown>(hex(canonicalHex));
  const forms = typeof v === 'number' ? intForms(v) : textForms(v as string);
  return forms[pick % forms.length] as string;
}

const value = fc.oneof(
  fc.integer({ min: -100, max: 100 }).map(enc),
  fc.string({ maxLength: 6 }).map(enc),
  fc.uint8Array({ maxLength: 8 }).map(enc),
);

function authData(cose: Uint8Array, ext?: Uint8Array): Uint8Array {
  const head = new Uint8Array(37);
  head.set(sha256(utf8Encode('example.com')));
  head[32] = 0x45 | (ext ? 0x80 : 0);
  const parts = [head, new Uint8Array(16), Uint8Array.of(0, 2), Uint8Array.of(7, 7), cose];
  if (ext) parts.push(ext);
  return concatBytes(...parts);
}

const COSE_ENTRIES = (() => {
  const m = decode<Map<number, unknown>>(cosePub);
  return [...m].map(([k, v]) => [enc(k), enc(v)] as [string, string]);
})();

describe('property: duplicate keys injected into every parser', () => {
  it('CTAP-style response maps (getInfo, makeCredential) through decode, both modes', () => {
    const getInfo: [string, string][] = [
      [enc(1), enc(['FIDO_2_0', 'FIDO_2_1'])],
      [enc(2), enc(['credProtect', 'hmac-secret'])],
      [enc(3), enc(new Uint8Array(16))],
      [enc(4), enc({ rk: true, up: true, clientPin: false })],
      [enc(5), enc(1200)],
    ];
    const makeCredential: [string, string][] = [
      [enc(1), enc('packed')],
      [enc(2), enc(authData(cosePub))],
      [enc(3), enc({ alg: -7, sig: new Uint8Array(70) })],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(getInfo, makeCredential),
        fc.nat(),
        fc.nat(),
        value,
        (entries, pick, at, v) => {
          const key = (entries[pick % entries.length] as [string, string])[0];
          const h = withExtra(entries, respell(key, pick >> 3), v, at);
          expect(thrown(() => decode(hex(h), { canonical: false })).code).toBe('ERR_CBOR_DUPLICATE_KEY');
          expect(thrown(() => decode(hex(h))).code).toMatch(/^ERR_CBOR_(DUPLICATE_KEY|NON_CANONICAL)$/);
        },
      ),
      { numRuns: 500 },
    );
  });
  it('parseAttestationObject: a top-level member or an attStmt member twice', () => {
    const ad = authData(cosePub);
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.nat(), value, (inStmt, pick, at, v) => {
        const stmt: [string, string][] = [
          [enc('alg'), enc(-7)],
          [enc('sig'), enc(new Uint8Array(8))],
        ];
        const stmtHex = inStmt
          ? withExtra(stmt, respell(enc(pick % 2 ? 'alg' : 'sig'), pick >> 1), v, at)
          : mapHeader(2) + stmt.map(([k, x]) => k + x).join('');
        const top: [string, string][] = [
          [enc('fmt'), enc('packed')],
          [enc('attStmt'), stmtHex],
          [enc('authData'), enc(ad)],
        ];
        const name = ['fmt', 'attStmt', 'authData'][pick % 3] as string;
        const h = inStmt
          ? mapHeader(3) + top.map(([k, x]) => k + x).join('')
          : withExtra(top, respell(enc(name), pick >> 2), name === 'authData' ? enc(ad) : v, at);
        const e = thrown(() => parseAttestationObject(hex(h))) as Coded;
        expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
        expect(rootCode(e)).toBe('ERR_CBOR_DUPLICATE_KEY');
      }),
      { numRuns: 500 },
    );
  });
  it('decodeCoseKey and parseAuthenticatorData: a COSE key label twice (e.g. x as 21 and 38 01)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (pick, at, x) => {
        const label = (COSE_ENTRIES[pick % COSE_ENTRIES.length] as [string, string])[0];
        const key = hex(withExtra(COSE_ENTRIES, respell(label, pick >> 3), enc(x), at));
        const k = thrown(() => decodeCoseKey(key)) as Coded;
        expect(k.code).toBe('ERR_COSE_KEY_INVALID');
        expect(rootCode(k)).toBe('ERR_CBOR_DUPLICATE_KEY');
        const a = thrown(() => parseAuthenticatorData(authData(key))) as Coded;
        expect(a.code).toBe('ERR_AUTHDATA_MALFORMED');
        expect(rootCode(a)).toBe('ERR_CBOR_DUPLICATE_KEY');
      }),
      { numRuns: 500 },
    );
  });
  it('parseAuthenticatorData: duplicate extension keys in any spelling, at any depth', () => {
    fc.assert(
      fc.property(duplicateKeyPair, fc.nat({ max: 2 }), value, ([k1, k2], depth, v) => {
        let inner = `${mapHeader(2)}${k1}${v}${k2}${v}`;
        for (let d = 0; d < depth; d++) inner = `${mapHeader(1)}${enc(`ext${d}`)}${inner}`;
        const ext = hex(`${mapHeader(2)}${enc('credProtect')}02${enc('x-ext')}${inner}`);
        const e = thrown(() => parseAuthenticatorData(authData(cosePub, ext))) as Coded;
        expect(e.code).toBe('ERR_AUTHDATA_MALFORMED');
        expect(rootCode(e)).toBe('ERR_CBOR_DUPLICATE_KEY');
      }),
      { numRuns: 500 },
    );
  });
  it('controls: the same structures without the extra key parse', () => {
    expect(
      decodeCoseKey(hex(mapHeader(COSE_ENTRIES.length) + COSE_ENTRIES.map(([k, v]) => k + v).join(''))).kty,
    ).toBe('EC2');
    expect(parseAuthenticatorData(authData(cosePub, encode({ credProtect: 2 }))).extensions?.size).toBe(1);
  });
});
