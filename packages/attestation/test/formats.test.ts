import { type CborValue, decode, encode, sha256, utf8Encode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { parseCertInfo, parsePubArea, verifyAttestation } from '../src/index.js';
import { createTestAttestation, createTestCertificate, generateTestKey } from '../src/testing.js';
import { codeOf } from './helpers.js';

const clientDataHash = sha256(utf8Encode('{"type":"webauthn.create","challenge":"compound"}'));
const NOW = new Date('2026-03-01T00:00:00Z');

describe('compound (WebAuthn L3 §8.9)', () => {
  it('all statements must pass by default; any by option', async () => {
    const credentialKey = await generateTestKey();
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true });
    const leaf = await createTestCertificate({
      subject: { C: 'US', O: 'T', OU: 'Authenticator Attestation', CN: 'Leaf' },
      issuer: root,
    });
    const a = await createTestAttestation({
      fmt: 'packed',
      attestationCertificate: leaf,
      clientDataHash,
      credentialKey,
    });
    const b = await createTestAttestation({ fmt: 'packed', clientDataHash, credentialKey });
    const stmt = (o: Uint8Array) => decode(o) as Map<CborValue, CborValue>;
    const [ma, mb] = [stmt(a.attestationObject), stmt(b.attestationObject)];
    const build = (second: Map<CborValue, CborValue>) =>
      encode(
        new Map<CborValue, CborValue>([
          ['fmt', 'compound'],
          [
            'attStmt',
            [
              new Map<CborValue, CborValue>([
                ['fmt', 'packed'],
                ['attStmt', ma.get('attStmt') as CborValue],
              ]),
              new Map<CborValue, CborValue>([
                ['fmt', 'packed'],
                ['attStmt', second],
              ]),
            ],
          ],
          ['authData', ma.get('authData') as CborValue],
        ]),
      );
    const r = await verifyAttestation({
      attestationObject: build(mb.get('attStmt') as Map<CborValue, CborValue>),
      clientDataHash,
      now: NOW,
      trustAnchors: [root.pem],
    });
    expect(r.fmt).toBe('compound');
    expect(r.statements).toEqual([
      { fmt: 'packed', type: 'basic' },
      { fmt: 'packed', type: 'self' },
    ]);
    const broken = new Map(mb.get('attStmt') as Map<CborValue, CborValue>);
    broken.set('sig', new Uint8Array(70));
    expect(
      await codeOf(verifyAttestation({ attestationObject: build(broken), clientDataHash, now: NOW })),
    ).toBe('ERR_ATTESTATION_SIGNATURE_INVALID');
    const any = await verifyAttestation({
      attestationObject: build(broken),
      clientDataHash,
      now: NOW,
      formatOptions: { compoundRequire: 'any' },
    });
    expect(any.statements).toHaveLength(1);
  });
});

describe('tpm structures', () => {
  it('refuses truncated or padded pubArea and certInfo with a typed error', () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0, 1, 0), new Uint8Array(40).fill(0xff)]) {
      expect(() => parsePubArea(bad)).toThrow(expect.objectContaining({ code: 'ERR_ATTESTATION_INVALID' }));
      expect(() => parseCertInfo(bad)).toThrow(expect.objectContaining({ code: 'ERR_ATTESTATION_INVALID' }));
    }
  });
});
