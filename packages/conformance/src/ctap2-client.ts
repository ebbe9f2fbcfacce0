/** The ctap2 suite's extension tests and the WebAuthnClient over the same device. */
import { Ctap2, WebAuthnClient } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import type { Ctap2SuiteContext } from './ctap2-context.js';
import { hash, mcParams, RP, rejectsWith } from './harness.js';

/** The ctap2 suite's extension tests and the WebAuthnClient over the same device. */
export function defineCtap2ClientTests({ key, token, auth }: Ctap2SuiteContext): void {
  describe('extensions', () => {
    it('credProtect 3: invisible without UV, visible with a token', async () => {
      const { ctap } = await key({ pin: '1234' });
      const t = await token(ctap, '1234', ['mc']);
      const cdh = hash('cp');
      const made = await ctap.makeCredential(
        mcParams({
          clientDataHash: cdh,
          extensions: { credProtect: 3 },
          options: { rk: true },
          ...auth(t, cdh),
        }),
      );
      expect(made.authenticatorData.extensions?.get('credProtect')).toBe(3);
      const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
      await rejectsWith(
        ctap.getAssertion({ rpId: RP.id, clientDataHash: cdh, allowList: [{ type: 'public-key', id }] }),
        'CTAP2_ERR_NO_CREDENTIALS',
      );
      const g = await token(ctap, '1234', ['ga']);
      const got = await ctap.getAssertion({
        rpId: RP.id,
        clientDataHash: cdh,
        allowList: [{ type: 'public-key', id }],
        ...auth(g, cdh),
      });
      expect(got.authenticatorData.flags.uv).toBe(true);
    });
    it('credBlob, largeBlobKey and minPinLength outputs', async () => {
      const { ctap } = await key({ minPinLengthRpIds: [RP.id] });
      const made = await ctap.makeCredential(
        mcParams({
          extensions: { credBlob: new Uint8Array([1, 2, 3]), largeBlobKey: true, minPinLength: true },
          options: { rk: true },
        }),
      );
      expect(made.authenticatorData.extensions?.get('credBlob')).toBe(true);
      expect(made.authenticatorData.extensions?.get('minPinLength')).toBe(4);
      expect(made.largeBlobKey?.length).toBe(32);
      const got = await ctap.getAssertion({
        rpId: RP.id,
        clientDataHash: hash('b'),
        extensions: { credBlob: true, largeBlobKey: true },
      });
      expect(got.authenticatorData.extensions?.get('credBlob')).toEqual(new Uint8Array([1, 2, 3]));
      expect(got.largeBlobKey).toEqual(made.largeBlobKey);
    });
  });

  describe('WebAuthnClient over this device', () => {
    const origin = 'https://example.com';
    const challenge = 'AAECAwQFBgcICQoLDA0ODw';
    const creation = (extra: Record<string, unknown> = {}) => ({
      rp: { id: RP.id, name: RP.name },
      user: { id: 'dXNlci0x', name: 'alice', displayName: 'Alice' },
      challenge,
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      ...extra,
    });
    it('usernameless sign-in with several accounts asks onSelectAccount', async () => {
      const { device } = await key();
      const accounts: string[][] = [];
      const client = new WebAuthnClient({
        device,
        origin,
        onSelectAccount: (list) => {
          accounts.push(list.map((a) => a.id));
          return list.findIndex((a) => a.id === 'Ym9i');
        },
      });
      for (const [n, id] of [
        ['alice', 'YWxpY2U'],
        ['bob', 'Ym9i'],
      ]) {
        await client.create(
          creation({
            user: { id, name: n, displayName: n },
            authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' },
          }),
        );
      }
      const got = await client.get({ challenge, rpId: RP.id, userVerification: 'discouraged' });
      expect(accounts[0]?.sort()).toEqual(['YWxpY2U', 'Ym9i']);
      expect(got.response.userHandle).toBe('Ym9i');
    });
    it('excluded credential is InvalidStateError; no credentials is NotAllowedError', async () => {
      const { device } = await key();
      const client = new WebAuthnClient({ device, origin });
      const reg = await client.create(creation());
      const e1 = await client
        .create(creation({ excludeCredentials: [{ id: reg.id, type: 'public-key' }] }))
        .catch((e: unknown) => e);
      expect(e1).toMatchObject({
        code: 'ERR_INVALID_STATE',
        domName: 'InvalidStateError',
        ctapCode: 'CTAP2_ERR_CREDENTIAL_EXCLUDED',
      });
      const e2 = await client
        .get({ challenge, rpId: RP.id, allowCredentials: [{ id: 'AAAA', type: 'public-key' }] })
        .catch((e: unknown) => e);
      expect(e2).toMatchObject({ code: 'ERR_NOT_ALLOWED', domName: 'NotAllowedError' });
    });
    it('UV required on a key without a PIN fails clearly', async () => {
      const { device } = await key();
      const client = new WebAuthnClient({ device, origin });
      const e = await client
        .create(creation({ authenticatorSelection: { userVerification: 'required' } }))
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_UV_REQUIRED', domName: 'NotAllowedError' });
      expect((e as Error).message).toMatch(/no PIN set/);
    });
    it('asks onPinRequired again after a wrong PIN, with the retries left', async () => {
      const { device } = await key({ pin: '1234' });
      const asked: { attempt: number; retries?: number }[] = [];
      const client = new WebAuthnClient({
        device,
        origin,
        onPinRequired: (r) => {
          asked.push({ attempt: r.attempt, retries: r.retries });
          return r.attempt === 1 ? '0000' : '1234';
        },
      });
      const reg = await client.create(creation({ authenticatorSelection: { userVerification: 'required' } }));
      expect(reg.type).toBe('public-key');
      expect(asked).toEqual([
        { attempt: 1, retries: 8 },
        { attempt: 2, retries: 7 },
      ]);
    });
    it('uses built-in UV where the key has it, without asking for the PIN', async () => {
      const { device } = await key({ pin: '1234', fingerprints: 1 });
      const client = new WebAuthnClient({
        device,
        origin,
        onPinRequired: () => expect.fail('built-in UV is there: the PIN should not be asked for'),
      });
      const reg = await client.create(creation({ authenticatorSelection: { userVerification: 'required' } }));
      expect(reg.response.authenticatorData).toBeTruthy();
    });
    it('cancelled by signal: AbortError', async () => {
      const { device } = await key({ presence: 'timeout' });
      const ctl = new AbortController();
      const client = new WebAuthnClient({
        device,
        origin,
        onUserPresence: () => setTimeout(() => ctl.abort(), 5),
      });
      const e = await client.create(creation(), { signal: ctl.signal }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_ABORTED', domName: 'AbortError' });
    });
    it('an RP ID that is not the origin’s is SecurityError', async () => {
      const { device } = await key();
      const client = new WebAuthnClient({ device, origin: 'https://evil.example' });
      const e = await client.create(creation()).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ERR_SECURITY', domName: 'SecurityError' });
    });
    it('prf through hmac-secret: stable per input, different across inputs, and hmac-secret-mc at creation', async () => {
      const { device } = await key();
      const client = new WebAuthnClient({ device, origin });
      const reg = await client.create(
        creation({ extensions: { prf: { eval: { first: 'AQID' } }, credProps: true } }),
      );
      const prfCreate = reg.clientExtensionResults.prf as { enabled: boolean; results?: { first: string } };
      expect(prfCreate.enabled).toBe(true);
      expect(reg.clientExtensionResults.credProps).toEqual({ rk: false });
      const get = (first: string) =>
        client.get({
          challenge,
          rpId: RP.id,
          allowCredentials: [{ id: reg.id, type: 'public-key' }],
          extensions: { prf: { eval: { first } } },
        });
      const a = (await get('AQID')).clientExtensionResults.prf as { results: { first: string } };
      const b = (await get('AQID')).clientExtensionResults.prf as { results: { first: string } };
      const c = (await get('BAUG')).clientExtensionResults.prf as { results: { first: string } };
      expect(a.results.first).toBe(b.results.first);
      expect(a.results.first).not.toBe(c.results.first);
      if (prfCreate.results) expect(prfCreate.results.first).toBe(a.results.first);
    });
    it('chooses among several keys by the one touched (authenticatorSelection)', async () => {
      const untouched = await key({ presence: 'timeout' });
      const touched = await key();
      const client = new WebAuthnClient({ devices: [untouched.device, touched.device], origin });
      const reg = await client.create(creation());
      expect(touched.authenticator.credentials.length + reg.id.length).toBeGreaterThan(0);
      const raw = await Ctap2.open(touched.device);
      await raw.getAssertion({
        rpId: RP.id,
        clientDataHash: hash('z'),
        allowList: [{ type: 'public-key', id: (await import('@fido2kit/cose')).base64url.decode(reg.id) }],
      });
    });
  });
}
