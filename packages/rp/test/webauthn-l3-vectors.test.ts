/**
 * The 15 registration + authentication pairs of WebAuthn Level 3 §16 ("Test Vectors"), read from
 * the cose package's checked-in copy, verified as given, and then modified copies that must fail
 * at each check with that check's code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { base64url, type CborValue, decode, encode, parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type VerifyAuthenticationResponseOpts,
  type VerifyRegistrationResponseOpts,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';

interface Vector {
  name: string;
  section: string;
  fields: Record<string, Record<string, string>> & { attestation_ca_cert?: string };
}
const vectors = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../cose/test/vectors/webauthn-l3-vectors.json', import.meta.url)),
    'utf8',
  ),
) as Vector[];
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const b64 = (h: string) => base64url.encode(hex(h));
const ca = hex(
  (vectors.find((v) => v.name === 'attestation-ca')!.fields as unknown as Record<string, string>)
    .attestation_ca_cert!,
);
const pairs = vectors.filter((v) => v.fields.registration && v.fields.authentication);

/**
 * @fido2kit/attestation is stricter than the §16.14 synthetic statement, whose key description has
 * empty authorization lists (no KM_ORIGIN_GENERATED origin): its registration is expected to fail
 * with ERR_ATTESTATION_INVALID, and its authentication half is verified with the key taken from
 * the authenticator data. The §16.13 AIK certificate names TPM manufacturer id:00000000, accepted
 * here through the `tpmAllowUnregisteredManufacturer` format option.
 */
const ATTESTATION_REFUSES: Record<string, string> = {
  'android-key.ES256': 'KM_ORIGIN_GENERATED',
};

function registrationAuthData(v: Vector) {
  const m = decode<Map<CborValue, CborValue>>(hex(v.fields.registration!.attestationObject!), {
    canonical: false,
  });
  return parseAuthenticatorData(m.get('authData') as Uint8Array);
}

const RP_ID = 'example.org';
const ORIGIN = 'https://example.org';

function clientDataOf(h: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(h, 'hex').toString('utf8'));
}

function registrationOptions(v: Vector): VerifyRegistrationResponseOpts {
  const r = v.fields.registration!;
  const id = b64(r.credential_id!);
  const cd = clientDataOf(r.clientDataJSON!);
  const attested = !v.name.startsWith('none') && !v.name.startsWith('packed-self');
  return {
    response: {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: b64(r.clientDataJSON!), attestationObject: b64(r.attestationObject!) },
      clientExtensionResults: {},
    },
    expectedChallenge: b64(r.challenge!),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
    allowCrossOrigin: cd.crossOrigin === true,
    ...(typeof cd.topOrigin === 'string' ? { expectedTopOrigin: [cd.topOrigin] } : {}),
    supportedAlgorithmIDs: [-7, -35, -36, -257, -8, -53],
    attestation: {
      trustAnchors: [ca],
      requireTrustedAttestation: attested,
      formatOptions: { tpmAllowUnregisteredManufacturer: true },
    },
  };
}

function authenticationOptions(v: Vector, publicKey: Uint8Array): VerifyAuthenticationResponseOpts {
  const r = v.fields.registration!;
  const a = v.fields.authentication!;
  const id = b64(r.credential_id!);
  const cd = clientDataOf(a.clientDataJSON!);
  return {
    response: {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64(a.clientDataJSON!),
        authenticatorData: b64(a.authenticatorData!),
        signature: b64(a.signature!),
      },
      clientExtensionResults: {},
    },
    expectedChallenge: b64(a.challenge!),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
    allowCrossOrigin: cd.crossOrigin === true,
    ...(typeof cd.topOrigin === 'string' ? { expectedTopOrigin: [cd.topOrigin] } : {}),
    credential: { id, publicKey, counter: 0 },
  };
}

type RegResp = RegistrationResponseJSON;
type AuthResp = AuthenticationResponseJSON;

function withClientData<T extends RegResp | AuthResp>(
  resp: T,
  edit: (cd: Record<string, unknown>) => void,
): T {
  const cd = JSON.parse(Buffer.from(base64url.decode(resp.response.clientDataJSON)).toString('utf8'));
  edit(cd);
  return {
    ...resp,
    response: {
      ...resp.response,
      clientDataJSON: base64url.encode(new TextEncoder().encode(JSON.stringify(cd))),
    },
  };
}
function withAuthData(resp: AuthResp, edit: (ad: Uint8Array) => Uint8Array): AuthResp {
  return {
    ...resp,
    response: {
      ...resp.response,
      authenticatorData: base64url.encode(edit(base64url.decode(resp.response.authenticatorData))),
    },
  };
}
function withAttestationObject(resp: RegResp, edit: (m: Map<CborValue, CborValue>) => void): RegResp {
  const m = decode<Map<CborValue, CborValue>>(base64url.decode(resp.response.attestationObject), {
    canonical: false,
  });
  edit(m);
  return { ...resp, response: { ...resp.response, attestationObject: base64url.encode(encode(m)) } };
}

describe('WebAuthn L3 §16 test vectors', () => {
  it('has all 15 pairs', () => {
    expect(pairs).toHaveLength(15);
  });

  describe.each(pairs.map((v) => [`§${v.section} ${v.name}`, v] as const))('%s', (_, v) => {
    const refused = ATTESTATION_REFUSES[v.name];
    const publicKey = registrationAuthData(v).attestedCredentialData!.credentialPublicKey;

    it('registers and authenticates', async () => {
      const r = v.fields.registration!;
      if (refused) {
        const e = await verifyRegistrationResponse(registrationOptions(v)).catch(
          (x: Error & { code?: string }) => x,
        );
        expect(e).toMatchObject({ code: 'ERR_ATTESTATION_INVALID' });
        expect((e as Error).message).toContain(refused);
      } else {
        const reg = await verifyRegistrationResponse(registrationOptions(v));
        expect(reg.credential.id).toBe(b64(r.credential_id!));
        expect(base64url.encode(reg.credential.publicKey)).toBe(base64url.encode(publicKey));
        expect(reg.credential.aaguid.replace(/-/g, '')).toBe(r.aaguid);
        expect(reg.attestation.trusted).toBe(!v.name.startsWith('none') && !v.name.startsWith('packed-self'));
      }
      const auth = await verifyAuthenticationResponse(authenticationOptions(v, publicKey));
      const flags = hex(v.fields.authentication!.authenticatorData!)[32]!;
      expect(auth).toMatchObject({
        verified: true,
        credentialId: b64(r.credential_id!),
        userVerified: (flags & 4) !== 0,
        backedUp: (flags & 16) !== 0,
        newCounter: 0,
      });
    });

    // A vector the attestation package refuses (asserted above) has no passing registration
    // to modify, so it gets no modified-copies test.
    if (refused === undefined)
      it('registration fails at each modified check', async () => {
        const o = registrationOptions(v);
        const regFlags = registrationAuthData(v).flags;
        const resp = o.response as RegResp;
        const fails = async (mod: Partial<VerifyRegistrationResponseOpts>, code: string) => {
          await expect(verifyRegistrationResponse({ ...o, ...mod }), code).rejects.toMatchObject({ code });
        };
        await fails({ response: { ...resp, rawId: `${resp.rawId}AA` } }, 'ERR_RESPONSE_MALFORMED');
        await fails(
          { response: withClientData(resp, (c) => (c.type = 'webauthn.get')) },
          'ERR_CLIENT_DATA_TYPE_MISMATCH',
        );
        await fails(
          { expectedChallenge: b64(v.fields.authentication!.challenge!) },
          'ERR_CHALLENGE_MISMATCH',
        );
        await fails({ expectedOrigin: 'https://example.com' }, 'ERR_ORIGIN_MISMATCH');
        await fails({ expectedRPID: 'example.com' }, 'ERR_RPID_MISMATCH');
        if (!regFlags.uv) await fails({ requireUserVerification: true }, 'ERR_USER_VERIFICATION_REQUIRED');
        await fails({ supportedAlgorithmIDs: [-65535] }, 'ERR_ALGORITHM_NOT_ALLOWED');
        await fails(
          { attestation: { ...o.attestation, allowedAaguids: ['00000000-0000-0000-0000-000000000001'] } },
          'ERR_AAGUID_NOT_ALLOWED',
        );
        if (o.allowCrossOrigin) await fails({ allowCrossOrigin: false }, 'ERR_CROSS_ORIGIN_NOT_ALLOWED');
        if (o.expectedTopOrigin)
          await fails({ expectedTopOrigin: ['https://elsewhere.example'] }, 'ERR_TOP_ORIGIN_MISMATCH');
        if (o.attestation?.requireTrustedAttestation) {
          await fails(
            { attestation: { ...o.attestation, trustAnchors: [], requireTrustedAttestation: true } },
            'ERR_ATTESTATION_UNTRUSTED',
          );
          // a changed clientDataHash breaks the attestation signature
          await fails(
            {
              response: withClientData(resp, (c) => (c.extra = 'x')),
              expectedChallenge: o.expectedChallenge,
            },
            'ERR_ATTESTATION_INVALID',
          );
        }
        // flags: UP cleared; BS without BE
        const flagsEdit = (f: (x: number) => number) =>
          withAttestationObject(resp, (m) => {
            const ad = (m.get('authData') as Uint8Array).slice();
            ad[32] = f(ad[32]!);
            m.set('authData', ad);
          });
        await fails({ response: flagsEdit((x) => x & ~0x01) }, 'ERR_USER_PRESENCE_REQUIRED');
        await fails({ response: flagsEdit((x) => (x & ~0x08) | 0x10) }, 'ERR_BACKUP_STATE_INVALID');
        await fails({ response: flagsEdit((x) => x & ~0x40) }, 'ERR_ATTESTED_CREDENTIAL_DATA_MISSING');
        await fails(
          {
            response: withAttestationObject(resp, (m) =>
              m.set('authData', new Uint8Array([...(m.get('authData') as Uint8Array), 0])),
            ),
          },
          'ERR_AUTHENTICATOR_DATA_TRAILING_BYTES',
        );
      });

    it('authentication fails at each modified check', async () => {
      const o = authenticationOptions(v, publicKey);
      const resp = o.response as AuthResp;
      const fails = async (mod: Partial<VerifyAuthenticationResponseOpts>, code: string) => {
        await expect(verifyAuthenticationResponse({ ...o, ...mod }), code).rejects.toMatchObject({ code });
      };
      await fails({ response: { ...resp, type: 'public-key ' as 'public-key' } }, 'ERR_RESPONSE_MALFORMED');
      await fails(
        { credential: { ...o.credential, id: base64url.encode(new Uint8Array(16)) } },
        'ERR_CREDENTIAL_ID_MISMATCH',
      );
      await fails(
        { response: withClientData(resp, (c) => (c.type = 'webauthn.create')) },
        'ERR_CLIENT_DATA_TYPE_MISMATCH',
      );
      await fails({ expectedChallenge: b64(v.fields.registration!.challenge!) }, 'ERR_CHALLENGE_MISMATCH');
      await fails(
        { expectedOrigin: ['https://example.com', 'https://sub.example.org'] },
        'ERR_ORIGIN_MISMATCH',
      );
      await fails({ expectedRPID: ['example.com'] }, 'ERR_RPID_MISMATCH');
      if (o.allowCrossOrigin) await fails({ allowCrossOrigin: false }, 'ERR_CROSS_ORIGIN_NOT_ALLOWED');
      if (o.expectedTopOrigin)
        await fails({ expectedTopOrigin: 'https://elsewhere.example' }, 'ERR_TOP_ORIGIN_MISMATCH');
      const flags = base64url.decode(resp.response.authenticatorData)[32]!;
      if (!(flags & 4)) await fails({ requireUserVerification: true }, 'ERR_USER_VERIFICATION_REQUIRED');
      const flagged = (f: (x: number) => number) =>
        withAuthData(resp, (ad) => {
          const c = ad.slice();
          c[32] = f(c[32]!);
          return c;
        });
      await fails({ response: flagged((x) => x & ~0x01) }, 'ERR_USER_PRESENCE_REQUIRED');
      await fails({ response: flagged((x) => (x & ~0x08) | 0x10) }, 'ERR_BACKUP_STATE_INVALID');
      await fails(
        { credential: { ...o.credential, backupEligible: !(flags & 8) } },
        'ERR_BACKUP_ELIGIBILITY_CHANGED',
      );
      await fails({ response: flagged((x) => x | 0x40) }, 'ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED');
      await fails(
        { response: withAuthData(resp, (ad) => new Uint8Array([...ad, 0xa0])) },
        'ERR_AUTHENTICATOR_DATA_TRAILING_BYTES',
      );
      await fails({ supportedAlgorithmIDs: [-65535] }, 'ERR_ALGORITHM_NOT_ALLOWED');
      // the signature: a changed counter, a changed clientData member, a flipped signature bit
      await fails(
        { response: withAuthData(resp, (ad) => Object.assign(ad.slice(), { 36: 9 })) },
        'ERR_SIGNATURE_INVALID',
      );
      await fails({ response: withClientData(resp, (c) => (c.extra = 'x')) }, 'ERR_SIGNATURE_INVALID');
      const sig = base64url.decode(resp.response.signature);
      sig[sig.length - 3]! ^= 0x40;
      const e = await verifyAuthenticationResponse({
        ...o,
        response: { ...resp, response: { ...resp.response, signature: base64url.encode(sig) } },
      }).catch((x: Error & { code?: string }) => x);
      expect(e).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', message: 'signature verification failed' });
      // the counter: a stored counter ahead of the response (not backup eligible → reject)
      if (!(flags & 8))
        await fails({ credential: { ...o.credential, counter: 5 } }, 'ERR_COUNTER_REGRESSION');
      else
        await expect(
          verifyAuthenticationResponse({ ...o, credential: { ...o.credential, counter: 5 } }),
        ).resolves.toMatchObject({
          counterRegression: true,
        });
    });
  });
});
