/**
 * The WebAuthnClient suite: `@fido2kit/ctap2`'s browser-like client driving a
 * `VirtualAuthenticator` through whatever `CtapDevice` the caller builds — the largeBlob
 * extension over authenticatorLargeBlobs, the CTAP1/U2F fallback for U2F-only keys (CTAP 2.1
 * §10.3) with the appid extension, and enterprise attestation.
 */
import { base64url, sha256, utf8Decode, utf8Encode, verifySignature } from '@fido2kit/cose';
import {
  Ctap1,
  Ctap2,
  type MakeCredentialParams,
  u2fPublicKeyToCose,
  WebAuthnClient,
  type WebAuthnClientOptions,
} from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { failure, type MakeSuiteDevice, PIN, type SuiteDevice, suiteDevices } from './harness.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const APPID = 'https://example.com/appid.json';
const CHALLENGE = 'AAECAwQFBgcICQoLDA0ODw';

function creation(extra: Record<string, unknown> = {}) {
  return {
    rp: { id: RP_ID, name: 'Example' },
    user: { id: 'dXNlci0x', name: 'alice', displayName: 'Alice' },
    challenge: CHALLENGE,
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...extra,
  };
}

/**
 * Expects a key without largeBlob: `preferred` reports `supported: false`, `required` is refused
 * (NotSupportedError), a write reports `written: false`. Returns the registration.
 */
async function expectNoLargeBlob(c: WebAuthnClient, extra: Record<string, unknown> = {}) {
  const reg = await c.create(creation({ ...extra, extensions: { largeBlob: { support: 'preferred' } } }));
  expect(reg.clientExtensionResults.largeBlob).toEqual({ supported: false });
  expect(
    await failure(c.create(creation({ ...extra, extensions: { largeBlob: { support: 'required' } } }))),
  ).toMatchObject({ code: 'ERR_NOT_SUPPORTED', domName: 'NotSupportedError' });
  const got = await c.get({
    challenge: CHALLENGE,
    rpId: RP_ID,
    allowCredentials: [{ id: reg.id, type: 'public-key' }],
    extensions: { largeBlob: { write: 'AQID' } },
  });
  expect(got.clientExtensionResults.largeBlob).toEqual({ written: false });
  return reg;
}

/**
 * Defines the WebAuthnClient suite as vitest `describe` blocks; `makeDevice` has the shape of
 * {@link defineCtap2Suite}'s, so each transport can rerun it unchanged.
 *
 * @param name shown in the test names (e.g. "in memory", "CTAPHID", "NFC")
 * @param makeDevice builds a device around a new authenticator; called for each test
 * @example
 * ```ts
 * defineWebAuthnSuite('in memory', async (options) => {
 *   const authenticator = new VirtualAuthenticator(options);
 *   return { device: authenticator.device(), authenticator, close: async () => {} };
 * });
 * ```
 */
export function defineWebAuthnSuite(name: string, makeDevice: MakeSuiteDevice): void {
  function client(d: SuiteDevice, options: Partial<WebAuthnClientOptions> = {}) {
    return new WebAuthnClient({ device: d.device, origin: ORIGIN, ...options });
  }

  describe(`WebAuthnClient ↔ virtual authenticator (${name})`, () => {
    const key = suiteDevices(makeDevice, { attestation: 'none', presenceTimeoutMs: 2000 });

    describe('largeBlob (WebAuthn L3 §10.1.5)', () => {
      const rk = { authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' } };
      it('supported at create; write then read through authenticatorLargeBlobs; another credential has no blob', async () => {
        const d = await key();
        const c = client(d);
        const reg = await c.create(creation({ ...rk, extensions: { largeBlob: { support: 'required' } } }));
        expect(reg.clientExtensionResults.largeBlob).toEqual({ supported: true });
        const other = await c.create(
          creation({
            ...rk,
            user: { id: 'dXNlci0y', name: 'bob', displayName: 'Bob' },
            extensions: { largeBlob: { support: 'preferred' } },
          }),
        );
        const data = utf8Encode('{"certificate":"MIIB…","note":"kept on the key"}');
        const allow = (id: string) => [{ id, type: 'public-key' }];
        const written = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: allow(reg.id),
          extensions: { largeBlob: { write: base64url.encode(data) } },
        });
        expect(written.clientExtensionResults.largeBlob).toEqual({ written: true });
        const read = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: allow(reg.id),
          extensions: { largeBlob: { read: true } },
        });
        const out = read.clientExtensionResults.largeBlob as { blob?: string };
        expect(utf8Decode(base64url.decode(out.blob as string))).toBe(utf8Decode(data));
        const none = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: allow(other.id),
          extensions: { largeBlob: { read: true } },
        });
        expect(none.clientExtensionResults.largeBlob).toEqual({});
        // overwriting replaces the credential's blob and keeps the array to one entry per key
        await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: allow(reg.id),
          extensions: { largeBlob: { write: base64url.encode(utf8Encode('v2')) } },
        });
        const again = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: allow(reg.id),
          extensions: { largeBlob: { read: true } },
        });
        expect(
          utf8Decode(base64url.decode((again.clientExtensionResults.largeBlob as { blob: string }).blob)),
        ).toBe('v2');
      });
      it('a PIN-protected key: the write asks the PIN once and uses a token with lbw', async () => {
        const d = await key({ pin: PIN });
        const asked: number[] = [];
        const c = client(d, {
          onPinRequired: (r) => {
            asked.push(r.attempt);
            return PIN;
          },
        });
        const reg = await c.create(
          creation({
            authenticatorSelection: { residentKey: 'required' },
            extensions: { largeBlob: { support: 'required' } },
          }),
        );
        expect(reg.clientExtensionResults.largeBlob).toEqual({ supported: true });
        asked.length = 0;
        const got = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          userVerification: 'discouraged',
          allowCredentials: [{ id: reg.id, type: 'public-key' }],
          extensions: { largeBlob: { write: base64url.encode(utf8Encode('secret note')) } },
        });
        expect(got.clientExtensionResults.largeBlob).toEqual({ written: true });
        expect(asked).toEqual([1]);
        const read = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          userVerification: 'discouraged',
          allowCredentials: [{ id: reg.id, type: 'public-key' }],
          extensions: { largeBlob: { read: true } },
        });
        const blob = (read.clientExtensionResults.largeBlob as { blob: string }).blob;
        expect(utf8Decode(base64url.decode(blob))).toBe('secret note');
      });
      it('a protected key and no way to ask the PIN: the assertion succeeds with written: false', async () => {
        const d = await key({ pin: PIN });
        const withPin = client(d, { onPinRequired: () => PIN });
        const reg = await withPin.create(
          creation({
            authenticatorSelection: { residentKey: 'required' },
            extensions: { largeBlob: { support: 'required' } },
          }),
        );
        const got = await client(d).get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          userVerification: 'discouraged',
          allowCredentials: [{ id: reg.id, type: 'public-key' }],
          extensions: { largeBlob: { write: 'AQID' } },
        });
        expect(got.clientExtensionResults.largeBlob).toEqual({ written: false });
      });
      it('a key without large-blob storage: supported false, required is NotSupportedError, written false', async () => {
        const d = await key({ maxSerializedLargeBlobArray: 0 });
        const c = client(d);
        const reg = await expectNoLargeBlob(c, rk);
        const read = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: [{ id: reg.id, type: 'public-key' }],
          extensions: { largeBlob: { read: true } },
        });
        expect(read.clientExtensionResults.largeBlob).toEqual({});
      });
      it('a server-side credential has no largeBlobKey: supported false', async () => {
        const d = await key();
        const reg = await client(d).create(creation({ extensions: { largeBlob: { support: 'preferred' } } }));
        expect(reg.clientExtensionResults.largeBlob).toEqual({ supported: false });
      });
      it('inputs a client must refuse are NotSupportedError (read with write, support at get, write without exactly one credential, read at create)', async () => {
        const d = await key();
        const c = client(d);
        const reg = await c.create(creation({ ...rk, extensions: { largeBlob: { support: 'required' } } }));
        const allowCredentials = [{ id: reg.id, type: 'public-key' }];
        for (const largeBlob of [{ read: true, write: 'AQID' }, { support: 'preferred' }]) {
          const e = await failure(
            c.get({ challenge: CHALLENGE, rpId: RP_ID, allowCredentials, extensions: { largeBlob } }),
          );
          expect(e).toMatchObject({ code: 'ERR_NOT_SUPPORTED', domName: 'NotSupportedError' });
        }
        const e = await failure(
          c.get({ challenge: CHALLENGE, rpId: RP_ID, extensions: { largeBlob: { write: 'AQID' } } }),
        );
        expect(e).toMatchObject({ domName: 'NotSupportedError' });
        expect(e.message).toMatch(/exactly one/);
        expect(
          await failure(c.create(creation({ ...rk, extensions: { largeBlob: { read: true } } }))),
        ).toMatchObject({ domName: 'NotSupportedError' });
      });
    });

    describe('CTAP1/U2F fallback (CTAP 2.1 §10.3)', () => {
      it('a U2F-only key: create gives fido-u2f attestation with the zero AAGUID; get signs with the counter', async () => {
        const d = await key({ u2f: 'u2f-only', attestation: 'fido-u2f' });
        const c = client(d, { onPinRequired: () => PIN });
        const reg = await c.create(creation({ attestation: 'direct', extensions: { credProps: true } }));
        expect(reg.clientExtensionResults).toEqual({ credProps: { rk: false } });
        expect(reg.response.publicKeyAlgorithm).toBe(-7);
        const got = await c.get({
          challenge: CHALLENGE,
          rpId: RP_ID,
          allowCredentials: [
            { id: base64url.encode(new Uint8Array(40).fill(7)), type: 'public-key' },
            { id: reg.id, type: 'public-key' },
          ],
        });
        expect(got.id).toBe(reg.id);
        const authData = base64url.decode(got.response.authenticatorData);
        expect(authData.length).toBe(37);
        expect(authData.subarray(0, 32)).toEqual(sha256(utf8Encode(RP_ID)));
        expect(authData[32]).toBe(0x01);
        expect(new DataView(authData.buffer, authData.byteOffset).getUint32(33)).toBeGreaterThan(0);
        expect(got.response.userHandle).toBeUndefined();
      });
      it('what U2F cannot do fails as a browser does: rk (ConstraintError), UV (NotAllowedError), EdDSA only (NotSupportedError)', async () => {
        const d = await key({ u2f: 'u2f-only' });
        const c = client(d);
        expect(
          await failure(c.create(creation({ authenticatorSelection: { residentKey: 'required' } }))),
        ).toMatchObject({ domName: 'ConstraintError' });
        expect(
          await failure(c.create(creation({ authenticatorSelection: { userVerification: 'required' } }))),
        ).toMatchObject({ code: 'ERR_UV_REQUIRED', domName: 'NotAllowedError' });
        expect(
          await failure(c.create(creation({ pubKeyCredParams: [{ type: 'public-key', alg: -8 }] }))),
        ).toMatchObject({ code: 'ERR_NOT_SUPPORTED', domName: 'NotSupportedError' });
        const reg = await c.create(creation());
        expect(
          await failure(
            c.get({
              challenge: CHALLENGE,
              rpId: RP_ID,
              userVerification: 'required',
              allowCredentials: [{ id: reg.id, type: 'public-key' }],
            }),
          ),
        ).toMatchObject({ code: 'ERR_UV_REQUIRED', domName: 'NotAllowedError' });
        // residentKey preferred on a U2F key is a server-side credential
        const pref = await c.create(
          creation({ authenticatorSelection: { residentKey: 'preferred' }, extensions: { credProps: true } }),
        );
        expect(pref.clientExtensionResults.credProps).toEqual({ rk: false });
      });
      it('excludeCredentials on a U2F key: InvalidStateError after a touch; unknown credentials: NotAllowedError', async () => {
        const d = await key({ u2f: 'u2f-only' });
        const c = client(d);
        const reg = await c.create(creation());
        expect(
          await failure(c.create(creation({ excludeCredentials: [{ id: reg.id, type: 'public-key' }] }))),
        ).toMatchObject({ code: 'ERR_INVALID_STATE', domName: 'InvalidStateError' });
        const e = await failure(
          c.get({
            challenge: CHALLENGE,
            rpId: RP_ID,
            allowCredentials: [{ id: base64url.encode(new Uint8Array(64).fill(1)), type: 'public-key' }],
          }),
        );
        expect(e).toMatchObject({ code: 'ERR_NOT_ALLOWED', domName: 'NotAllowedError' });
        expect(await failure(c.get({ challenge: CHALLENGE, rpId: RP_ID }))).toMatchObject({
          domName: 'NotAllowedError',
        });
      });
      it('largeBlob on a U2F key: supported false, written false, required NotSupportedError', async () => {
        const d = await key({ u2f: 'u2f-only' });
        const c = client(d);
        await expectNoLargeBlob(c);
      });
      for (const mode of ['u2f-only', 'dual'] as const) {
        it(`appid (WebAuthn §10.1.1) on a ${mode} key: a U2F registration under the AppID signs in, appid: true`, async () => {
          const d = await key({ u2f: mode, attestation: 'fido-u2f' });
          const u2f = new Ctap1(d.device);
          const app = sha256(utf8Encode(APPID));
          const legacy = await u2f.register(sha256(utf8Encode('legacy client data')), app);
          const c = client(d);
          const allowCredentials = [{ id: base64url.encode(legacy.keyHandle), type: 'public-key' }];
          const got = await c.get({
            challenge: CHALLENGE,
            rpId: RP_ID,
            userVerification: 'discouraged',
            allowCredentials,
            extensions: { appid: APPID },
          });
          expect(got.clientExtensionResults).toEqual({ appid: true });
          const authData = base64url.decode(got.response.authenticatorData);
          expect(authData.subarray(0, 32)).toEqual(app);
          const ok = await verifySignature({
            publicKey: u2fPublicKeyToCose(legacy.publicKey),
            data: new Uint8Array([...authData, ...sha256(base64url.decode(got.response.clientDataJSON))]),
            signature: base64url.decode(got.response.signature),
          });
          expect(ok).toBe(true);
          // without the extension the RP ID alone finds nothing
          expect(
            await failure(
              c.get({ challenge: CHALLENGE, rpId: RP_ID, userVerification: 'discouraged', allowCredentials }),
            ),
          ).toMatchObject({ domName: 'NotAllowedError' });
          // a credential of the RP ID itself: appid given but not used
          const reg = await c.create(
            creation({ authenticatorSelection: { userVerification: 'discouraged' } }),
          );
          const own = await c.get({
            challenge: CHALLENGE,
            rpId: RP_ID,
            userVerification: 'discouraged',
            allowCredentials: [{ id: reg.id, type: 'public-key' }],
            extensions: { appid: APPID },
          });
          expect(own.clientExtensionResults).toEqual({ appid: false });
        });
      }
      it('an AppID of another site is SecurityError', async () => {
        const d = await key({ u2f: 'dual' });
        for (const appid of [
          'https://evil.example/appid.json',
          'http://example.com/appid.json',
          'not a url',
        ]) {
          expect(
            await failure(
              client(d).get({
                challenge: CHALLENGE,
                rpId: RP_ID,
                allowCredentials: [{ id: 'AAAA', type: 'public-key' }],
                extensions: { appid },
              }),
            ),
          ).toMatchObject({ code: 'ERR_SECURITY', domName: 'SecurityError' });
        }
      });
    });

    describe('enterprise attestation (CTAP 2.1 §7.1, §6.1.2 step 9)', () => {
      async function enterpriseKey(enable: boolean) {
        const d = await key({ enterpriseAttestation: true });
        if (enable) {
          const { AuthenticatorConfig } = await import('@fido2kit/ctap2');
          const ctap = await Ctap2.open(d.device);
          await (await AuthenticatorConfig.open(ctap)).enableEnterpriseAttestation();
        }
        return d;
      }
      /** makeCredential parameters without enterpriseAttestation. */
      const EP_PARAMS: MakeCredentialParams = {
        clientDataHash: sha256(utf8Encode('ep')),
        rp: { id: RP_ID },
        user: { id: utf8Encode('u') },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      };
      it("'enterprise' for a listed RP ID on a key with ep on: epAtt, packed with the key's certificate", async () => {
        const d = await enterpriseKey(true);
        const c = client(d, { enterpriseRpIds: [RP_ID] });
        const reg = await c.create(creation({ attestation: 'enterprise' }));
        const { parseAttestationObject } = await import('@fido2kit/cose');
        const att = parseAttestationObject(base64url.decode(reg.response.attestationObject));
        expect(att.fmt).toBe('packed');
        expect((att.attStmt.get('x5c') as Uint8Array[])[0]).toEqual(d.authenticator.attestationCertificate);
        const ctap = await Ctap2.open(d.device);
        const made = await ctap.makeCredential({ ...EP_PARAMS, enterpriseAttestation: 2 });
        expect(made.epAtt).toBe(true);
        expect(made.fmt).toBe('packed');
        expect(made.authenticatorData.attestedCredentialData?.aaguidString).toBe(d.authenticator.aaguid);
      });
      it("'enterprise' for an unlisted RP ID is treated as 'direct' (no enterpriseAttestation sent)", async () => {
        const d = await enterpriseKey(true);
        const reg = await client(d).create(creation({ attestation: 'enterprise' }));
        const { parseAttestationObject } = await import('@fido2kit/cose');
        // the key is configured for 'none' attestation: without enterprise attestation, none
        expect(parseAttestationObject(base64url.decode(reg.response.attestationObject)).fmt).toBe('none');
        // listed, but the key has ep off: nothing is sent (the key would refuse it), so 'direct'
        const off = await enterpriseKey(false);
        const plain = await client(off, { enterpriseRpIds: [RP_ID] }).create(
          creation({ attestation: 'enterprise' }),
        );
        expect(parseAttestationObject(base64url.decode(plain.response.attestationObject)).fmt).toBe('none');
      });
      it('the key refuses enterpriseAttestation while ep is off (CTAP1_ERR_INVALID_PARAMETER) and a value other than 1 or 2 (CTAP2_ERR_INVALID_OPTION)', async () => {
        const d = await enterpriseKey(false);
        const ctap = await Ctap2.open(d.device, { checkRequests: false });
        const params = EP_PARAMS;
        expect(await failure(ctap.makeCredential({ ...params, enterpriseAttestation: 2 }))).toMatchObject({
          code: 'CTAP1_ERR_INVALID_PARAMETER',
        });
        const on = await enterpriseKey(true);
        const raw = await Ctap2.open(on.device, { checkRequests: false });
        expect(await failure(raw.makeCredential({ ...params, enterpriseAttestation: 3 }))).toMatchObject({
          code: 'CTAP2_ERR_INVALID_OPTION',
        });
        // vendor-facilitated (1) for an RP ID the key does not list: ordinary attestation, no epAtt
        const vendor = await raw.makeCredential({ ...params, enterpriseAttestation: 1 });
        expect(vendor.epAtt).toBeUndefined();
        expect(vendor.fmt).toBe('none');
        // a key that cannot do enterprise attestation at all
        const plain = await key();
        const p = await Ctap2.open(plain.device, { checkRequests: false });
        expect(await failure(p.makeCredential({ ...params, enterpriseAttestation: 2 }))).toMatchObject({
          code: 'CTAP1_ERR_INVALID_PARAMETER',
        });
      });
      it('vendor-facilitated (1) for an RP ID on the key’s list: epAtt', async () => {
        const d = await key({ enterpriseAttestation: true, enterpriseAttestationRpIds: [RP_ID] });
        const { AuthenticatorConfig } = await import('@fido2kit/ctap2');
        const ctap = await Ctap2.open(d.device);
        await (await AuthenticatorConfig.open(ctap)).enableEnterpriseAttestation();
        const made = await ctap.makeCredential({ ...EP_PARAMS, enterpriseAttestation: 1 });
        expect(made.epAtt).toBe(true);
        expect(made.fmt).toBe('packed');
      });
    });
  });
}
