/**
 * The RP refuses what could be read two ways (issue #13 §1): duplicate keys in the attestation
 * object, the COSE key or the extensions, in any spelling a JavaScript reader would collapse.
 */
import { base64url, bytesToHex, decode, encode, hexToBytes } from '@fido2kit/cose';
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
    const e = await rejected(
      verify({
        ...reg.response,
        response: {
          ...reg.response.response,
          clientDataJSON: base64url.encode(new TextEncoder().encode(json)),
        },
      }),
    );
    expect(e.code).toBe('ERR_CLIENT_DATA_DUPLICATE_MEMBER');
    expect(e.details?.member).toBe('challenge');
  });
});
