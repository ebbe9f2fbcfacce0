/**
 * The WebAuthn structures read through the strict CBOR scan (issue #13 §1): a duplicate key in
 * the attestation object, its attStmt, the COSE key or the authenticator-data extensions —
 * in any spelling a JavaScript reader would collapse — is refused, never resolved.
 */
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  decodeCoseKey,
  encode,
  encodeCoseKey,
  parseAttestationObject,
  parseAuthenticatorData,
  sha256,
  utf8Encode,
} from '../src/index.js';
import { hex, thrown, toHex } from './helpers.js';
import { signedSamples } from './keys.js';

type Coded = Error & { code?: string; cause?: { code?: string } };

const key = signedSamples()[0]!.key as { x: Uint8Array; y: Uint8Array };
const cosePub = encodeCoseKey({ ...signedSamples()[0]!.key, alg: -7 });
const X = toHex(key.x);
const Y = toHex(key.y);

/** An ES256 COSE key with x (-2) given twice: as `21` and in its long form `38 01`. */
const coseKeyXTwice = hex(`a6 01 02 03 26 20 01 21 5820 ${X} 38 01 5820 ${Y} 22 5820 ${Y}`);

function authData(cose: Uint8Array, ext?: Uint8Array): Uint8Array {
  const head = new Uint8Array(37);
  head.set(sha256(utf8Encode('example.com')));
  head[32] = 0x45 | (ext ? 0x80 : 0);
  const parts = [head, new Uint8Array(16), Uint8Array.of(0, 4), Uint8Array.of(1, 2, 3, 4), cose];
  if (ext) parts.push(ext);
  return concatBytes(...parts);
}

const text = (s: string) => toHex(encode(s));
const bstr = (b: Uint8Array) => toHex(encode(b));
/** `fmt` with a one-byte length header (78 03), the long form of `63 666d74`. */
const FMT_LONG = '78 03 666d74';

describe('decodeCoseKey: a parameter given twice', () => {
  it('accepts the key once (control)', () => {
    expect(decodeCoseKey(cosePub).kty).toBe('EC2');
  });
  it('refuses x as 21 and 38 01 with ERR_COSE_KEY_INVALID caused by ERR_CBOR_DUPLICATE_KEY', () => {
    const e = thrown(() => decodeCoseKey(coseKeyXTwice)) as Coded;
    expect(e.code).toBe('ERR_COSE_KEY_INVALID');
    expect(e.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  });
  it('refuses kty as 01 and 18 01, and alg as 03 and f9 4200 (3.0)', () => {
    for (const h of [
      `a6 01 02 18 01 02 03 26 20 01 21 5820 ${X} 22 5820 ${Y}`,
      `a6 01 02 03 26 f9 4200 26 20 01 21 5820 ${X} 22 5820 ${Y}`,
    ]) {
      const e = thrown(() => decodeCoseKey(hex(h))) as Coded;
      expect(e.code).toBe('ERR_COSE_KEY_INVALID');
      expect(e.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
    }
  });
});

describe('parseAuthenticatorData: duplicates in the credential key and the extensions', () => {
  it('refuses a credential key with x twice (21, 38 01)', () => {
    const e = thrown(() => parseAuthenticatorData(authData(coseKeyXTwice))) as Coded;
    expect(e.code).toBe('ERR_AUTHDATA_MALFORMED');
    expect(e.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  });
  it('refuses extensions naming credProtect twice (6b… and 78 0b…)', () => {
    const ext = hex(`a2 ${text('credProtect')} 02 78 0b ${toHex(utf8Encode('credProtect'))} 03`);
    expect(
      parseAuthenticatorData(authData(cosePub, encode({ credProtect: 2 }))).extensions?.get('credProtect'),
    ).toBe(2);
    const e = thrown(() => parseAuthenticatorData(authData(cosePub, ext))) as Coded;
    expect(e.code).toBe('ERR_AUTHDATA_MALFORMED');
    expect(e.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  });
  it('refuses a duplicate deep inside an extension output', () => {
    const ext = hex(`a1 ${text('x-ext')} a2 01 f5 fb 3ff0000000000000 f4`);
    expect((thrown(() => parseAuthenticatorData(authData(cosePub, ext))) as Coded).cause?.code).toBe(
      'ERR_CBOR_DUPLICATE_KEY',
    );
  });
});

describe('parseAttestationObject: duplicate members', () => {
  const ad = bstr(authData(cosePub));
  const refused = (h: string) => {
    const e = thrown(() => parseAttestationObject(hex(h))) as Coded;
    expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
    expect(e.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  };
  it('accepts fmt once (control)', () => {
    expect(
      parseAttestationObject(
        hex(`a3 ${text('fmt')} ${text('none')} ${text('attStmt')} a0 ${text('authData')} ${ad}`),
      ).fmt,
    ).toBe('none');
  });
  it('refuses fmt "none" then long-form fmt "packed" (the issue\'s shape)', () => {
    refused(
      `a4 ${text('fmt')} ${text('none')} ${FMT_LONG} ${text('packed')} ${text('attStmt')} a0 ${text('authData')} ${ad}`,
    );
  });
  it('refuses fmt "packed" then long-form fmt "none"', () => {
    refused(
      `a4 ${text('fmt')} ${text('packed')} ${FMT_LONG} ${text('none')} ${text('attStmt')} a0 ${text('authData')} ${ad}`,
    );
  });
  it('refuses authData given twice (second as 78 08 …)', () => {
    refused(
      `a4 ${text('fmt')} ${text('none')} ${text('attStmt')} a0 ${text('authData')} ${ad} 78 08 ${toHex(utf8Encode('authData'))} ${ad}`,
    );
  });
  it('refuses an attStmt with alg twice (-7 and -8 under 63 616c67 / 78 03 616c67)', () => {
    const attStmt = `a3 ${text('alg')} 26 78 03 616c67 27 ${text('sig')} 40`;
    refused(`a3 ${text('fmt')} ${text('packed')} ${text('attStmt')} ${attStmt} ${text('authData')} ${ad}`);
  });
  it('refuses a credential key with x twice inside authData (cause chain reaches the CBOR error)', () => {
    const e = thrown(() =>
      parseAttestationObject(
        hex(
          `a3 ${text('fmt')} ${text('none')} ${text('attStmt')} a0 ${text('authData')} ${bstr(authData(coseKeyXTwice))}`,
        ),
      ),
    ) as Error & { code?: string; cause?: Coded };
    expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
    expect(e.cause?.code).toBe('ERR_AUTHDATA_MALFORMED');
    expect(e.cause?.cause?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  });
});
