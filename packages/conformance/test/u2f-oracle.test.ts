/**
 * The CTAP1/U2F fallback (CTAP 2.1 §10.3) and the appid extension (WebAuthn §10.1.1) judged by
 * relying parties: ours (@fido2kit/rp) and one that is not (@simplewebauthn/server). A U2F-only
 * virtual key registers through WebAuthnClient with fido-u2f attestation and signs in; a
 * credential registered through the old U2F API under an AppID signs in through the appid
 * extension, and both RPs accept it with the AppID among the expected RP IDs.
 */
import { base64url, sha256, utf8Encode } from '@fido2kit/cose';
import { Ctap1, u2fPublicKeyToCose, WebAuthnClient } from '@fido2kit/ctap2';
import * as rp from '@fido2kit/rp';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import * as swa from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';

const rpID = 'example.com';
const origin = 'https://example.com';
const appid = 'https://example.com/u2f/appid.json';

describe('U2F-only key through WebAuthnClient, verified by two RPs', () => {
  it('fido-u2f registration and the assertion verify with @fido2kit/rp and SimpleWebAuthn', async () => {
    const authenticator = new VirtualAuthenticator({ u2f: 'u2f-only', attestation: 'fido-u2f' });
    const device = authenticator.device();
    const client = new WebAuthnClient({ device, origin });
    const regOptions = await swa.generateRegistrationOptions({
      rpName: 'Example',
      rpID,
      userName: 'alice',
      attestationType: 'direct',
      supportedAlgorithmIDs: [-7],
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    });
    // SimpleWebAuthn types extension inputs as a closed interface; ours are open (any identifier)
    const reg = await client.create({ ...regOptions, extensions: { ...regOptions.extensions } });
    const theirs = await swa.verifyRegistrationResponse({
      response: reg as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    expect(theirs.verified).toBe(true);
    expect(theirs.registrationInfo?.fmt).toBe('fido-u2f');
    expect(theirs.registrationInfo?.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    const ours = await rp.verifyRegistrationResponse({
      response: reg as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    expect(ours.attestation).toMatchObject({ fmt: 'fido-u2f', type: 'basic' });
    const credential = theirs.registrationInfo?.credential;
    if (!credential) throw new Error('no credential');

    const authOptions = await swa.generateAuthenticationOptions({
      rpID,
      userVerification: 'discouraged',
      allowCredentials: [{ id: credential.id }],
    });
    const assertion = await client.get({ ...authOptions, extensions: { ...authOptions.extensions } });
    const auth = await swa.verifyAuthenticationResponse({
      response: assertion as never,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential,
      requireUserVerification: false,
    });
    expect(auth.verified).toBe(true);
    expect(auth.authenticationInfo.newCounter).toBeGreaterThan(0);
    const ourAuth = await rp.verifyAuthenticationResponse({
      response: assertion as never,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: credential.id, publicKey: ours.credential.publicKey, counter: 0 },
      requireUserVerification: false,
    });
    expect(ourAuth.newCounter).toBe(auth.authenticationInfo.newCounter);
  });

  for (const mode of ['u2f-only', 'dual'] as const) {
    it(`${mode}: a credential registered under an AppID signs in with the appid extension; both RPs accept the AppID's hash`, async () => {
      const authenticator = new VirtualAuthenticator({ u2f: mode, attestation: 'fido-u2f' });
      const device = authenticator.device();
      const legacy = await new Ctap1(device).register(
        sha256(utf8Encode('{"typ":"navigator.id.finishEnrollment"}')),
        sha256(utf8Encode(appid)),
      );
      const id = base64url.encode(legacy.keyHandle);
      const publicKey = new Uint8Array(u2fPublicKeyToCose(legacy.publicKey));
      const client = new WebAuthnClient({ device, origin });
      const authOptions = await swa.generateAuthenticationOptions({
        rpID,
        userVerification: 'discouraged',
        allowCredentials: [{ id }],
      });
      const assertion = await client.get({ ...authOptions, extensions: { appid } } as never);
      expect(assertion.clientExtensionResults).toEqual({ appid: true });
      const auth = await swa.verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: authOptions.challenge,
        expectedOrigin: origin,
        expectedRPID: [rpID, appid],
        credential: { id, publicKey, counter: 0 },
        requireUserVerification: false,
      });
      expect(auth.verified).toBe(true);
      const ours = await rp.verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: authOptions.challenge,
        expectedOrigin: origin,
        expectedRPID: [rpID, appid],
        credential: { id, publicKey, counter: 0 },
        requireUserVerification: false,
      });
      expect(ours.newCounter).toBe(auth.authenticationInfo.newCounter);
    });
  }
});
