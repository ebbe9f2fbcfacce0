/**
 * End to end with fido2kit's own stack: options from this package → `WebAuthnClient` (ctap2) →
 * `VirtualAuthenticator` → the browser-shaped JSON → this package's verification, for every
 * algorithm and attestation mode the virtual authenticator offers. SimpleWebAuthn verifies the
 * same positive responses as a differential oracle.
 */
import { base64url } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import * as swa from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const PIN = '4821';

function setup(attestation: 'none' | 'self' | 'packed' | 'fido-u2f', alg: number) {
  const authenticator = new VirtualAuthenticator({ attestation, algorithms: [alg], pin: PIN });
  const client = new WebAuthnClient({
    device: authenticator.device(),
    origin: ORIGIN,
    onPinRequired: () => PIN,
  });
  return { authenticator, client };
}

type Json = Record<string, unknown>;

const ATTESTATION_SUPPORTED = async (): Promise<boolean> => {
  try {
    const m = (await import('@fido2kit/attestation')) as Json;
    return typeof m.verifyAttestation === 'function';
  } catch {
    return false;
  }
};

describe('WebAuthnClient + VirtualAuthenticator → verify', async () => {
  const full = await ATTESTATION_SUPPORTED();
  const modes = (full ? ['none', 'self', 'packed', 'fido-u2f'] : ['none']) as (
    | 'none'
    | 'self'
    | 'packed'
    | 'fido-u2f'
  )[];
  type Mode = 'none' | 'self' | 'packed' | 'fido-u2f';
  const cases: [Mode, number][] = modes.flatMap((m): [Mode, number][] =>
    m === 'fido-u2f'
      ? [[m, -7]]
      : [
          [m, -7],
          [m, -8],
        ],
  );

  it.each(cases)(
    '%s attestation, algorithm %i: register, sign in twice, SimpleWebAuthn agrees',
    async (mode, alg) => {
      const { authenticator, client } = setup(mode, alg);
      const regOptions = generateRegistrationOptions({
        rpName: 'Example',
        rpID: RP_ID,
        user: { name: 'alice@example.com', displayName: 'Alice' },
        attestation: mode === 'none' ? 'none' : 'direct',
        authenticatorSelection: { residentKey: mode === 'fido-u2f' ? 'discouraged' : 'required' },
        supportedAlgorithmIDs: [alg],
        extensions: { credProps: true },
      });
      const regResponse = (await client.create(regOptions as never)) as unknown as Json;
      const reg = await verifyRegistrationResponse({
        response: regResponse as never,
        expectedChallenge: regOptions.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        expectedExtensions: regOptions.extensions,
        supportedAlgorithmIDs: [alg],
        attestation: { trustAnchors: [authenticator.attestationCaCertificate] },
      });
      expect(reg.credential.algorithm).toBe(alg);
      expect(reg.credential.aaguid).toBe(
        mode === 'fido-u2f' ? '00000000-0000-0000-0000-000000000000' : authenticator.aaguid,
      );
      expect(reg.userVerified).toBe(true);

      // SimpleWebAuthn as a differential oracle, on every mode (packed full x5c included)
      const theirs = await swa.verifyRegistrationResponse({
        response: regResponse as never,
        expectedChallenge: regOptions.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        supportedAlgorithmIDs: [alg],
      });
      {
        expect(theirs.verified).toBe(true);
        const info = theirs.registrationInfo!;
        expect(info.credential.id).toBe(reg.credential.id);
        expect(base64url.encode(info.credential.publicKey)).toBe(base64url.encode(reg.credential.publicKey));
        expect(info.credential.counter).toBe(reg.credential.counter);
        expect(info.fmt).toBe(reg.credential.attestationFormat);
        expect(info.aaguid).toBe(reg.credential.aaguid);
        expect(info.userVerified).toBe(reg.userVerified);
        expect(info.credentialBackedUp).toBe(reg.credential.backedUp);
      }
      if (mode === 'packed' || mode === 'fido-u2f') {
        expect(reg.attestation.trusted).toBe(true);
        expect(reg.credential.attestationType).toBe('basic');
      } else expect(reg.credential.attestationType).toBe(mode);

      let counter = reg.credential.counter;
      for (let i = 0; i < 2; i++) {
        const authOptions = generateAuthenticationOptions({
          rpID: RP_ID,
          allowCredentials: [{ id: reg.credential.id, transports: reg.credential.transports }],
        });
        const authResponse = (await client.get(authOptions as never)) as unknown as Json;
        const auth = await verifyAuthenticationResponse({
          response: authResponse as never,
          expectedChallenge: authOptions.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential: { ...reg.credential, counter, backupEligible: reg.credential.backupEligible },
        });
        expect(auth.credentialId).toBe(reg.credential.id);
        expect(auth.userVerified).toBe(true);
        expect(auth.counterRegression).toBe(false);
        const theirAuth = await swa.verifyAuthenticationResponse({
          response: authResponse as never,
          expectedChallenge: authOptions.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential: {
            id: reg.credential.id,
            publicKey: reg.credential.publicKey as Uint8Array<ArrayBuffer>,
            counter,
          },
        });
        expect(theirAuth.verified).toBe(true);
        expect(theirAuth.authenticationInfo.newCounter).toBe(auth.newCounter);
        expect(theirAuth.authenticationInfo.userVerified).toBe(auth.userVerified);
        counter = auth.newCounter;
      }
    },
  );

  it('usernameless sign-in with a discoverable credential returns the user handle', async () => {
    const { client } = setup('none', -7);
    const userId = new TextEncoder().encode('user-42');
    const regOptions = generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      user: { name: 'bob', id: userId },
      authenticatorSelection: { residentKey: 'required' },
      extensions: { credProps: true, credProtect: 'userVerificationRequired' },
    });
    const reg = await verifyRegistrationResponse({
      response: (await client.create(regOptions as never)) as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      expectedExtensions: regOptions.extensions,
    });
    expect(reg.credential.discoverable).toBe(true);
    const authOptions = generateAuthenticationOptions({ rpID: RP_ID });
    const auth = await verifyAuthenticationResponse({
      response: (await client.get(authOptions as never)) as never,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { ...reg.credential, userHandle: userId },
    });
    expect(auth.userHandle).toBe(base64url.encode(userId));
  });

  it('a response replayed against a new challenge, or a cloned key, fails', async () => {
    const { client } = setup('none', -7);
    const regOptions = generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      user: { name: 'carol' },
    });
    const reg = await verifyRegistrationResponse({
      response: (await client.create(regOptions as never)) as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    const authOptions = generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: reg.credential.id }],
    });
    const response = (await client.get(authOptions as never)) as never;
    const base = { response, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential: reg.credential };
    const ok = await verifyAuthenticationResponse({ ...base, expectedChallenge: authOptions.challenge });
    await expect(
      verifyAuthenticationResponse({
        ...base,
        expectedChallenge: generateAuthenticationOptions({ rpID: RP_ID }).challenge,
      }),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_MISMATCH' });
    await expect(
      verifyAuthenticationResponse({
        ...base,
        expectedChallenge: authOptions.challenge,
        credential: { ...reg.credential, counter: ok.newCounter },
      }),
    ).rejects.toMatchObject({ code: 'ERR_COUNTER_REGRESSION' });
  });

  it.runIf(full)('enforced attestation and approved key models (the enterprise policy)', async () => {
    const { authenticator, client } = setup('packed', -7);
    const regOptions = generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      user: { name: 'dave' },
      attestation: 'direct',
    });
    const response = (await client.create(regOptions as never)) as never;
    const base = {
      response,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    };
    const anchors = [authenticator.attestationCaCertificate];
    const ok = await verifyRegistrationResponse({
      ...base,
      attestation: {
        trustAnchors: anchors,
        requireTrustedAttestation: true,
        allowedAaguids: [authenticator.aaguid],
      },
    });
    expect(ok.attestation.trustPath.length).toBeGreaterThan(0);
    await expect(
      verifyRegistrationResponse({ ...base, attestation: { requireTrustedAttestation: true } }),
    ).rejects.toMatchObject({
      code: 'ERR_ATTESTATION_UNTRUSTED',
    });
    await expect(
      verifyRegistrationResponse({
        ...base,
        attestation: {
          trustAnchors: anchors,
          requireTrustedAttestation: true,
          allowedAaguids: ['2fc0579f-8113-47ea-b116-bb5a8db9202a'],
        },
      }),
    ).rejects.toMatchObject({ code: 'ERR_AAGUID_NOT_ALLOWED' });
    await expect(
      verifyRegistrationResponse({
        ...base,
        attestation: { trustAnchors: anchors, blockedAaguids: [authenticator.aaguid] },
      }),
    ).rejects.toMatchObject({ code: 'ERR_AAGUID_NOT_ALLOWED' });
    // certificates judged at `now`: long after the attestation certificate expired
    await expect(
      verifyRegistrationResponse({
        ...base,
        now: new Date('2300-01-01'),
        attestation: { trustAnchors: anchors },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ATTESTATION_UNTRUSTED' });
  });

  it.runIf(full)(
    'a signed MDS3 BLOB (loadMetadataBlob) supplies the root, the model name and icon, and the status',
    async () => {
      const { loadMetadataBlob } = await import('@fido2kit/attestation');
      const { createTestPki, createMetadataBlob, createMetadataEntry } = await import(
        '@fido2kit/attestation/testing'
      );
      const { authenticator, client } = setup('packed', -7);
      const pki = await createTestPki();
      const entry = (status: string) =>
        createMetadataEntry({
          aaguid: authenticator.aaguid,
          description: 'fido2kit Virtual Security Key',
          icon: 'data:image/png;base64,iVBORw0KGgo=',
          attestationRootCertificates: [authenticator.attestationCaCertificate],
          statusReports: [{ status: status as never, effectiveDate: '2024-01-01' }],
        });
      const regOptions = generateRegistrationOptions({
        rpName: 'Example',
        rpID: RP_ID,
        user: { name: 'frank' },
        attestation: 'direct',
      });
      const response = (await client.create(regOptions as never)) as never;
      const verify = async (status: string) =>
        verifyRegistrationResponse({
          response,
          expectedChallenge: regOptions.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          attestation: {
            metadata: await loadMetadataBlob(await createMetadataBlob({ pki, entries: [entry(status)] }), {
              rootCertificate: pki.root.pem,
              crl: { crls: pki.crls },
              now: new Date(),
            }),
            requireTrustedAttestation: true,
            allowedAaguids: [authenticator.aaguid],
          },
        });
      const ok = await verify('FIDO_CERTIFIED_L1');
      expect(ok.authenticator).toEqual({
        aaguid: authenticator.aaguid,
        name: 'fido2kit Virtual Security Key',
        icon: 'data:image/png;base64,iVBORw0KGgo=',
      });
      expect(ok.attestation.trusted).toBe(true);
      await expect(verify('REVOKED')).rejects.toMatchObject({ code: 'ERR_AUTHENTICATOR_STATUS_REJECTED' });
    },
  );
});
