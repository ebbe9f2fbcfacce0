/**
 * The RP refuses what could be read two ways (issue #13 §1): duplicate keys in the attestation
 * object, the COSE key or the extensions, in any spelling a JavaScript reader would collapse.
 */
import { base64url, bytesToHex, decode, encode, hexToBytes } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyRegistrationResponse } from '../src/index.js';
import { CHALLENGE, ORIGIN, RP_ID, register, rejected } from './soft-authenticator.js';

const text = (s: string) => bytesToHex(encode(s));
const FMT_LONG = '7803666d74'; // "fmt" with a one-byte length header

function verify(response: ReturnType<typeof register>['response']) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: CHALLENGE,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
}

/** The registration with its attestation object replaced by `hex`. */
function withAttestationObject(reg: ReturnType<typeof register>, hex: string) {
  return {
    ...reg.response,
    response: {
      ...reg.response.response,
      attestationObject: base64url.encode(hexToBytes(hex.replace(/\s+/g, ''))),
    },
  };
}

/** The registration with its clientDataJSON replaced by `json`. */
function withClientData(reg: ReturnType<typeof register>, json: string) {
  const clientDataJSON = base64url.encode(new TextEncoder().encode(json));
  return { ...reg.response, response: { ...reg.response.response, clientDataJSON } };
}

describe('verifyRegistrationResponse: duplicate attestation object members', () => {
  it('refuses fmt "packed" followed by a long-form fmt "none" (not read as format none)', async () => {
    const reg = register({ fmt: 'packed-self' });
    await expect(verify(reg.response)).resolves.toMatchObject({ verified: true }); // control
    const ao = decode<Map<string, unknown>>(base64url.decode(reg.response.response.attestationObject));
    const attStmt = bytesToHex(encode(ao.get('attStmt')));
    const authData = bytesToHex(encode(ao.get('authData')));
    const e = await rejected(
      verify(
        withAttestationObject(
          reg,
          `a4 ${text('fmt')} ${text('packed')} ${FMT_LONG} ${text('none')} ${text('attStmt')} ${attStmt} ${text('authData')} ${authData}`,
        ),
      ),
    );
    expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
    expect((e.cause as { code?: string } | undefined)?.code).toBe('ERR_CBOR_DUPLICATE_KEY');
  });
  it('refuses fmt "none" followed by a long-form fmt "packed"', async () => {
    const reg = register();
    const ao = decode<Map<string, unknown>>(base64url.decode(reg.response.response.attestationObject));
    const authData = bytesToHex(encode(ao.get('authData')));
    const e = await rejected(
      verify(
        withAttestationObject(
          reg,
          `a4 ${text('fmt')} ${text('none')} ${FMT_LONG} ${text('packed')} ${text('attStmt')} a0 ${text('authData')} ${authData}`,
        ),
      ),
    );
    expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
  });
});

describe('verifyRegistrationResponse: duplicate clientDataJSON members', () => {
  it('refuses a second "challenge" with ERR_CLIENT_DATA_DUPLICATE_MEMBER (cose\'s code, passed through)', async () => {
    const reg = register();
    const json = `{"type":"webauthn.create","challenge":"${CHALLENGE}","origin":"${ORIGIN}","challenge":"${CHALLENGE}"}`;
    const e = await rejected(verify(withClientData(reg, json)));
    expect(e.code).toBe('ERR_CLIENT_DATA_DUPLICATE_MEMBER');
    expect(e.details?.member).toBe('challenge');
  });
});

// ----------------------------------------------------------------------------- property tests

/** Every spelling of the integer `v` (RFC 8949 §3.1 length forms, and as a double). */
function intSpellings(v: number): string[] {
  const major = v >= 0 ? 0 : 1;
  const arg = v >= 0 ? v : -1 - v;
  const h = (n: number, w: number) => n.toString(16).padStart(w * 2, '0');
  const ib = (info: number) => h((major << 5) | info, 1);
  const out = [
    `${ib(24)}${h(arg, 1)}`,
    `${ib(25)}${h(arg, 2)}`,
    `${ib(26)}${h(arg, 4)}`,
    `${ib(27)}00000000${h(arg, 4)}`,
  ];
  if (arg < 24) out.push(ib(arg));
  const f = new DataView(new ArrayBuffer(8));
  f.setFloat64(0, v);
  out.push(`fb${h(f.getUint32(0), 4)}${h(f.getUint32(4), 4)}`);
  return out;
}
/** Every length-form spelling of an ASCII text string. */
function textSpellings(s: string): string[] {
  const body = bytesToHex(new TextEncoder().encode(s));
  const n = body.length / 2;
  const h = (x: number, w: number) => x.toString(16).padStart(w * 2, '0');
  return [`${h(0x60 | n, 1)}${body}`, `78${h(n, 1)}${body}`, `79${h(n, 2)}${body}`, `7a${h(n, 4)}${body}`];
}
const header = (n: number) => (0xa0 | n).toString(16);

describe('property: every duplicate reaches the RP as a typed refusal', () => {
  const reg = register({ fmt: 'packed-self' });
  const ao = decode<Map<string, unknown>>(base64url.decode(reg.response.response.attestationObject));
  const authData = ao.get('authData') as Uint8Array;
  const attStmt = ao.get('attStmt') as Map<string, unknown>;
  // the COSE key sits after rpIdHash, flags, counter, AAGUID, the ID length and the 32-byte ID
  const coseStart = 37 + 16 + 2 + 32;
  const cose = decode<Map<number, unknown>>(authData.subarray(coseStart));

  it('attestation object members, attStmt members and COSE key labels given twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('top', 'attStmt', 'coseKey'),
        fc.nat(),
        fc.nat(),
        async (where, pick, at) => {
          const place = (entries: string[], extra: string) => {
            const all = [...entries];
            all.splice(at % (all.length + 1), 0, extra);
            return header(all.length) + all.join('');
          };
          let stmtHex = bytesToHex(encode(attStmt));
          let adHex = bytesToHex(encode(authData));
          if (where === 'coseKey') {
            const labels = [...cose.keys()];
            const label = labels[pick % labels.length] as number;
            const spelled = intSpellings(label)[(pick >> 3) % intSpellings(label).length] as string;
            const key = place(
              [...cose].map(([k, v]) => bytesToHex(encode(k)) + bytesToHex(encode(v))),
              spelled + bytesToHex(encode(cose.get(label))),
            );
            adHex = bytesToHex(encode(hexToBytes(bytesToHex(authData.subarray(0, coseStart)) + key)));
          }
          if (where === 'attStmt') {
            const name = ['alg', 'sig'][pick % 2] as string;
            stmtHex = place(
              [...attStmt].map(([k, v]) => bytesToHex(encode(k)) + bytesToHex(encode(v))),
              (textSpellings(name)[(pick >> 1) % 4] as string) + bytesToHex(encode(attStmt.get(name))),
            );
          }
          const top = [
            `${text('fmt')}${text('packed')}`,
            `${text('attStmt')}${stmtHex}`,
            `${text('authData')}${adHex}`,
          ];
          const h =
            where === 'top'
              ? place(top, `${textSpellings('fmt')[pick % 4]}${text(pick % 2 ? 'none' : 'packed')}`)
              : header(3) + top.join('');
          const e = await rejected(verify(withAttestationObject(reg, h)));
          expect(e.code).toMatch(/^ERR_(ATTESTATION_OBJECT_MALFORMED|AUTHDATA_MALFORMED)$/);
          let c = e as { code?: string; cause?: unknown };
          while (c.cause) c = c.cause as typeof c;
          expect(c.code).toBe('ERR_CBOR_DUPLICATE_KEY');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('clientDataJSON members given twice at random depths', async () => {
    const key = fc.constantFrom('challenge', 'origin', 'type', 'status', 'k');
    await fc.assert(
      fc.asyncProperty(key, fc.nat({ max: 4 }), fc.boolean(), async (name, depth, escaped) => {
        const second = escaped
          ? `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${name.slice(1)}"`
          : `"${name}"`;
        let inner = `{"${name}":1,${second}:2}`;
        for (let d = 0; d < depth; d++) inner = d % 2 ? `[${inner}]` : `{"n${d}":${inner}}`;
        const json =
          depth === 0 && name === 'challenge'
            ? `{"type":"webauthn.create","challenge":"${CHALLENGE}","origin":"${ORIGIN}",${second}:"x"}`
            : `{"type":"webauthn.create","challenge":"${CHALLENGE}","origin":"${ORIGIN}","x":${inner}}`;
        const e = await rejected(verify(withClientData(reg, json)));
        expect(e.code).toBe('ERR_CLIENT_DATA_DUPLICATE_MEMBER');
      }),
      { numRuns: 150 },
    );
  });
});
