/**
 * WebAuthnClient's output verified by a relying party that is not ours: @simplewebauthn/server,
 * for create and get, every attestation mode and algorithm of the virtual key.
 */
import { verifyAttestation } from '@fido2kit/attestation';
import { createTestCertificate, ecPrivateKeyBytes } from '@fido2kit/attestation/testing';
import { base64url, sha256 } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';

const rpID = 'example.com';
const origin = 'https://example.com';
const ALGS = [
  [-7, 'ES256'],
  [-8, 'EdDSA'],
] as const;
// 'packed' (full attestation with the generated chain) waits on the virtual authenticator's
// certificate fix: its subject is one multi-valued RDN ("C=US + O=… + OU=… + CN=…"), and
// SimpleWebAuthn (rightly) reads no OU "Authenticator Attestation" from it (WebAuthn §8.2.1).
const PACKED_CERT_FIXED = true;
const MODES = (['none', 'self', 'packed', 'fido-u2f'] as const).filter(
  (m) => m !== 'packed' || PACKED_CERT_FIXED,
);
const EXPECTED_FMT = { none: 'none', self: 'packed', packed: 'packed', 'fido-u2f': 'fido-u2f' } as const;

describe('WebAuthnClient → @simplewebauthn/server (an RP that is not ours)', () => {
  for (const mode of MODES) {
    for (const [alg, algName] of ALGS) {
      if (mode === 'fido-u2f' && alg !== -7) continue; // U2F attestation carries only P-256 keys
      for (const rk of [false, true]) {
        it(`attestation ${mode}, ${algName}, ${rk ? 'discoverable' : 'server-side'} credential: create and get verify`, async () => {
          const authenticator = new VirtualAuthenticator({ attestation: mode, pin: '123456' });
          const presence: number[] = [];
          const client = new WebAuthnClient({
            device: authenticator.device(),
            origin,
            onPinRequired: () => '123456',
            onUserPresence: () => presence.push(1),
          });
          const regOptions = await generateRegistrationOptions({
            rpName: 'Example',
            rpID,
            userName: 'alice',
            attestationType: 'direct',
            supportedAlgorithmIDs: [alg],
            authenticatorSelection: {
              residentKey: rk ? 'required' : 'discouraged',
              userVerification: 'required',
            },
          });
          const reg = await client.create({ ...regOptions, extensions: { ...regOptions.extensions } });
          expect(reg.response.publicKeyAlgorithm).toBe(alg);
          const verified = await verifyRegistrationResponse({
            response: reg,
            expectedChallenge: regOptions.challenge,
            expectedOrigin: origin,
            expectedRPID: rpID,
            requireUserVerification: true,
            supportedAlgorithmIDs: [alg],
          });
          expect(verified.verified).toBe(true);
          expect(verified.registrationInfo?.fmt).toBe(EXPECTED_FMT[mode]);
          expect(verified.registrationInfo?.credentialDeviceType).toBe('singleDevice');
          const credential = verified.registrationInfo?.credential;
          if (!credential) throw new Error('no credential');

          const authOptions = await generateAuthenticationOptions({
            rpID,
            userVerification: 'required',
            allowCredentials: rk ? [] : [{ id: credential.id }],
          });
          const assertion = await client.get({ ...authOptions, extensions: { ...authOptions.extensions } });
          const auth = await verifyAuthenticationResponse({
            response: assertion,
            expectedChallenge: authOptions.challenge,
            expectedOrigin: origin,
            expectedRPID: rpID,
            credential,
            requireUserVerification: true,
          });
          expect(auth.verified).toBe(true);
          expect(auth.authenticationInfo.newCounter).toBeGreaterThan(credential.counter);
          if (rk) expect(assertion.response.userHandle).toBe(regOptions.user.id);
          expect(presence.length).toBeGreaterThanOrEqual(0);
        });
      }
    }
  }

  it('attestation "none" conveyance: the client strips the statement and the AAGUID, and the RP still verifies', async () => {
    const authenticator = new VirtualAuthenticator({ attestation: 'packed' });
    const client = new WebAuthnClient({ device: authenticator.device(), origin });
    const regOptions = await generateRegistrationOptions({
      rpName: 'Example',
      rpID,
      userName: 'bob',
      attestationType: 'none',
      authenticatorSelection: { userVerification: 'discouraged' },
    });
    const reg = await client.create({ ...regOptions, extensions: { ...regOptions.extensions } });
    const verified = await verifyRegistrationResponse({
      response: reg,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    expect(verified.registrationInfo?.fmt).toBe('none');
    expect(verified.registrationInfo?.aaguid).toBe('00000000-0000-0000-0000-000000000000');
  });
});

describe('a vendor CA made with @fido2kit/attestation/testing signs the virtual key’s attestation', () => {
  it('verifies as trusted with our verifier and with SimpleWebAuthn', async () => {
    const ca = await createTestCertificate({
      subject: { C: 'US', O: 'Vendor', CN: 'Vendor Attestation CA' },
      ca: true,
    });
    const authenticator = new VirtualAuthenticator({
      attestation: 'packed',
      attestationCa: { privateKey: await ecPrivateKeyBytes(ca.key), certificate: ca.der },
    });
    const client = new WebAuthnClient({ device: authenticator.device(), origin: 'https://example.com' });
    const options = {
      rp: { id: 'example.com', name: 'Example' },
      user: { id: 'AQID', name: 'alice', displayName: 'Alice' },
      challenge: 'AAECAwQFBgcICQoLDA0ODw',
      pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
      attestation: 'direct' as const,
    };
    const response = await client.create(options);
    const clientDataHash = sha256(base64url.decode(response.response.clientDataJSON));
    const ours = await verifyAttestation({
      attestationObject: base64url.decode(response.response.attestationObject),
      clientDataHash,
      trustAnchors: [ca.der],
    });
    expect(ours).toMatchObject({ fmt: 'packed', type: 'basic', trusted: true });
    const theirs = await verifyRegistrationResponse({
      response: response as never,
      expectedChallenge: options.challenge,
      expectedOrigin: 'https://example.com',
      expectedRPID: 'example.com',
      requireUserVerification: false,
    });
    expect(theirs.verified).toBe(true);
  });
  it('a CryptoKey given as attestationCa.privateKey is a TypeError that says what to pass', async () => {
    const ca = await createTestCertificate({ subject: { CN: 'Vendor CA' }, ca: true });
    expect(
      () =>
        new VirtualAuthenticator({
          attestationCa: { privateKey: ca.key.privateKey as never, certificate: ca.der },
        }),
    ).toThrow(/32 raw bytes/);
  });
});
