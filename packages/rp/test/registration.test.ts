import type { MetadataEntry, MetadataSource } from '@fido2kit/attestation';
import { base64url } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  type VerifyRegistrationResponseOpts,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  WebAuthnVerificationError,
} from '../src/index.js';
import {
  assertion,
  CHALLENGE,
  FLAGS,
  makeKey,
  ORIGIN,
  type RegisterInput,
  RP_ID,
  register,
  rejected,
  sha,
} from './soft-authenticator.js';

const AAGUID = new Uint8Array([
  0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39, 0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8,
]);
const AAGUID_STR = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

function opts(
  r: RegisterInput = {},
  o: Partial<VerifyRegistrationResponseOpts> = {},
): VerifyRegistrationResponseOpts {
  return {
    response: register(r).response,
    expectedChallenge: CHALLENGE,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    ...o,
  };
}

async function code(
  r: RegisterInput,
  o: Partial<VerifyRegistrationResponseOpts> = {},
): Promise<string | undefined> {
  const e = await rejected(verifyRegistrationResponse(opts(r, o)));
  expect(e).toBeInstanceOf(WebAuthnVerificationError);
  return e.code;
}

describe('verifyRegistrationResponse', () => {
  it('returns the credential to store', async () => {
    const reg = register({ aaguid: AAGUID, counter: 5, clientExtensionResults: { credProps: { rk: true } } });
    const r = await verifyRegistrationResponse({
      response: reg.response,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(r.verified).toBe(true);
    expect(r.credential).toEqual({
      id: reg.response.id,
      publicKey: reg.key.cose,
      algorithm: -7,
      counter: 5,
      transports: ['usb'],
      aaguid: AAGUID_STR,
      backupEligible: false,
      backedUp: false,
      deviceType: 'singleDevice',
      attestationFormat: 'none',
      attestationType: 'none',
      discoverable: true,
      userVerified: true,
    });
    expect(r.attestation).toMatchObject({ fmt: 'none', type: 'none', trusted: false });
    expect(r.rpID).toBe(RP_ID);
    // and the stored credential signs in
    const a = await verifyAuthenticationResponse({
      response: assertion({ key: reg.key, credentialId: reg.credentialId, counter: 6 }),
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: r.credential,
    });
    expect(a.newCounter).toBe(6);
  });

  it('registers every default algorithm, and refuses others', async () => {
    for (const alg of [-8, -7, -257, -35, -36, -37, -38, -39, -258, -259, -9, -19]) {
      const r = await verifyRegistrationResponse(opts({ alg }));
      expect(r.credential.algorithm, `alg ${alg}`).toBe(alg);
    }
    expect(await code({ alg: -65535 })).toBe('ERR_ALGORITHM_NOT_ALLOWED');
    expect(await code({ alg: -8 }, { supportedAlgorithmIDs: [-7] })).toBe('ERR_ALGORITHM_NOT_ALLOWED');
    await expect(
      verifyRegistrationResponse(opts({ alg: -65535 }, { supportedAlgorithmIDs: [-65535] })),
    ).resolves.toBeTruthy();
    // ESP256 ≡ ES256 and Ed25519 ≡ EdDSA with an Ed25519 key (RFC 9864)
    await expect(
      verifyRegistrationResponse(opts({ alg: -9 }, { supportedAlgorithmIDs: [-7] })),
    ).resolves.toBeTruthy();
    await expect(
      verifyRegistrationResponse(opts({ alg: -7 }, { supportedAlgorithmIDs: [-9] })),
    ).resolves.toBeTruthy();
    await expect(
      verifyRegistrationResponse(opts({ alg: -19 }, { supportedAlgorithmIDs: [-8] })),
    ).resolves.toBeTruthy();
    await expect(
      verifyRegistrationResponse(opts({ alg: -8 }, { supportedAlgorithmIDs: [-19] })),
    ).resolves.toBeTruthy();
    expect(await code({ alg: -35 }, { supportedAlgorithmIDs: [-7, -9] })).toBe('ERR_ALGORITHM_NOT_ALLOWED');
  });

  it('fails each check with its own code', async () => {
    const other = base64url.encode(sha('other'));
    const cases: [RegisterInput, Partial<VerifyRegistrationResponseOpts>, string][] = [
      [{ clientData: { type: 'webauthn.get' } }, {}, 'ERR_CLIENT_DATA_TYPE_MISMATCH'],
      [{ challenge: other }, {}, 'ERR_CHALLENGE_MISMATCH'],
      [{ clientData: { origin: 'https://evil.example' } }, {}, 'ERR_ORIGIN_MISMATCH'],
      [{ clientData: { crossOrigin: true } }, {}, 'ERR_CROSS_ORIGIN_NOT_ALLOWED'],
      [
        { clientData: { crossOrigin: true, topOrigin: 'https://evil.example' } },
        { allowCrossOrigin: true, expectedTopOrigin: 'https://top.example' },
        'ERR_TOP_ORIGIN_MISMATCH',
      ],
      [{ rpId: 'evil.example' }, {}, 'ERR_RPID_MISMATCH'],
      [{ flags: FLAGS.UV | FLAGS.AT }, {}, 'ERR_USER_PRESENCE_REQUIRED'],
      [{ flags: FLAGS.UP | FLAGS.AT }, {}, 'ERR_USER_VERIFICATION_REQUIRED'],
      [{ flags: FLAGS.UP | FLAGS.UV | FLAGS.AT | FLAGS.BS }, {}, 'ERR_BACKUP_STATE_INVALID'],
      [{ flags: FLAGS.UP | FLAGS.UV }, {}, 'ERR_ATTESTED_CREDENTIAL_DATA_MISSING'],
      [{ trailing: new Uint8Array([1, 2]) }, {}, 'ERR_AUTHENTICATOR_DATA_TRAILING_BYTES'],
      [{ extensions: new Map([['credProtect', 9]]) }, {}, 'ERR_EXTENSION_OUTPUT_INVALID'],
      [
        { extensions: new Map([['hmac-secret', true]]) },
        { expectedExtensions: { credProps: true } },
        'ERR_EXTENSION_UNEXPECTED',
      ],
      [{}, { attestation: { requireTrustedAttestation: true } }, 'ERR_ATTESTATION_UNTRUSTED'],
      [
        { aaguid: AAGUID },
        { attestation: { allowedAaguids: ['00000000-0000-0000-0000-000000000001'] } },
        'ERR_AAGUID_NOT_ALLOWED',
      ],
      [
        { aaguid: AAGUID },
        { attestation: { blockedAaguids: [AAGUID_STR.replace(/-/g, '').toUpperCase()] } },
        'ERR_AAGUID_NOT_ALLOWED',
      ],
      [{}, { attestation: { allowedFormats: ['packed'] } }, 'ERR_ATTESTATION_FORMAT_NOT_ALLOWED'],
    ];
    for (const [r, o, want] of cases) expect(await code(r, o), want).toBe(want);
  });

  it('tolerates an unsolicited credProtect and enforces a requested policy', async () => {
    await expect(
      verifyRegistrationResponse(
        opts({ extensions: new Map([['credProtect', 1]]) }, { expectedExtensions: { credProps: true } }),
      ),
    ).resolves.toMatchObject({ authenticatorExtensionResults: { credProtect: 1 } });
    const enforced = {
      expectedExtensions: { credProtect: { policy: 'userVerificationRequired' as const, enforce: true } },
    };
    expect(await code({ extensions: new Map([['credProtect', 2]]) }, enforced)).toBe(
      'ERR_EXTENSION_OUTPUT_INVALID',
    );
    await expect(
      verifyRegistrationResponse(opts({ extensions: new Map([['credProtect', 3]]) }, enforced)),
    ).resolves.toBeTruthy();
  });

  it('rejects a credential ID that differs from rawId', async () => {
    const reg = register();
    const id = base64url.encode(sha('x'));
    const e = await rejected(
      verifyRegistrationResponse({ ...opts(), response: { ...reg.response, id, rawId: id } }),
    );
    expect(e.code).toBe('ERR_CREDENTIAL_ID_MISMATCH');
  });

  it('rejects a malformed attestation object and a non-empty none statement', async () => {
    const reg = register();
    for (const bad of [new Uint8Array([0xa0]), new Uint8Array([0x01]), new Uint8Array([0xff, 0x00])]) {
      const e = await rejected(
        verifyRegistrationResponse({
          ...opts(),
          response: {
            ...reg.response,
            response: { ...reg.response.response, attestationObject: base64url.encode(bad) },
          },
        }),
      );
      expect(e.code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
    }
  });

  it('reads model names and icons from metadata and applies the status policy', async () => {
    const statusReports = [{ status: 'FIDO_CERTIFIED', effectiveDate: '2020-01-01' }];
    const entry = {
      aaguid: AAGUID_STR,
      metadataStatement: { description: 'Example Key', icon: 'data:image/png;base64,AAAA' },
      statusReports,
      timeOfLastStatusChange: '2020-01-01',
    } as unknown as MetadataEntry;
    const metadata: MetadataSource = {
      findByAaguid: (a) => (a === AAGUID_STR ? entry : undefined),
      findByCertificateKeyIdentifier: () => undefined,
    };
    const r = await verifyRegistrationResponse(opts({ aaguid: AAGUID }, { attestation: { metadata } }));
    expect(r.authenticator).toEqual({
      aaguid: AAGUID_STR,
      name: 'Example Key',
      icon: 'data:image/png;base64,AAAA',
    });
    statusReports.push({ status: 'REVOKED', effectiveDate: '2024-01-01' });
    expect(await code({ aaguid: AAGUID }, { attestation: { metadata }, now: new Date('2025-01-01') })).toBe(
      'ERR_AUTHENTICATOR_STATUS_REJECTED',
    );
    // not yet effective at `now`
    await expect(
      verifyRegistrationResponse(
        opts({ aaguid: AAGUID }, { attestation: { metadata }, now: new Date('2023-01-01') }),
      ),
    ).resolves.toBeTruthy();
    await expect(
      verifyRegistrationResponse(
        opts(
          { aaguid: AAGUID },
          { attestation: { metadata, statusPolicy: 'ignore' }, now: new Date('2025-01-01') },
        ),
      ),
    ).resolves.toBeTruthy();
  });

  it('accepts a conditional create without UP only when asked', async () => {
    const r = { flags: FLAGS.UV | FLAGS.AT };
    await expect(verifyRegistrationResponse(opts(r, { requireUserPresence: false }))).resolves.toMatchObject({
      userPresent: false,
    });
  });

  it('generates keys with makeKey for the suite', () => {
    expect(makeKey(-7).cose.length).toBeGreaterThan(60);
  });
});
