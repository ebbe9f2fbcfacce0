import { createPublicKey, createVerify, X509Certificate } from 'node:crypto';
import { bytesToHex, decode, hexToBytes } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { Ctap2, parseAuthenticatorInfo } from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import recorded from './vectors/recorded.json' with { type: 'json' };

interface Vector {
  name: string;
  device: string;
  command: string;
  response: string;
  clientDataHash?: string;
  expect: Record<string, unknown>;
}
const vectors = recorded.vectors as Vector[];
const infoOf = (v: Vector) => v.response;
const FIDO20_INFO = infoOf(vectors[0] as Vector);

describe('recorded getInfo responses parse into AuthenticatorInfo', () => {
  for (const v of vectors.filter((x) => x.command === 'getInfo')) {
    it(`${v.name} — ${v.device}`, async () => {
      const ctap = await Ctap2.open(new ScriptedDevice(v.response));
      expect(ctap.info).toMatchObject(v.expect);
      // defaults the spec gives
      expect(ctap.info.minPINLength).toBe(4);
      expect(ctap.info.forcePINChange).toBe(false);
    });
  }
  it('keeps members it does not know in `unknown`', () => {
    const v = vectors[1] as Vector;
    const info = parseAuthenticatorInfo(decode(hexToBytes(v.response).subarray(1)));
    expect(info.unknown.get(99)).toBe(1234);
    expect(info.unknown.size).toBe(1);
  });
});

describe('recorded makeCredential responses', () => {
  for (const v of vectors.filter((x) => x.command === 'makeCredential')) {
    it(`${v.name} — ${v.device}`, async () => {
      const dev = new ScriptedDevice(FIDO20_INFO, v.response);
      const ctap = await Ctap2.open(dev);
      const r = await ctap.makeCredential({
        clientDataHash: v.clientDataHash ? hexToBytes(v.clientDataHash) : new Uint8Array(32),
        rp: { id: 'example.com', name: 'Example' },
        user: { id: new TextEncoder().encode('user_id'), name: 'user' },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      });
      const e = v.expect;
      expect(r.fmt).toBe(e.fmt);
      expect([...r.attStmt.keys()].sort()).toEqual(e.attStmtKeys);
      expect(r.authenticatorData.flags.raw).toBe(e.flags);
      expect(r.authenticatorData.signCount).toBe(e.signCount);
      const acd = r.authenticatorData.attestedCredentialData;
      expect(acd?.aaguidString).toBe(e.aaguid);
      if (e.credentialId) expect(bytesToHex(acd?.credentialId as Uint8Array)).toBe(e.credentialId);
      if (e.publicKeyX)
        expect(
          bytesToHex((acd?.publicKey as unknown as { x: Uint8Array } | undefined)?.x as Uint8Array),
        ).toBe(e.publicKeyX);
      // the attestation object we build is the canonical {fmt, attStmt, authData}
      const ao = decode(r.attestationObject) as Map<string, unknown>;
      expect([...ao.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
      if (v.clientDataHash) {
        // an RP that is not ours (OpenSSL through node:crypto) verifies the recorded signature
        const x5c = r.attStmt.get('x5c') as Uint8Array[];
        const cert = new X509Certificate(x5c[0] as Uint8Array);
        const ok = createVerify('sha256')
          .update(Buffer.concat([r.authData, hexToBytes(v.clientDataHash)]))
          .verify(
            createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' })),
            r.attStmt.get('sig') as Uint8Array,
          );
        expect(ok).toBe(true);
      }
    });
  }
});

describe('recorded getAssertion responses', () => {
  for (const v of vectors.filter((x) => x.command === 'getAssertion')) {
    it(`${v.name} — ${v.device}`, async () => {
      const ctap = await Ctap2.open(new ScriptedDevice(FIDO20_INFO, v.response));
      const r = await ctap.getAssertion({ rpId: 'example.com', clientDataHash: new Uint8Array(32) });
      const e = v.expect;
      expect(r.authenticatorData.flags.raw).toBe(e.flags);
      expect(r.authenticatorData.signCount).toBe(e.signCount);
      expect(bytesToHex(r.credential.id)).toBe(e.credentialId);
      expect(r.credential.type).toBe('public-key');
      if (e.signature) expect(bytesToHex(r.signature)).toBe(e.signature);
      if (e.rpIdHash) expect(bytesToHex(r.authenticatorData.rpIdHash)).toBe(e.rpIdHash);
      if ('user' in e) expect(r.user).toBeUndefined();
      if ('numberOfCredentials' in e) expect(r.numberOfCredentials).toBeUndefined();
    });
  }
});
