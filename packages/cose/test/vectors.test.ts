import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type BackendName,
  type CosePublicKey,
  decode,
  decodeCoseKey,
  ecdsaRawToDer,
  encode,
  verifySignature,
} from '../src/index.js';
import { hex, thrown, toHex, vectors } from './helpers.js';

// ------------------------------------------------------------- RFC 8949 Appendix A (Table 6)
interface AppendixA {
  hex: string;
  diagnostic: string;
  decoded?: unknown;
  roundtrip: boolean;
  kind: string;
}

/** The JS value our decoder gives for the vector file's JSON rendering of a CBOR value. */
function expected(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expected);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('$bigint' in o) return BigInt(o.$bigint as string);
  if ('$bytes' in o) return hex(o.$bytes as string);
  if ('$undefined' in o) return undefined;
  if ('$float' in o)
    return {
      NaN: Number.NaN,
      Infinity: Number.POSITIVE_INFINITY,
      '-Infinity': Number.NEGATIVE_INFINITY,
      '-0': -0,
    }[o.$float as string];
  if ('$map' in o)
    return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [expected(k), expected(x)]));
  if ('$tag' in o) {
    const tag = o.$tag as number;
    // cbor-x gives standard date/time tags (0, 1) as Date; other tags as { tag, value }
    if (tag === 0) return new Date(o.value as string);
    if (tag === 1) return new Date((o.value as number) * 1000);
    return { tag, value: expected(o.value) };
  }
  return new Map(Object.entries(o).map(([k, x]) => [k, expected(x)]));
}

/** 8-byte integers decode as bigint (documented); compare numbers to bigints by value. */
function sameValue(actual: unknown, want: unknown): void {
  if (typeof actual === 'bigint' && typeof want === 'number') expect(actual).toBe(BigInt(want));
  else if (typeof want === 'number' && Number.isNaN(want)) expect(actual).toBeNaN();
  else if (typeof want === 'number' && Object.is(want, -0)) expect(Object.is(actual, -0)).toBe(true);
  else expect(actual).toEqual(want);
}

// RFC 8949 §3.3: simple values 0–19 and 32–255 are unassigned; CTAP2/WebAuthn never use them, and
// cbor-x cannot represent them (it reads them as its own "packed value" extension), so we refuse
// them with ERR_CBOR_UNSUPPORTED. 0xf818 (simple(24)) is listed in RFC 7049's table but is not
// well-formed under RFC 8949 §3.3 (two-byte simple values below 32 are invalid).
// Indefinite-length (chunked) strings are well-formed, but cbor-x cannot decode them and
// CTAP2/WebAuthn never send them: refused with ERR_CBOR_UNSUPPORTED.
const REFUSED: Record<string, string> = {
  f0: 'ERR_CBOR_UNSUPPORTED',
  f8ff: 'ERR_CBOR_UNSUPPORTED',
  f818: 'ERR_CBOR_MALFORMED',
  '5f42010243030405ff': 'ERR_CBOR_UNSUPPORTED',
  '7f657374726561646d696e67ff': 'ERR_CBOR_UNSUPPORTED',
};
// -2^64 decodes exactly, but encode refuses it: cbor-x can only write it as a tag-3 bignum.
const NOT_REENCODED = new Set(['3bffffffffffffffff']);

describe('RFC 8949 Appendix A examples (source: vectors/rfc8949-appendix-a.json)', () => {
  const rows = vectors<AppendixA[]>('rfc8949-appendix-a.json');
  it('has every row of the table', () => expect(rows.length).toBeGreaterThanOrEqual(80));
  for (const row of rows) {
    it(`${row.diagnostic} = ${row.hex}`, () => {
      const bytes = hex(row.hex);
      if (REFUSED[row.hex]) {
        expect(thrown(() => decode(bytes, { canonical: false, allowTags: true })).code).toBe(
          REFUSED[row.hex],
        );
        return;
      }
      const lenient = decode(bytes, { canonical: false, allowTags: true });
      if ('decoded' in row) sameValue(lenient, expected(row.decoded));
      // the CTAP2 subset: definite lengths, no tags, no floats → canonical decode and re-encode
      const ctap2Subset =
        row.roundtrip &&
        ['int', 'bytes', 'text', 'array', 'map'].includes(row.kind) &&
        !/^f[9ab]/.test(row.hex);
      if (ctap2Subset && NOT_REENCODED.has(row.hex)) {
        expect(thrown(() => encode(decode(bytes))).code).toBe('ERR_CBOR_ENCODE');
      } else if (ctap2Subset) {
        expect(toHex(encode(decode(bytes)))).toBe(row.hex);
      } else if (row.kind === 'tag') {
        expect(thrown(() => decode(bytes)).code).toBe('ERR_CBOR_UNSUPPORTED');
      } else if (row.kind === 'indefinite') {
        expect(thrown(() => decode(bytes)).code).toBe('ERR_CBOR_NON_CANONICAL');
      }
    });
  }
});

// ------------------------------------------------------------------------------- Wycheproof
interface WycheproofFile {
  source: string;
  algorithm: string;
  groups: {
    publicKey: {
      curve?: string;
      uncompressed?: string;
      pk?: string;
      n?: string;
      e?: string;
      keySize?: number;
    };
    sha?: string;
    sLen?: number;
    tests: {
      tcId: number;
      comment: string;
      msg: string;
      sig: string;
      result: 'valid' | 'invalid' | 'acceptable';
      flags?: string[];
    }[];
  }[];
}

const CURVES: Record<string, [number, number]> = {
  secp256r1: [1, 32],
  secp384r1: [2, 48],
  secp521r1: [3, 66],
};
const SHA_ALG: Record<string, Record<string, number>> = {
  ECDSA: { 'SHA-256': -7, 'SHA-384': -35, 'SHA-512': -36 },
  RSASSA: { 'SHA-256': -257, 'SHA-384': -258, 'SHA-512': -259 },
  PSS: { 'SHA-256': -37, 'SHA-384': -38, 'SHA-512': -39 },
};

function keyAndAlg(
  file: WycheproofFile,
  g: WycheproofFile['groups'][number],
): { key: CosePublicKey; alg: number } {
  const pk = g.publicKey;
  if (pk.uncompressed) {
    const [crv, size] = CURVES[pk.curve as string] as [number, number];
    const u = hex(pk.uncompressed);
    const key = decodeCoseKey(
      new Map<number, unknown>([
        [1, 2],
        [-1, crv],
        [-2, u.slice(1, 1 + size)],
        [-3, u.slice(1 + size)],
      ]) as never,
    );
    return { key, alg: SHA_ALG.ECDSA![g.sha as string] as number };
  }
  if (pk.pk) {
    const key = decodeCoseKey(
      new Map<number, unknown>([
        [1, 1],
        [-1, pk.curve === 'edwards448' ? 7 : 6],
        [-2, hex(pk.pk)],
      ]) as never,
    );
    return { key, alg: -8 };
  }
  const pss = /pss/i.test(file.algorithm);
  const key = decodeCoseKey(
    new Map<number, unknown>([
      [1, 3],
      [-1, hex(pk.n as string)],
      [-2, hex(pk.e as string)],
    ]) as never,
    { minRsaBits: 1024 },
  );
  return { key, alg: (pss ? SHA_ALG.PSS : SHA_ALG.RSASSA)![g.sha as string] as number };
}

const wycheDir = fileURLToPath(new URL('./vectors/wycheproof/', import.meta.url));
const files = readdirSync(wycheDir).filter((f) => f.endsWith('.json'));

describe.each(files)('Wycheproof %s through every backend', (name) => {
  const file = vectors<WycheproofFile>(`wycheproof/${name}`);
  const rsa = /rsa/i.test(file.algorithm) || /rsa/.test(name);
  const backends: BackendName[] = rsa ? ['node', 'webcrypto'] : ['node', 'webcrypto', 'noble'];
  it(`${file.groups.reduce((n, g) => n + g.tests.length, 0)} tests from ${file.source}`, async () => {
    let checked = 0;
    for (const g of file.groups) {
      let key: CosePublicKey;
      let alg: number;
      try {
        ({ key, alg } = keyAndAlg(file, g));
      } catch (e) {
        // a public key we refuse: every test in its group must be one that should fail
        expect((e as { code?: string }).code).toBe('ERR_COSE_KEY_INVALID');
        for (const t of g.tests) expect(t.result, `tcId ${t.tcId}`).not.toBe('valid');
        continue;
      }
      for (const t of g.tests) {
        const answers: boolean[] = [];
        for (const backend of backends) {
          answers.push(
            await verifySignature({
              publicKey: key,
              algorithm: alg,
              data: hex(t.msg),
              signature: hex(t.sig),
              backend,
            }),
          );
        }
        // every backend gives the same answer…
        expect(
          new Set(answers).size,
          `tcId ${t.tcId} (${t.comment}): ${backends.join('/')} = ${answers}`,
        ).toBe(1);
        // …and it is Wycheproof's, where Wycheproof is definite
        if (t.result !== 'acceptable')
          expect(answers[0], `tcId ${t.tcId} (${t.comment})`).toBe(t.result === 'valid');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------- cose-wg Examples
interface CoseWgExample {
  file: string;
  title: string;
  key: { kty: string; crv?: string; x?: string; y?: string; x_hex?: string; n_hex?: string; e_hex?: string };
  alg: string;
  toBeSignedHex: string;
  signatureHex: string;
}

const COSE_ALG: Record<string, number> = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  EdDSA: -8,
  'RSA-PSS-256': -37,
  'RSA-PSS-384': -38,
  'RSA-PSS-512': -39,
};
const EC_CRV: Record<string, number> = { 'P-256': 1, 'P-384': 2, 'P-521': 3 };

function coseWgKey(k: CoseWgExample['key']): Map<number, unknown> {
  const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
  if (k.kty === 'EC')
    return new Map<number, unknown>([
      [1, 2],
      [-1, EC_CRV[k.crv as string]],
      [-2, b64(k.x as string)],
      [-3, b64(k.y as string)],
    ]);
  if (k.kty === 'OKP') {
    const x = hex(k.x_hex as string);
    return new Map<number, unknown>([
      [1, 1],
      [-1, x.length === 57 ? 7 : 6],
      [-2, x],
    ]);
  }
  return new Map<number, unknown>([
    [1, 3],
    [-1, hex(k.n_hex as string)],
    [-2, hex(k.e_hex as string)],
  ]);
}

// What this library answers, where it differs from "the signature verifies":
// - ecdsa-04 / ecdsa-sig-04 sign with SHA-512 over a P-256 key; WebAuthn pairs ES512 with P-521
//   only (RFC 9053 §2.1 recommends the pairing), so the key is refused for the algorithm.
// - rsa-pss-01..03 use a salt as long as the modulus allows, not the hash length RFC 8230 §2
//   requires for PS256/384/512; an RFC 8230 verifier (ours, OpenSSL with saltLength = hLen)
//   rejects them.
const COSE_WG_EXPECTED: Record<string, boolean | string> = {
  'ecdsa-examples/ecdsa-04.json': 'ERR_COSE_KEY_INVALID',
  'ecdsa-examples/ecdsa-sig-04.json': 'ERR_COSE_KEY_INVALID',
  'rsa-pss-examples/rsa-pss-01.json': false,
  'rsa-pss-examples/rsa-pss-02.json': false,
  'rsa-pss-examples/rsa-pss-03.json': false,
};

describe('cose-wg Examples (source: vectors/cose-wg-examples.json)', () => {
  const examples = vectors<CoseWgExample[]>('cose-wg-examples.json');
  for (const ex of examples) {
    const rsa = ex.key.kty === 'RSA';
    for (const backend of (rsa ? ['node', 'webcrypto'] : ['node', 'webcrypto', 'noble']) as BackendName[]) {
      it(`${ex.file} (${ex.title}) via ${backend}`, async () => {
        const sig = hex(ex.signatureHex);
        const signature = ex.key.kty === 'EC' ? ecdsaRawToDer(sig) : sig;
        const want = COSE_WG_EXPECTED[ex.file] ?? true;
        const call = () =>
          verifySignature({
            publicKey: coseWgKey(ex.key) as never,
            algorithm: COSE_ALG[ex.alg],
            data: hex(ex.toBeSignedHex),
            signature,
            backend,
          });
        if (typeof want === 'string') await expect(call()).rejects.toMatchObject({ code: want });
        else expect(await call()).toBe(want);
      });
    }
  }
});
