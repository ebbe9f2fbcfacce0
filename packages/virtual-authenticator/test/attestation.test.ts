import {
  base64url,
  concatBytes,
  parseAuthenticatorData,
  sha256,
  spkiToCoseKey,
  verifySignature,
} from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { ID_FIDO_GEN_CE_AAGUID, VirtualAuthenticator } from '../src/index.js';
import { CDH, mcParams, seededRandom, send } from './helpers.js';

function parseCert(der: Uint8Array) {
  return pkijs.Certificate.fromBER(der.slice().buffer as ArrayBuffer);
}

function spki(cert: pkijs.Certificate): Uint8Array {
  return new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
}

describe('packed full attestation', () => {
  it('signs authData ‖ clientDataHash with a leaf meeting WebAuthn §8.2.1', async () => {
    const a = new VirtualAuthenticator();
    const r = await send(a.device(), 0x01, mcParams());
    expect(r.name).toBe('CTAP2_OK');
    expect(r.body!.get(1)).toBe('packed');
    const authData = r.body!.get(2) as Uint8Array;
    const attStmt = r.body!.get(3) as Map<string, unknown>;
    expect(attStmt.get('alg')).toBe(-7);
    const x5c = attStmt.get('x5c') as Uint8Array[];
    expect(x5c).toHaveLength(1);
    const leaf = parseCert(x5c[0]!);
    const key = spkiToCoseKey(spki(leaf), { alg: -7 });
    expect(
      await verifySignature({
        publicKey: key,
        data: concatBytes(authData, CDH),
        signature: attStmt.get('sig') as Uint8Array,
      }),
    ).toBe(true);
    // §8.2.1
    expect(leaf.version).toBe(2);
    const subject = Object.fromEntries(
      leaf.subject.typesAndValues.map((t) => [t.type, t.value.valueBlock.value as string]),
    );
    expect(subject['2.5.4.6']).toBe('US');
    expect(subject['2.5.4.10']).toBe('fido2kit');
    expect(subject['2.5.4.11']).toBe('Authenticator Attestation');
    expect(subject['2.5.4.3']).toBeTruthy();
    const bc = leaf.extensions!.find((e) => e.extnID === '2.5.29.19')!;
    expect((bc.parsedValue as pkijs.BasicConstraints).cA).toBe(false);
    const ext = leaf.extensions!.find((e) => e.extnID === ID_FIDO_GEN_CE_AAGUID)!;
    expect(ext.critical).toBe(false);
    const inner = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView.slice().buffer as ArrayBuffer);
    const aaguid = new Uint8Array((inner.result as asn1js.OctetString).valueBlock.valueHexView);
    const parsed = parseAuthenticatorData(authData);
    expect(aaguid).toEqual(parsed.attestedCredentialData!.aaguid);
    // the CA signed the leaf
    const ca = parseCert(a.attestationCaCertificate);
    expect(
      (ca.extensions!.find((e) => e.extnID === '2.5.29.19')!.parsedValue as pkijs.BasicConstraints).cA,
    ).toBe(true);
    expect(
      await verifySignature({
        publicKey: spkiToCoseKey(spki(ca), { alg: -7 }),
        data: new Uint8Array(leaf.tbsView),
        signature: new Uint8Array(leaf.signatureValue.valueBlock.valueHexView),
      }),
    ).toBe(true);
    expect(leaf.issuer.isEqual(ca.subject)).toBe(true);
  });

  it('is deterministic for an injected random source', () => {
    const one = new VirtualAuthenticator({ random: seededRandom(7) });
    const two = new VirtualAuthenticator({ random: seededRandom(7) });
    expect(base64url.encode(one.attestationCertificate)).toBe(base64url.encode(two.attestationCertificate));
  });

  it('uses a caller-provided CA', () => {
    const ca = new VirtualAuthenticator({ attestationIdentity: 'per-key' });
    const caCert = ca.attestationCaCertificate;
    const state = ca.exportState();
    const a = new VirtualAuthenticator({
      attestationCa: { privateKey: base64url.decode(state.attestation.caKey!), certificate: caCert },
    });
    expect(a.attestationCaCertificate).toEqual(caCert);
    const leaf = parseCert(a.attestationCertificate);
    expect(leaf.issuer.isEqual(parseCert(caCert).subject)).toBe(true);
  });
});

describe('self and fido-u2f attestation', () => {
  it('self attestation signs with the credential key', async () => {
    const a = new VirtualAuthenticator({ attestation: 'self' });
    const r = await send(a.device(), 0x01, mcParams({ algs: [-8] }));
    expect(r.body!.get(1)).toBe('packed');
    const authData = r.body!.get(2) as Uint8Array;
    const attStmt = r.body!.get(3) as Map<string, unknown>;
    expect(attStmt.get('alg')).toBe(-8);
    expect(attStmt.has('x5c')).toBe(false);
    const cred = parseAuthenticatorData(authData).attestedCredentialData!;
    expect(
      await verifySignature({
        publicKey: cred.credentialPublicKey,
        data: concatBytes(authData, CDH),
        signature: attStmt.get('sig') as Uint8Array,
      }),
    ).toBe(true);
  });

  it('fido-u2f signs 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKey', async () => {
    const a = new VirtualAuthenticator({ attestation: 'fido-u2f' });
    expect((await send(a.device(), 0x01, mcParams({ algs: [-8] }))).name).toBe(
      'CTAP2_ERR_UNSUPPORTED_ALGORITHM',
    );
    const r = await send(a.device(), 0x01, mcParams({ algs: [-8, -7] }));
    expect(r.body!.get(1)).toBe('fido-u2f');
    const authData = parseAuthenticatorData(r.body!.get(2) as Uint8Array);
    const cred = authData.attestedCredentialData!;
    expect(cred.aaguid).toEqual(new Uint8Array(16));
    const attStmt = r.body!.get(3) as Map<string, unknown>;
    const leaf = parseCert((attStmt.get('x5c') as Uint8Array[])[0]!);
    expect(leaf.extensions!.some((e) => e.extnID === ID_FIDO_GEN_CE_AAGUID)).toBe(false);
    const pub = spkiToCoseKey(spki(leaf), { alg: -7 });
    const credKey = cred.credentialPublicKey;
    const decoded = (await import('@fido2kit/cose')).decodeCoseKey(credKey);
    if (decoded.kty !== 'EC2') throw new Error('expected EC2');
    const data = concatBytes(
      Uint8Array.of(0),
      sha256(new TextEncoder().encode('example.com')),
      CDH,
      cred.credentialId,
      Uint8Array.of(4),
      decoded.x,
      decoded.y,
    );
    expect(await verifySignature({ publicKey: pub, data, signature: attStmt.get('sig') as Uint8Array })).toBe(
      true,
    );
  });
});
