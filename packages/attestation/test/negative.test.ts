import { type CborValue, decode, encode, sha256, utf8Encode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { verifyAttestation } from '../src/index.js';
import {
  aaguidExtension,
  createTestAttestation,
  createTestCertificate,
  createTestPki,
  type TestCertificate,
} from '../src/testing.js';
import { b64u, cdh, codeOf, hex, vectors } from './helpers.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const AAGUID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const clientDataHash = sha256(utf8Encode('{"type":"webauthn.create","challenge":"x"}'));
const ATT_SUBJECT = { C: 'US', O: 'fido2kit Tests', OU: 'Authenticator Attestation', CN: 'Test Key' };

async function chain() {
  const pki = await createTestPki({ now: NOW });
  const leaf = await createTestCertificate({
    subject: ATT_SUBJECT,
    issuer: pki.intermediate,
    extensions: [aaguidExtension(AAGUID)],
  });
  return { pki, leaf };
}

async function packed(leaf: TestCertificate, extra: TestCertificate[] = []) {
  return createTestAttestation({
    fmt: 'packed',
    attestationCertificate: leaf,
    chain: extra,
    clientDataHash,
    aaguid: AAGUID,
  });
}

function mutate(
  obj: Uint8Array,
  f: (attStmt: Map<CborValue, CborValue>, m: Map<CborValue, CborValue>) => void,
) {
  const m = decode(obj, { canonical: false }) as Map<CborValue, CborValue>;
  f(m.get('attStmt') as Map<CborValue, CborValue>, m);
  return encode(m);
}

describe('negative cases, each with its code', () => {
  it('AAGUID extension mismatch → ERR_ATTESTATION_AAGUID_MISMATCH', async () => {
    const { pki } = await chain();
    const leaf = await createTestCertificate({
      subject: ATT_SUBJECT,
      issuer: pki.intermediate,
      extensions: [aaguidExtension(new Uint8Array(16).fill(9))],
    });
    const { attestationObject } = await packed(leaf, [pki.intermediate]);
    expect(await codeOf(verifyAttestation({ attestationObject, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_AAGUID_MISMATCH',
    );
  });

  it('a critical AAGUID extension → ERR_ATTESTATION_INVALID', async () => {
    const { pki } = await chain();
    const leaf = await createTestCertificate({
      subject: ATT_SUBJECT,
      issuer: pki.intermediate,
      extensions: [{ ...aaguidExtension(AAGUID), critical: true }],
    });
    const { attestationObject } = await packed(leaf, [pki.intermediate]);
    expect(await codeOf(verifyAttestation({ attestationObject, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('wrong root → untrusted, ERR_ATTESTATION_UNTRUSTED when trust is required', async () => {
    const { pki, leaf } = await chain();
    const other = await createTestPki({ now: NOW, name: 'Other' });
    const { attestationObject } = await packed(leaf, [pki.intermediate]);
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now: NOW,
      trustAnchors: [other.root.pem],
    });
    expect(r.trusted).toBe(false);
    expect(
      await codeOf(
        verifyAttestation({
          attestationObject,
          clientDataHash,
          now: NOW,
          trustAnchors: [other.root.pem],
          requireTrusted: true,
        }),
      ),
    ).toBe('ERR_ATTESTATION_UNTRUSTED');
    const ok = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now: NOW,
      trustAnchors: [pki.root.der],
    });
    expect(ok.trusted).toBe(true);
    expect(ok.trustPath).toHaveLength(3);
    expect(ok.type).toBe('basic');
  });

  it('a self-signed root in x5c is validated through but never an anchor: trusted false, no error', async () => {
    const { pki, leaf } = await chain();
    const { attestationObject } = await packed(leaf, [pki.intermediate, pki.root]);
    const untrusted = await verifyAttestation({ attestationObject, clientDataHash, now: NOW });
    expect(untrusted.trusted).toBe(false);
    expect(untrusted.trustPath).toEqual([leaf.der, pki.intermediate.der, pki.root.der]);
    // an unrelated anchor does not make the carried root one either
    const other = await createTestPki({ now: NOW, name: 'Other' });
    expect(
      (
        await verifyAttestation({
          attestationObject,
          clientDataHash,
          now: NOW,
          trustAnchors: [other.root.der],
        })
      ).trusted,
    ).toBe(false);
    // requireTrusted refuses it
    expect(
      await codeOf(verifyAttestation({ attestationObject, clientDataHash, now: NOW, requireTrusted: true })),
    ).toBe('ERR_ATTESTATION_UNTRUSTED');
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now: NOW,
      trustAnchors: [pki.root.pem],
    });
    expect(r.trusted).toBe(true);
  });

  it('a carried root is still checked: an expired root in x5c → ERR_CERTIFICATE_EXPIRED', async () => {
    const { pki, leaf } = await chain();
    const { attestationObject } = await packed(leaf, [pki.intermediate, pki.root]);
    const late = new Date(pki.root.certificate.notAfter.getTime() + 1000);
    expect(await codeOf(verifyAttestation({ attestationObject, clientDataHash, now: late }))).toBe(
      'ERR_CERTIFICATE_EXPIRED',
    );
  });

  it('expired certificate → ERR_CERTIFICATE_EXPIRED; not yet valid → ERR_CERTIFICATE_NOT_YET_VALID', async () => {
    const { pki } = await chain();
    const leaf = await createTestCertificate({
      subject: ATT_SUBJECT,
      issuer: pki.intermediate,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
    });
    const { attestationObject } = await packed(leaf, [pki.intermediate]);
    expect(
      await codeOf(
        verifyAttestation({ attestationObject, clientDataHash, now: NOW, trustAnchors: [pki.root.pem] }),
      ),
    ).toBe('ERR_CERTIFICATE_EXPIRED');
    expect(
      await codeOf(
        verifyAttestation({ attestationObject, clientDataHash, now: new Date('2023-06-01T00:00:00Z') }),
      ),
    ).toBe('ERR_CERTIFICATE_NOT_YET_VALID');
  });

  it('wrong nonce (apple) → ERR_ATTESTATION_NONCE_MISMATCH', async () => {
    const v = vectors<{ vectors: { fmt?: string; name: string; attestationObject: string }[] }>(
      'recorded.json',
    ).vectors.find((x) => x.name.startsWith('Apple'))!;
    expect(
      await codeOf(
        verifyAttestation({
          attestationObject: b64u(v.attestationObject),
          clientDataHash: new Uint8Array(32),
          now: new Date('2020-09-13T12:00:00Z'),
        }),
      ),
    ).toBe('ERR_ATTESTATION_NONCE_MISMATCH');
  });

  it('altered signature → ERR_ATTESTATION_SIGNATURE_INVALID', async () => {
    const l3 = vectors<{ vectors: { name: string; attestationObject: string; clientDataJSON: string }[] }>(
      'webauthn-l3.json',
    );
    for (const v of l3.vectors.filter((x) => x.name.includes('packed'))) {
      const altered = mutate(hex(v.attestationObject), (s) => {
        const sig = (s.get('sig') as Uint8Array).slice();
        sig[sig.length - 3] = (sig[sig.length - 3] as number) ^ 1;
        s.set('sig', sig);
      });
      expect(
        await codeOf(
          verifyAttestation({
            attestationObject: altered,
            clientDataHash: cdh(hex(v.clientDataJSON)),
            now: NOW,
          }),
        ),
      ).toBe('ERR_ATTESTATION_SIGNATURE_INVALID');
    }
  });

  it('unknown format → ERR_ATTESTATION_FORMAT_UNSUPPORTED', async () => {
    const { attestationObject } = await createTestAttestation({ fmt: 'none', clientDataHash });
    const other = mutate(attestationObject, (_s, m) => m.set('fmt', 'acme-proprietary'));
    expect(await codeOf(verifyAttestation({ attestationObject: other, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_FORMAT_UNSUPPORTED',
    );
  });

  it('packed certificate rules: OU, version, CA → ERR_ATTESTATION_INVALID', async () => {
    const { pki } = await chain();
    for (const opts of [
      { subject: { ...ATT_SUBJECT, OU: 'Something Else' } },
      { subject: { ...ATT_SUBJECT, C: undefined } },
      { subject: ATT_SUBJECT, ca: true },
      { subject: ATT_SUBJECT, version: 1 as const },
    ]) {
      const leaf = await createTestCertificate({ ...opts, issuer: pki.intermediate });
      const { attestationObject } = await packed(leaf, [pki.intermediate]);
      expect(await codeOf(verifyAttestation({ attestationObject, clientDataHash, now: NOW }))).toBe(
        'ERR_ATTESTATION_INVALID',
      );
    }
  });

  it('self attestation whose alg differs from the credential key → ERR_ATTESTATION_INVALID', async () => {
    const { attestationObject } = await createTestAttestation({ fmt: 'packed', clientDataHash });
    const r = await verifyAttestation({ attestationObject, clientDataHash, now: NOW });
    expect(r.type).toBe('self');
    const wrong = mutate(attestationObject, (s) => s.set('alg', -257));
    expect(await codeOf(verifyAttestation({ attestationObject: wrong, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('none with a non-empty attStmt, fido-u2f with two certificates → ERR_ATTESTATION_INVALID', async () => {
    const none = await createTestAttestation({ fmt: 'none', clientDataHash });
    expect(
      (await verifyAttestation({ attestationObject: none.attestationObject, clientDataHash, now: NOW })).type,
    ).toBe('none');
    const bad = mutate(none.attestationObject, (s) => s.set('sig', new Uint8Array(4)));
    expect(await codeOf(verifyAttestation({ attestationObject: bad, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
    const { pki, leaf } = await chain();
    const u2f = await createTestAttestation({
      fmt: 'fido-u2f',
      attestationCertificate: leaf,
      clientDataHash,
    });
    const r = await verifyAttestation({
      attestationObject: u2f.attestationObject,
      clientDataHash,
      now: NOW,
      trustAnchors: [pki.intermediate.pem],
    });
    expect(r).toMatchObject({ fmt: 'fido-u2f', type: 'basic', trusted: true });
    const two = mutate(u2f.attestationObject, (s) => s.set('x5c', [leaf.der, pki.intermediate.der]));
    expect(await codeOf(verifyAttestation({ attestationObject: two, clientDataHash, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('hostile input gives typed errors, never a deep TypeError', async () => {
    for (const junk of [
      new Uint8Array(0),
      Uint8Array.of(0xa0),
      Uint8Array.of(0xff, 0xff),
      new Uint8Array(100).fill(0x9f),
    ]) {
      expect(await codeOf(verifyAttestation({ attestationObject: junk, clientDataHash, now: NOW }))).toBe(
        'ERR_ATTESTATION_INVALID',
      );
    }
    expect(
      await codeOf(
        verifyAttestation({ attestationObject: new Uint8Array(1), clientDataHash: new Uint8Array(31) }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    const { leaf } = await chain();
    const { attestationObject } = await packed(leaf);
    for (const x5c of [[], [new Uint8Array(3)], 'nope', [leaf.der.subarray(0, 50)]]) {
      const bad = mutate(attestationObject, (s) => s.set('x5c', x5c as CborValue));
      expect(await codeOf(verifyAttestation({ attestationObject: bad, clientDataHash, now: NOW }))).toBe(
        'ERR_ATTESTATION_INVALID',
      );
    }
  });
});
