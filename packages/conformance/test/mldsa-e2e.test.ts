/**
 * ML-DSA credentials end to end (FIPS 204 with COSE AKP keys, draft-ietf-cose-dilithium), through
 * public APIs only: a VirtualAuthenticator configured with an ML-DSA algorithm, WebAuthnClient
 * (ctap2) running the ceremonies, and @fido2kit/rp verifying registration and authentication.
 */
import { decodeCoseKey } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import * as rp from '@fido2kit/rp';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';

const rpID = 'example.com';
const origin = 'https://example.com';

describe.each([
  [-48, 'ML-DSA-44'],
  [-49, 'ML-DSA-65'],
  [-50, 'ML-DSA-87'],
] as const)('alg %i (%s): virtual key ⇄ WebAuthnClient ⇄ rp', (alg, _name) => {
  it('registers with packed attestation and signs in', async () => {
    const authenticator = new VirtualAuthenticator({ algorithms: [alg] });
    const client = new WebAuthnClient({ device: authenticator.device(), origin });
    const regOptions = await rp.generateRegistrationOptions({
      rpName: 'Example',
      rpID,
      userName: 'alice',
      attestationType: 'direct',
      supportedAlgorithmIDs: [alg, -7],
      authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' },
    });
    expect(regOptions.pubKeyCredParams.map((p) => p.alg)).toEqual([alg, -7]);
    const reg = await client.create(regOptions);
    expect(reg.response.publicKeyAlgorithm).toBe(alg);
    const registered = await rp.verifyRegistrationResponse({
      response: reg,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    expect(decodeCoseKey(registered.credential.publicKey)).toMatchObject({ kty: 'AKP', alg });

    const authOptions = await rp.generateAuthenticationOptions({ rpID, userVerification: 'discouraged' });
    const assertion = await client.get(authOptions);
    const signedIn = await rp.verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
      credential: registered.credential,
    });
    expect(signedIn.newCounter).toBe(1);

    // a tampered assertion fails
    const bad = structuredClone(assertion);
    bad.response.clientDataJSON = reg.response.clientDataJSON;
    await expect(
      rp.verifyAuthenticationResponse({
        response: bad,
        expectedChallenge: authOptions.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
        credential: registered.credential,
      }),
    ).rejects.toHaveProperty('code');
  });
});

describe('an RP that does not list ML-DSA', () => {
  it('gets ES256 from a key that prefers ML-DSA', async () => {
    const client = new WebAuthnClient({
      device: new VirtualAuthenticator({ algorithms: [-48, -7] }).device(),
      origin,
    });
    const options = await rp.generateRegistrationOptions({
      rpName: 'E',
      rpID,
      userName: 'u',
      supportedAlgorithmIDs: [-7],
      authenticatorSelection: { userVerification: 'discouraged' },
    });
    expect((await client.create(options)).response.publicKeyAlgorithm).toBe(-7);
  });
});
