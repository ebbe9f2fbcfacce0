/**
 * The virtual key model's attestation identity (issue 19): which keys attest with the shipped
 * batch chain, which keep a CA of their own, and how states saved before the model come back.
 * test/vectors/state-before-model.json was written by this package at commit 795ad3f (see
 * test/vectors/gen/gen-state-before-model.ts). That such keys verify through @fido2kit/rp against
 * the shipped statement is tested in packages/rp/test/virtual-key-model.test.ts.
 */
import { readFileSync } from 'node:fs';
import { base64url } from '@fido2kit/cose';
import { p256 } from '@noble/curves/nist.js';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AAGUID, issueCertificate, VirtualAuthenticator, virtualKeyModel } from '../src/index.js';

const OLD_STATE = JSON.parse(
  readFileSync(new URL('vectors/state-before-model.json', import.meta.url), 'utf8'),
);
const OTHER_AAGUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function cert(der: Uint8Array) {
  return pkijs.Certificate.fromBER(der.slice().buffer as ArrayBuffer);
}
function cn(der: Uint8Array): string {
  const c = cert(der).subject.typesAndValues.find((t) => t.type === '2.5.4.3');
  return c?.value.valueBlock.value as string;
}

describe('virtualKeyModel', () => {
  it('describes the default AAGUID with the shipped root, as PEM, DER and in the statement', () => {
    expect(virtualKeyModel.aaguid).toBe(DEFAULT_AAGUID);
    expect(virtualKeyModel.description).toBe('fido2kit Virtual Security Key');
    const s = virtualKeyModel.metadataStatement;
    expect(s.aaguid).toBe(DEFAULT_AAGUID);
    expect(s.description).toBe(virtualKeyModel.description);
    expect(s.protocolFamily).toBe('fido2');
    expect(s.schema).toBe(3);
    expect(s.attestationTypes).toEqual(['basic_full']);
    const der = virtualKeyModel.rootCertificate;
    expect(s.attestationRootCertificates).toEqual([btoa(String.fromCharCode(...der))]);
    const pemBody = virtualKeyModel.rootCertificatePem
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, '');
    expect(pemBody).toBe(s.attestationRootCertificates[0]);
    expect(cn(der)).toBe('fido2kit Virtual Security Key Root CA');
    // a fresh copy each time: the shipped root cannot be changed through the export
    der[0] = 0;
    expect(virtualKeyModel.rootCertificate[0]).toBe(0x30);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.authenticatorGetInfo)).toBe(true);
  });

  it("the statement's authenticatorGetInfo is what a default key answers (less the live counts)", () => {
    const info = new VirtualAuthenticator().getInfo();
    const { remainingDiscoverableCredentials: _, forcePINChange: __, ...stable } = info;
    expect(virtualKeyModel.metadataStatement.authenticatorGetInfo).toEqual({
      ...stable,
      aaguid: info.aaguid.replace(/-/g, ''),
    });
  });
});

describe('attestation identity', () => {
  it('every new key of the model attests with the same batch certificate under the shipped root', () => {
    const one = new VirtualAuthenticator();
    const two = new VirtualAuthenticator({ pin: '1234', fingerprints: 1 });
    expect(one.attestationCertificate).toEqual(two.attestationCertificate);
    expect(one.attestationCaCertificate).toEqual(virtualKeyModel.rootCertificate);
    expect(cn(one.attestationCertificate)).toBe('fido2kit Virtual Security Key Batch 1');
    expect(
      cert(one.attestationCertificate).issuer.isEqual(cert(virtualKeyModel.rootCertificate).subject),
    ).toBe(true);
    // nothing of the model is copied into a key's saved state
    expect(one.exportState().attestation).toEqual({});
    expect(one.exportState().config.attestationIdentity).toBe('model');
  });

  it("'per-key' keys make a CA of their own, kept across export and import", () => {
    const a = new VirtualAuthenticator({ attestationIdentity: 'per-key' });
    const b = new VirtualAuthenticator({ attestationIdentity: 'per-key' });
    expect(a.attestationCaCertificate).not.toEqual(b.attestationCaCertificate);
    expect(a.attestationCaCertificate).not.toEqual(virtualKeyModel.rootCertificate);
    const again = VirtualAuthenticator.fromState(JSON.parse(JSON.stringify(a.exportState())));
    expect(again.attestationCaCertificate).toEqual(a.attestationCaCertificate);
    expect(again.attestationCertificate).toEqual(a.attestationCertificate);
  });

  it('another AAGUID or a caller CA means per-key by default; asking for the model then is refused', () => {
    expect(new VirtualAuthenticator({ aaguid: OTHER_AAGUID }).attestationCaCertificate).not.toEqual(
      virtualKeyModel.rootCertificate,
    );
    expect(() => new VirtualAuthenticator({ aaguid: OTHER_AAGUID, attestationIdentity: 'model' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    const ca = new VirtualAuthenticator({ attestationIdentity: 'per-key' });
    const attestationCa = {
      privateKey: base64url.decode(ca.exportState().attestation.caKey as string),
      certificate: ca.attestationCaCertificate,
    };
    expect(new VirtualAuthenticator({ attestationCa }).attestationCaCertificate).toEqual(
      attestationCa.certificate,
    );
    expect(() => new VirtualAuthenticator({ attestationCa, attestationIdentity: 'model' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => new VirtualAuthenticator({ attestationIdentity: 'vendor' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('a state saved before the model comes back as a key of the model, its own chain dropped', () => {
    expect(OLD_STATE.config.attestationIdentity).toBeUndefined();
    expect(OLD_STATE.attestation.caCert).toBeTypeOf('string');
    const restored = VirtualAuthenticator.fromState(structuredClone(OLD_STATE));
    expect(restored.attestationCaCertificate).toEqual(virtualKeyModel.rootCertificate);
    expect(restored.attestationCertificate).toEqual(new VirtualAuthenticator().attestationCertificate);
    expect(restored.credentials).toHaveLength(1);
    const saved = restored.exportState();
    expect(saved.attestation).toEqual({});
    expect(saved.config.attestationIdentity).toBe('model');
  });

  it("an old state with a caller's CA, or another AAGUID, keeps its own chain", () => {
    const caKey = p256.utils.randomSecretKey();
    const caPub = p256.getPublicKey(caKey, false);
    const certificate = issueCertificate({
      subject: [
        ['C', 'SE'],
        ['O', 'Example Vendor'],
        ['CN', 'Example Vendor Attestation Root'],
      ],
      publicKey: caPub,
      signingKey: caKey,
      issuerPublicKey: caPub,
      ca: true,
      serial: new Uint8Array(16).fill(7),
    });
    const given = new VirtualAuthenticator({ attestationCa: { privateKey: caKey, certificate } });
    const other = new VirtualAuthenticator({ aaguid: OTHER_AAGUID });
    for (const key of [given, other]) {
      const state = structuredClone(key.exportState()) as { config: Record<string, unknown> };
      delete state.config.attestationIdentity;
      const restored = VirtualAuthenticator.fromState(state as never);
      expect(restored.attestationCaCertificate).toEqual(key.attestationCaCertificate);
    }
    const state = structuredClone(other.exportState()) as { config: Record<string, unknown> };
    state.config.attestationIdentity = 'model';
    expect(() => VirtualAuthenticator.fromState(state as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
