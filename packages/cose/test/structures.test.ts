import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64url,
  concatBytes,
  decodeCoseKey,
  encode,
  encodeCoseKey,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
  sha256,
  utf8Encode,
} from '../src/index.js';
import { hex, thrown, toHex } from './helpers.js';
import { signedSamples } from './keys.js';
import { BYTE_PARSERS } from './parsers.js';

const rpIdHash = sha256(utf8Encode('example.com'));
const aaguid = hex('00112233445566778899aabbccddeeff');
const credId = hex('0102030405060708');
const cosePub = encodeCoseKey({ ...signedSamples()[0]!.key, alg: -7 });

function authData(
  opts: { flags?: number; count?: number; attested?: boolean; ext?: Uint8Array; trailing?: Uint8Array } = {},
) {
  const attested = opts.attested ?? true;
  const flags = (opts.flags ?? 0x05) | (attested ? 0x40 : 0) | (opts.ext ? 0x80 : 0);
  const head = new Uint8Array(37);
  head.set(rpIdHash, 0);
  head[32] = flags;
  new DataView(head.buffer).setUint32(33, opts.count ?? 7);
  const parts: Uint8Array[] = [head];
  if (attested) parts.push(aaguid, Uint8Array.of(0, credId.length), credId, cosePub);
  if (opts.ext) parts.push(opts.ext);
  if (opts.trailing) parts.push(opts.trailing);
  return concatBytes(...parts);
}

describe('parseAuthenticatorData (WebAuthn §6.1)', () => {
  it('parses every part and keeps the exact COSE key bytes', () => {
    const ext = encode(new Map([['credProtect', 2]]));
    const ad = parseAuthenticatorData(authData({ flags: 0x1d, ext }));
    expect(toHex(ad.rpIdHash)).toBe(toHex(rpIdHash));
    expect(ad.flags).toEqual({ up: true, uv: true, be: true, bs: true, at: true, ed: true, raw: 0xdd });
    expect(ad.signCount).toBe(7);
    expect(ad.attestedCredentialData?.aaguidString).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(toHex(ad.attestedCredentialData!.credentialId)).toBe(toHex(credId));
    expect(toHex(ad.attestedCredentialData!.credentialPublicKey)).toBe(toHex(cosePub));
    expect(ad.attestedCredentialData!.publicKey).toEqual(decodeCoseKey(cosePub));
    expect(ad.extensions).toEqual(new Map([['credProtect', 2]]));
  });
  it('reads a sign count of 2^32 - 1 as unsigned', () => {
    expect(parseAuthenticatorData(authData({ attested: false, count: 0xffffffff })).signCount).toBe(
      0xffffffff,
    );
  });
  const bad: [string, Uint8Array, RegExp][] = [
    ['36 bytes', authData({ attested: false }).subarray(0, 36), /at least 37/],
    ['trailing bytes', authData({ trailing: Uint8Array.of(0) }), /trailing/],
    ['trailing bytes without AT', authData({ attested: false, trailing: Uint8Array.of(1, 2) }), /trailing/],
    ['AT set but no data', authData({ attested: false, flags: 0x45 }), /18 bytes/],
    ['ED set but no extensions', authData({ flags: 0x85 }), /extensions/],
    ['extensions that are not a map', authData({ ext: encode([1]) }), /not a CBOR map/],
    [
      'a credential ID longer than the data',
      (() => {
        const b = authData();
        b[54] = 0xff;
        return b;
      })(),
      /credential ID/,
    ],
    [
      'a credential ID over 1023 bytes',
      (() => {
        const b = authData();
        b[53] = 0x04;
        return b;
      })(),
      /exceeds 1023/,
    ],
    ['a truncated COSE key', authData().subarray(0, authData().length - 3), /public key/],
  ];
  for (const [name, bytes, msg] of bad) {
    it(`refuses ${name} with ERR_AUTHDATA_MALFORMED`, () => {
      const e = thrown(() => parseAuthenticatorData(bytes));
      expect(e.code).toBe('ERR_AUTHDATA_MALFORMED');
      expect(e.message).toMatch(msg);
    });
  }
});

describe('parseAttestationObject (WebAuthn §6.5.4)', () => {
  const obj = (m: Record<string, unknown>) => encode(m);
  it('parses fmt, attStmt and authData', () => {
    const ad = authData();
    const ao = parseAttestationObject(obj({ fmt: 'none', attStmt: {}, authData: ad }));
    expect(ao.fmt).toBe('none');
    expect(ao.attStmt).toEqual(new Map());
    expect(toHex(ao.authData)).toBe(toHex(ad));
    expect(ao.authenticatorData.attestedCredentialData?.aaguidString).toBe(
      '00112233-4455-6677-8899-aabbccddeeff',
    );
  });
  for (const [name, m] of [
    ['fmt missing', { attStmt: {}, authData: authData() }],
    ['fmt not text', { fmt: 1, attStmt: {}, authData: authData() }],
    ['attStmt not a map', { fmt: 'none', attStmt: [], authData: authData() }],
    ['authData not bytes', { fmt: 'none', attStmt: {}, authData: 'x' }],
    ['authData without AT', { fmt: 'none', attStmt: {}, authData: authData({ attested: false }) }],
    ['authData malformed', { fmt: 'none', attStmt: {}, authData: new Uint8Array(10) }],
  ] as const) {
    it(`refuses ${name} with ERR_ATTESTATION_OBJECT_MALFORMED`, () => {
      expect(thrown(() => parseAttestationObject(obj(m as Record<string, unknown>))).code).toBe(
        'ERR_ATTESTATION_OBJECT_MALFORMED',
      );
    });
  }
  it('carries the authenticator data error as cause', () => {
    const e = thrown(() =>
      parseAttestationObject(obj({ fmt: 'none', attStmt: {}, authData: new Uint8Array(10) })),
    ) as Error & { cause?: { code?: string } };
    expect(e.cause?.code).toBe('ERR_AUTHDATA_MALFORMED');
  });
});

describe('failure reasons and compound (one parser for rp and attestation)', () => {
  const reasonOf = (fn: () => unknown) =>
    (thrown(fn) as Error & { details?: { reason?: string } }).details?.reason;
  it('authenticator data names what failed in details.reason', () => {
    expect(reasonOf(() => parseAuthenticatorData(new Uint8Array(36)))).toBe('truncated');
    expect(reasonOf(() => parseAuthenticatorData(authData({ trailing: Uint8Array.of(0) })))).toBe(
      'trailing-bytes',
    );
    expect(reasonOf(() => parseAuthenticatorData(authData({ ext: encode([1]) })))).toBe('extensions');
    const badKey = authData();
    badKey[badKey.length - 1] = (badKey[badKey.length - 1] as number) ^ 1; // y no longer on the curve
    const e = thrown(() => parseAuthenticatorData(badKey)) as Error & {
      details?: { reason?: string };
      cause?: { code?: string };
    };
    expect(e.details?.reason).toBe('credential-key');
    expect(e.cause?.code).toBe('ERR_COSE_KEY_INVALID');
  });
  it('an attestation object with AT clear is named so before its trailing attested data', () => {
    const ad = authData();
    ad[32] = (ad[32] as number) & ~0x40;
    expect(reasonOf(() => parseAttestationObject(encode({ fmt: 'none', attStmt: {}, authData: ad })))).toBe(
      'no-attested-credential-data',
    );
  });
  it('compound (WebAuthn L3 §8.9): refused by default, its statements returned with allowCompound', () => {
    const stmts = [
      { fmt: 'none', attStmt: {} },
      { fmt: 'none', attStmt: {} },
    ];
    const bytes = encode({ fmt: 'compound', attStmt: stmts, authData: authData() });
    expect(reasonOf(() => parseAttestationObject(bytes))).toBe('shape');
    const ao = parseAttestationObject(bytes, { allowCompound: true });
    expect(ao.fmt).toBe('compound');
    expect(ao.attStmt.size).toBe(0);
    expect(ao.compoundStatements).toHaveLength(2);
    expect((ao.compoundStatements![0] as Map<string, unknown>).get('fmt')).toBe('none');
    // only compound may carry an array
    const notCompound = encode({ fmt: 'packed', attStmt: stmts, authData: authData() });
    expect(reasonOf(() => parseAttestationObject(notCompound, { allowCompound: true }))).toBe('shape');
  });
});

describe('parseClientDataJSON (WebAuthn §5.8.1)', () => {
  const cd = (o: unknown) => utf8Encode(JSON.stringify(o));
  it('parses members and keeps the raw bytes', () => {
    const raw = cd({
      type: 'webauthn.get',
      challenge: 'AAEC',
      origin: 'https://example.com',
      crossOrigin: false,
      other: 1,
    });
    const c = parseClientDataJSON(raw);
    expect(c).toMatchObject({
      type: 'webauthn.get',
      challenge: 'AAEC',
      origin: 'https://example.com',
      crossOrigin: false,
    });
    expect(c.json.other).toBe(1);
    expect(toHex(c.raw)).toBe(toHex(raw));
  });
  for (const [name, raw] of [
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
    ['not JSON', utf8Encode('{')],
    ['an array', cd([1])],
    ['no type', cd({ challenge: 'a', origin: 'o' })],
    ['a numeric challenge', cd({ type: 't', challenge: 1, origin: 'o' })],
    ['crossOrigin as a string', cd({ type: 't', challenge: 'a', origin: 'o', crossOrigin: 'false' })],
    ['topOrigin as a number', cd({ type: 't', challenge: 'a', origin: 'o', topOrigin: 1 })],
  ] as const) {
    it(`refuses ${name} with ERR_CLIENT_DATA_MALFORMED`, () => {
      expect(thrown(() => parseClientDataJSON(raw as Uint8Array)).code).toBe('ERR_CLIENT_DATA_MALFORMED');
    });
  }
});

describe('base64url', () => {
  it('encodes and decodes RFC 4648 §10 vectors in the URL-safe alphabet', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of vectors) {
      expect(base64url.encode(utf8Encode(plain))).toBe(b64);
      expect(new TextDecoder().decode(base64url.decode(b64))).toBe(plain);
    }
    expect(base64url.encode(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });
  it('matches Buffer on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(base64url.encode(b)).toBe(Buffer.from(b).toString('base64url'));
        expect(base64url.decode(base64url.encode(b))).toEqual(b);
      }),
    );
  });
  const bad: [string, string][] = [
    ['Zm9v+', 'character'],
    ['Zm9v/', 'character'],
    ['Zm9v Yg', 'character'],
    ['€', 'character'],
    ['Z', 'length'],
    ['Zh', 'trailing-bits'], // 'Zg' is the canonical spelling of "f" (RFC 4648 §3.5)
    ['Zm9vYh', 'trailing-bits'],
    // padding: browsers' toJSON() and WebAuthn L3 §5.1 emit unpadded base64url (see README)
    ['Zg==', 'padding'],
    ['Zm8=', 'padding'],
    ['Zm9vYg=', 'padding'],
    ['Z===', 'padding'],
    ['=', 'padding'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text)} with ERR_BASE64URL_INVALID (${reason})`, () => {
      const e = thrown(() => base64url.decode(text)) as Error & {
        code?: string;
        details?: { reason?: string };
      };
      expect(e.code).toBe('ERR_BASE64URL_INVALID');
      expect(e.details?.reason).toBe(reason);
      expect(base64url.isBase64Url(text)).toBe(false);
    });
  }
  it('property: exactly one accepted spelling per byte string (decode ∘ encode, encode ∘ decode)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_='),
          maxLength: 12,
        }),
        (t) => {
          let b: Uint8Array;
          try {
            b = base64url.decode(t);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('ERR_BASE64URL_INVALID');
            return;
          }
          expect(base64url.encode(b)).toBe(t);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('property: mutated structures give typed errors only', () => {
  const codes = /^ERR_(AUTHDATA_MALFORMED|ATTESTATION_OBJECT_MALFORMED|CBOR_[A-Z_]+)$/;
  it('mutated authenticator data', () => {
    const good = authData({ ext: encode(new Map([['hmac-secret', true]])) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (muts, cut) => {
          const b = good.slice();
          for (const [at, v] of muts) b[at % b.length] = v;
          const input = cut % 3 === 0 ? b.subarray(0, cut % b.length) : b;
          try {
            parseAuthenticatorData(input);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(codes);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('mutated attestation objects', () => {
    const good = encode({
      fmt: 'packed',
      attStmt: { alg: -7, sig: new Uint8Array(70) },
      authData: authData(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (muts) => {
          const b = good.slice();
          for (const [at, v] of muts) b[at % b.length] = v;
          try {
            parseAttestationObject(b);
          } catch (e) {
            expect((e as { code?: string }).code).toMatch(codes);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('hostile inputs to every parser give a typed error, fast', () => {
  const nested = new Uint8Array(10_001).fill(0x81);
  nested[10_000] = 0;
  const proxy = new Proxy(new Uint8Array(8), {});
  const hostile: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['a string', 'a10102'],
    ['an array of numbers', [0xa1, 1, 2]],
    ['a Uint16Array', new Uint16Array(4)],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['a Proxy of a Uint8Array', proxy],
    ['a length of 2^32 with ten bytes present', hex(`5b0000000100000000${'00'.repeat(10)}`)],
    ['10,000 nested arrays', nested],
    ['empty bytes', new Uint8Array(0)],
  ];
  const parsers: [string, (x: never) => unknown][] = [
    ...BYTE_PARSERS,
    ['base64url.decode', base64url.decode],
  ];
  for (const [pname, parse] of parsers) {
    it(pname, () => {
      for (const [iname, input] of hostile) {
        const t0 = performance.now();
        const e = thrown(() => parse(input as never));
        expect(e.code, `${pname}(${iname}): ${e.message}`).toMatch(/^ERR_[A-Z0-9_]+$/);
        expect(e.message, `${pname}(${iname})`).not.toMatch(
          /Cannot read prop|undefined is not|is not a function/,
        );
        expect(performance.now() - t0, `${pname}(${iname})`).toBeLessThan(100);
      }
    });
  }
});
