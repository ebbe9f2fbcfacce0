/**
 * @fido2kit/ctap2's WebAuthnClient as a platform, end to end with VirtualAuthenticator and this
 * package's verification: Related Origin Requests (WebAuthn L3 §5.11) against the document
 * `buildRelatedOriginsDocument` builds, and appidExclude (§10.1.2) on U2F-capable virtual keys.
 */
import { base64url, sha256, utf8Encode } from '@fido2kit/cose';
import {
  Ctap1,
  type PublicKeyCredentialCreationOptionsJSON,
  type RelatedOriginsFetch,
  WebAuthnClient,
} from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import {
  buildRelatedOriginsDocument,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';

/** A site serving `/.well-known/webauthn` from rp's builder, as `fetch` sees it. */
function site(rpId: string, origins: string[]): RelatedOriginsFetch & { urls: string[] } {
  const document = buildRelatedOriginsDocument(origins);
  const urls: string[] = [];
  const f: RelatedOriginsFetch = async (url) => {
    urls.push(url);
    if (url !== `https://${rpId}/.well-known/webauthn`) return new Response('not found', { status: 404 });
    return Response.json(document);
  };
  return Object.assign(f, { urls });
}

describe('related origins (WebAuthn L3 §5.11) against buildRelatedOriginsDocument', () => {
  const RP_ID = 'example.com';
  const fetch = site(RP_ID, ['https://example.co.uk', 'https://example.de', 'https://example-rewards.com']);

  it('an origin the RP lists registers and signs in under the RP ID; rp verifies both', async () => {
    const authenticator = new VirtualAuthenticator({ attestation: 'none' });
    const origin = 'https://example.co.uk';
    const client = new WebAuthnClient({ device: authenticator.device(), origin, fetch });
    const regOptions = generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      userName: 'alice',
      authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' },
    });
    const reg = await client.create(regOptions);
    const registered = await verifyRegistrationResponse({
      response: reg,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: [origin, 'https://example.com'],
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    const authOptions = generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'discouraged' });
    const assertion = await client.get(authOptions);
    const signedIn = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      requireUserVerification: false,
      credential: registered.credential,
    });
    expect(signedIn.credentialId).toBe(reg.id);
    expect(fetch.urls).toEqual([
      'https://example.com/.well-known/webauthn',
      'https://example.com/.well-known/webauthn',
    ]);
  });

  it('an origin the document does not list is SecurityError ERR_RELATED_ORIGINS_NOT_LISTED, nothing reaches the key', async () => {
    const authenticator = new VirtualAuthenticator();
    const client = new WebAuthnClient({
      device: authenticator.device(),
      origin: 'https://evil.example',
      fetch,
    });
    const e = await client.get(generateAuthenticationOptions({ rpID: RP_ID })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_RELATED_ORIGINS_NOT_LISTED', domName: 'SecurityError' });
  });

  it('an RP that serves no document (404) is SecurityError ERR_RELATED_ORIGINS_STATUS', async () => {
    const client = new WebAuthnClient({
      device: new VirtualAuthenticator().device(),
      origin: 'https://example.co.uk',
      fetch: site('elsewhere.example', []),
    });
    const e = await client.get(generateAuthenticationOptions({ rpID: RP_ID })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_RELATED_ORIGINS_STATUS', domName: 'SecurityError' });
  });
});

describe('appidExclude (WebAuthn L3 §10.1.2) on U2F-capable virtual keys', () => {
  const RP_ID = 'example.com';
  const ORIGIN = 'https://example.com';
  const APPID = 'https://example.com/appid.json';

  /** A credential registered through the U2F JavaScript API under the AppID (the legacy enrolment). */
  async function legacyRegistration(authenticator: VirtualAuthenticator) {
    const u2f = new Ctap1(authenticator.device());
    return u2f.register(sha256(utf8Encode('legacy client data')), sha256(utf8Encode(APPID)));
  }

  function creation(excludeId: string, appidExclude?: string): PublicKeyCredentialCreationOptionsJSON {
    const o = generateRegistrationOptions({
      rpName: 'Example',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [{ id: excludeId }],
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    });
    return appidExclude === undefined ? o : { ...o, extensions: { appidExclude } };
  }

  for (const mode of ['dual', 'u2f-only'] as const) {
    it(`${mode}: a U2F credential under the AppID excludes the key with InvalidStateError`, async () => {
      const authenticator = new VirtualAuthenticator({ u2f: mode, attestation: 'fido-u2f' });
      const legacy = await legacyRegistration(authenticator);
      let touches = 0;
      const client = new WebAuthnClient({
        device: authenticator.device(),
        origin: ORIGIN,
        onUserPresence: () => touches++,
      });
      const id = base64url.encode(legacy.keyHandle);
      const e = await client.create(creation(id, APPID)).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_INVALID_STATE', domName: 'InvalidStateError' });
      // without appidExclude the RP ID's own hash finds nothing, and the key registers
      const reg = await client.create(creation(id));
      expect(reg.clientExtensionResults).toEqual({});
      await expect(
        verifyRegistrationResponse({
          response: reg,
          expectedChallenge: () => true,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          requireUserVerification: false,
        }),
      ).resolves.toMatchObject({ credential: { id: reg.id } });
      expect(touches).toBeGreaterThan(0);
    });

    it(`${mode}: when no excluded credential is on the key, the ceremony succeeds with appidExclude: true`, async () => {
      const authenticator = new VirtualAuthenticator({ u2f: mode, attestation: 'fido-u2f' });
      const client = new WebAuthnClient({ device: authenticator.device(), origin: ORIGIN });
      const options = creation('AAECAwQFBgcICQoLDA0ODw', APPID);
      const reg = await client.create(options);
      expect(reg.clientExtensionResults).toEqual({ appidExclude: true });
      await expect(
        verifyRegistrationResponse({
          response: reg,
          expectedChallenge: options.challenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          requireUserVerification: false,
        }),
      ).resolves.toMatchObject({ credential: { id: reg.id } });
    });
  }

  it('an AppID of another site is SecurityError before any key is asked', async () => {
    const client = new WebAuthnClient({
      device: new VirtualAuthenticator({ u2f: 'dual' }).device(),
      origin: ORIGIN,
    });
    const e = await client
      .create(creation('AAECAwQFBgcICQoLDA0ODw', 'https://evil.example/appid.json'))
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_SECURITY', domName: 'SecurityError' });
  });
});
