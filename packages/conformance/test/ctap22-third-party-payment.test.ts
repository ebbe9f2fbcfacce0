/**
 * thirdPartyPayment (CTAP 2.2 §12.9) end to end, through public APIs only: @fido2kit/rp makes the
 * options, WebAuthnClient (ctap2) runs the ceremonies against a VirtualAuthenticator, and rp
 * verifies what the client returns. A credential made with `payment: { isPayment: true }` (Secure
 * Payment Confirmation's input) reports thirdPartyPayment true at authentication; another one
 * reports false.
 */
import { WebAuthnClient } from '@fido2kit/ctap2';
import * as rp from '@fido2kit/rp';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';

const rpID = 'example.com';
const origin = 'https://example.com';

async function enrol(client: WebAuthnClient, name: string, payment: boolean) {
  const options = await rp.generateRegistrationOptions({
    rpName: 'Example',
    rpID,
    userName: name,
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    ...(payment ? { extensions: { payment: { isPayment: true } } } : {}),
  });
  const response = await client.create(options);
  const verified = await rp.verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: false,
  });
  return verified.credential;
}

describe('thirdPartyPayment: client ⇄ virtual key ⇄ rp', () => {
  it('the assertion says which credential is enabled for third-party payment, and rp accepts it', async () => {
    const client = new WebAuthnClient({ device: new VirtualAuthenticator().device(), origin });
    const payer = await enrol(client, 'alice', true);
    const plain = await enrol(client, 'bob', false);
    for (const [credential, expected] of [
      [payer, true],
      [plain, false],
    ] as const) {
      const options = await rp.generateAuthenticationOptions({
        rpID,
        userVerification: 'discouraged',
        allowCredentials: [{ id: credential.id }],
        extensions: { thirdPartyPayment: true },
      });
      const response = await client.get(options);
      expect(response.clientExtensionResults).toMatchObject({ thirdPartyPayment: expected });
      const verified = await rp.verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
        credential,
      });
      expect(verified.authenticatorExtensionResults).toEqual({ thirdPartyPayment: expected });
    }
  });
});
