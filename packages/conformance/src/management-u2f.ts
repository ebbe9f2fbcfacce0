/** The key-management suite's Ctap1 (U2F raw messages) tests. */
import { createPublicKey, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { type CborValue, concatBytes, verifySignature } from '@fido2kit/cose';
import { Ctap1, Ctap2 } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { hash, rejectsWith } from './harness.js';
import type { ManagementSuiteContext } from './management-context.js';

function spki(cert: Uint8Array) {
  return new X509Certificate(cert).publicKey;
}

function uncompressedToKey(point: Uint8Array) {
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(point.subarray(33, 65)).toString('base64url'),
    },
    format: 'jwk',
  });
}

/** The key-management suite's Ctap1 (U2F raw messages) tests. */
export function defineCtap1Tests({ device, key }: ManagementSuiteContext): void {
  describe('Ctap1 (U2F raw messages)', () => {
    const app = hash('https://example.com');
    const challenge = hash('client data');

    it('a dual key: version, register, check-only, enforce and dont-enforce', async () => {
      const { device, ctap } = await key({ u2f: 'dual' });
      expect(ctap.info.versions).toContain('U2F_V2');
      const u2f = new Ctap1(device);
      expect(await u2f.getVersion()).toBe('U2F_V2');
      const reg = await u2f.register(challenge, app);
      expect(reg.publicKey.length).toBe(65);
      const signed = concatBytes(Uint8Array.of(0), app, challenge, reg.keyHandle, reg.publicKey);
      expect(nodeVerify('sha256', signed, spki(reg.certificate), reg.signature)).toBe(true);
      expect(await u2f.authenticate(challenge, app, reg.keyHandle, { checkOnly: true })).toBe(true);
      expect(
        await u2f.authenticate(challenge, hash('https://other.example'), reg.keyHandle, {
          checkOnly: true,
        }),
      ).toBe(false);
      const s1 = await u2f.authenticate(challenge, app, reg.keyHandle);
      const s2 = await u2f.authenticate(challenge, app, reg.keyHandle, { enforceUserPresence: false });
      expect(s1.userPresence).toBe(1);
      expect(s2.userPresence).toBe(0);
      expect(s2.counter).toBe(s1.counter + 1);
      const c = new Uint8Array(4);
      new DataView(c.buffer).setUint32(0, s1.counter);
      const data = concatBytes(app, Uint8Array.of(1), c, challenge);
      expect(nodeVerify('sha256', data, uncompressedToKey(reg.publicKey), s1.signature)).toBe(true);
      await rejectsWith(
        u2f.authenticate(challenge, hash('https://other.example'), reg.keyHandle),
        'ERR_WRONG_DATA',
      );
    });

    it('a U2F registration signs CTAP2 assertions for the AppID, and a CTAP2 credential answers U2F', async () => {
      const { device, ctap } = await key({ u2f: 'dual' });
      const appId = 'https://example.com/appid.json';
      const u2f = new Ctap1(device);
      const reg = await u2f.register(challenge, hash(appId));
      const cdh = hash('get');
      const got = await ctap.getAssertion({
        rpId: appId,
        clientDataHash: cdh,
        allowList: [{ type: 'public-key', id: reg.keyHandle }],
      });
      const cose = new Map<CborValue, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, reg.publicKey.slice(1, 33)],
        [-3, reg.publicKey.slice(33)],
      ]);
      expect(
        await verifySignature({
          publicKey: cose as never,
          data: concatBytes(got.authData, cdh),
          signature: got.signature,
        }),
      ).toBe(true);
      const made = await ctap.makeCredential({
        clientDataHash: cdh,
        rp: { id: 'example.com' },
        user: { id: Uint8Array.of(1), name: 'u' },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      });
      const id = made.authenticatorData.attestedCredentialData!.credentialId;
      expect(await u2f.authenticate(challenge, hash('example.com'), id, { checkOnly: true })).toBe(true);
    });

    it('no touch: register keeps answering 6985 until the client gives up', async () => {
      const { device } = await key({ u2f: 'dual', presence: 'deny' });
      await rejectsWith(
        new Ctap1(device).register(challenge, app, { timeoutMs: 100, pollIntervalMs: 20 }),
        'ERR_TIMEOUT',
      );
    });

    it('a U2F-only key answers no CTAP2 command; a CTAP2-only key answers no U2F', async () => {
      const only = await device({ u2f: 'u2f-only' });
      await rejectsWith(Ctap2.open(only.device), 'CTAP1_ERR_INVALID_COMMAND');
      expect(await new Ctap1(only.device).getVersion()).toBe('U2F_V2');
      const plain = await key();
      await rejectsWith(new Ctap1(plain.device).getVersion(), 'ERR_INS_NOT_SUPPORTED');
    });
  });
}
