/** The ctap2 suite's authenticatorGetInfo, makeCredential and getAssertion tests. */
import { concatBytes, utf8Encode, verifySignature } from '@fido2kit/cose';
import { Ctap2 } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import type { Ctap2SuiteContext } from './ctap2-context.js';
import { hash, mcParams, RP, rejectsWith } from './harness.js';

/** The ctap2 suite's authenticatorGetInfo, makeCredential and getAssertion tests. */
export function defineCtap2CredentialTests({ key }: Ctap2SuiteContext): void {
  describe('authenticatorGetInfo', () => {
    it('a fresh key: CTAP 2.1, no PIN, packed attestation key, protocols 2 and 1', async () => {
      const { ctap, authenticator } = await key();
      expect(ctap.info.versions).toContain('FIDO_2_1');
      expect(ctap.info.aaguid).toBe(authenticator.aaguid);
      expect(ctap.info.options.clientPin).toBe(false);
      expect(ctap.info.options.rk).toBe(true);
      expect(ctap.info.options.uv).toBeUndefined();
      expect(ctap.info.pinUvAuthProtocols).toEqual([2, 1]);
      expect(ctap.info.maxCredentialCountInList).toBeGreaterThan(0);
      expect(ctap.info.algorithms?.map((a) => a.alg)).toContain(-7);
    });
    it('a key with a PIN and fingerprints reports clientPin and uv', async () => {
      const { ctap } = await key({ pin: '1234', fingerprints: 1 });
      expect(ctap.info.options.clientPin).toBe(true);
      expect(ctap.info.options.uv).toBe(true);
      expect(ctap.info.options.pinUvAuthToken).toBe(true);
    });
  });

  describe('authenticatorMakeCredential and authenticatorGetAssertion', () => {
    it('round trip: the assertion signature verifies with the credential key', async () => {
      const { ctap } = await key();
      const ups: string[] = [];
      const made = await ctap.makeCredential(mcParams(), { onKeepalive: (s) => ups.push(s) });
      expect(made.fmt).toBe('packed');
      const acd = made.authenticatorData.attestedCredentialData;
      expect(acd?.aaguidString).toBe(ctap.info.aaguid);
      expect(made.authenticatorData.flags.up).toBe(true);
      const cdh = hash('get');
      const got = await ctap.getAssertion({
        rpId: RP.id,
        clientDataHash: cdh,
        allowList: [{ type: 'public-key', id: acd?.credentialId as Uint8Array }],
      });
      expect(got.credential.id).toEqual(acd?.credentialId);
      expect(got.authenticatorData.rpIdHash).toEqual(hash(RP.id));
      expect(got.authenticatorData.signCount).toBeGreaterThan(made.authenticatorData.signCount - 1);
      const ok = await verifySignature({
        publicKey: acd?.publicKey as never,
        data: concatBytes(got.authData, cdh),
        signature: got.signature,
      });
      expect(ok).toBe(true);
    });
    it('reports user presence through onKeepalive while waiting for a touch', async () => {
      const { ctap, authenticator } = await key();
      let release: (v: boolean) => void = () => {};
      authenticator.presence = () =>
        new Promise<boolean>((r) => {
          release = r;
        });
      const seen: string[] = [];
      const p = ctap.makeCredential(mcParams(), {
        onKeepalive: (s) => {
          seen.push(s);
          release(true);
        },
      });
      await p;
      expect(seen).toContain('user-presence-needed');
    });
    it('several accounts on one key: numberOfCredentials and getNextAssertion', async () => {
      const { ctap } = await key();
      for (const n of ['alice', 'bob', 'carol']) {
        await ctap.makeCredential(
          mcParams({ user: { id: utf8Encode(`${n}-id`), name: n }, options: { rk: true } }),
        );
      }
      const first = await ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('x') });
      expect(first.numberOfCredentials).toBe(3);
      // without UV the key returns user IDs only (CTAP 2.1 §6.2.2: no identifying information)
      expect(first.user?.name).toBeUndefined();
      const ids = [first.user?.id];
      ids.push((await ctap.getNextAssertion()).user?.id);
      ids.push((await ctap.getNextAssertion()).user?.id);
      expect(ids.map((id) => new TextDecoder().decode(id)).sort()).toEqual([
        'alice-id',
        'bob-id',
        'carol-id',
      ]);
      await rejectsWith(ctap.getNextAssertion(), 'CTAP2_ERR_NOT_ALLOWED');
    });
    it('excluded credential: CTAP2_ERR_CREDENTIAL_EXCLUDED', async () => {
      const { ctap } = await key();
      const made = await ctap.makeCredential(mcParams());
      const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
      await rejectsWith(
        ctap.makeCredential(mcParams({ excludeList: [{ type: 'public-key', id }] })),
        'CTAP2_ERR_CREDENTIAL_EXCLUDED',
      );
    });
    it('excluded credential found by batch probing past maxCredentialCountInList', async () => {
      const { ctap } = await key({ maxCredentialCountInList: 2 });
      const made = await ctap.makeCredential(mcParams());
      const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
      const decoys = Array.from({ length: 5 }, (_, i) => ({
        type: 'public-key',
        id: new Uint8Array(40).fill(i),
      }));
      await rejectsWith(
        ctap.makeCredential(mcParams({ excludeList: [...decoys, { type: 'public-key', id }] })),
        'CTAP2_ERR_CREDENTIAL_EXCLUDED',
      );
      const got = await ctap.getAssertion({
        rpId: RP.id,
        clientDataHash: hash('g'),
        allowList: [...decoys, { type: 'public-key', id }],
      });
      expect(got.credential.id).toEqual(id);
    });
    it('no credentials: CTAP2_ERR_NO_CREDENTIALS', async () => {
      const { ctap } = await key();
      await rejectsWith(
        ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('g') }),
        'CTAP2_ERR_NO_CREDENTIALS',
      );
      await rejectsWith(
        ctap.getAssertion({
          rpId: RP.id,
          clientDataHash: hash('g'),
          allowList: [{ type: 'public-key', id: new Uint8Array(48).fill(1) }],
        }),
        'CTAP2_ERR_NO_CREDENTIALS',
      );
    });
    it('unsupported algorithm: refused by the client, CTAP2_ERR_UNSUPPORTED_ALGORITHM from the key', async () => {
      const { ctap, device } = await key({ algorithms: [-7] });
      const params = mcParams({ pubKeyCredParams: [{ type: 'public-key', alg: -257 }] });
      await rejectsWith(ctap.makeCredential(params), 'ERR_NOT_SUPPORTED');
      const raw = await Ctap2.open(device, { checkRequests: false });
      await rejectsWith(raw.makeCredential(params), 'CTAP2_ERR_UNSUPPORTED_ALGORITHM');
    });
    it('unsupported and invalid options: refused by the client, and the key’s own answers', async () => {
      const { ctap, device } = await key();
      await rejectsWith(ctap.makeCredential(mcParams({ options: { uv: true } })), 'ERR_NOT_SUPPORTED');
      await rejectsWith(
        ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('g'), options: { rk: true } }),
        'ERR_NOT_SUPPORTED',
      );
      const raw = await Ctap2.open(device, { checkRequests: false });
      await rejectsWith(raw.makeCredential(mcParams({ options: { uv: true } })), 'CTAP2_ERR_INVALID_OPTION');
      await rejectsWith(
        raw.getAssertion({ rpId: RP.id, clientDataHash: hash('g'), options: { rk: true } }),
        'CTAP2_ERR_UNSUPPORTED_OPTION',
      );
    });
    it('denied presence: CTAP2_ERR_OPERATION_DENIED', async () => {
      const { ctap } = await key({ presence: 'deny' });
      await rejectsWith(ctap.makeCredential(mcParams()), 'CTAP2_ERR_OPERATION_DENIED');
    });
    it('cancelled by an AbortSignal while waiting for a touch: ERR_ABORTED', async () => {
      const { ctap } = await key({ presence: 'timeout' });
      const ctl = new AbortController();
      const p = ctap.makeCredential(mcParams(), {
        signal: ctl.signal,
        onKeepalive: () => setTimeout(() => ctl.abort(), 5),
      });
      await rejectsWith(p, 'ERR_ABORTED');
    });
    it('raw send: unknown command is CTAP1_ERR_INVALID_COMMAND', async () => {
      const { ctap } = await key();
      await rejectsWith(ctap.send(0x3f), 'CTAP1_ERR_INVALID_COMMAND');
    });
  });
}
