import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { parseCertificate, validateCertificatePath } from '../src/index.js';
import { createTestCertificate, createTestCrl, type TestCertificate } from '../src/testing.js';
import { codeOf } from './helpers.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const leafName = { C: 'US', O: 'T', OU: 'Authenticator Attestation', CN: 'Leaf' };

const v = (chain: TestCertificate[], anchors: TestCertificate[], extra = {}) =>
  validateCertificatePath(
    chain.map((c) => c.certificate),
    { anchors: anchors.map((a) => a.certificate), now: NOW, ...extra },
  );

const createCrl = (
  issuer: TestCertificate,
  revoked: number[],
  opts: { nextUpdate?: Date; signer?: TestCertificate } = {},
) =>
  createTestCrl(issuer, {
    revoked,
    thisUpdate: new Date('2026-02-01T00:00:00Z'),
    nextUpdate: opts.nextUpdate ?? new Date('2026-04-01T00:00:00Z'),
    ...(opts.signer ? { signWith: opts.signer } : {}),
  });

describe('X.509 path validation', () => {
  it('P-256 leaf under a P-384 CA signing with SHA-384, under an RSA root', async () => {
    const root = await createTestCertificate({ subject: { CN: 'RSA Root' }, ca: true, algorithm: 'RS256' });
    const ca = await createTestCertificate({
      subject: { CN: 'P-384 CA' },
      ca: true,
      algorithm: 'ES384',
      issuer: root,
    });
    const leaf = await createTestCertificate({ subject: leafName, issuer: ca });
    const r = await v([leaf, ca], [root]);
    expect(r.trusted).toBe(true);
    expect(r.path.map((c) => c.subject.attributes.at(-1)?.value)).toEqual(['Leaf', 'P-384 CA', 'RSA Root']);
    // a P-256 CA signing with SHA-384 (curve and hash need not match)
    const mixed = await createTestCertificate({ subject: { CN: 'P-256 CA' }, ca: true, issuer: root });
    const leaf2 = await createTestCertificate({ subject: leafName, issuer: mixed, signatureHash: 'SHA-384' });
    expect((await v([leaf2, mixed], [root])).trusted).toBe(true);
  });

  it('RSA-PSS, Ed25519 and ES512 issuers', async () => {
    for (const algorithm of ['PS256', 'Ed25519', 'ES512'] as const) {
      const root = await createTestCertificate({ subject: { CN: `${algorithm} Root` }, ca: true, algorithm });
      const leaf = await createTestCertificate({ subject: leafName, issuer: root });
      expect((await v([leaf], [root])).trusted).toBe(true);
    }
  });

  it('intermediates may be anchors; extra certificates in x5c are tolerated', async () => {
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true });
    const ca = await createTestCertificate({ subject: { CN: 'CA' }, ca: true, issuer: root });
    const unrelated = await createTestCertificate({ subject: { CN: 'Unrelated' }, ca: true });
    const leaf = await createTestCertificate({ subject: leafName, issuer: ca });
    const r = await v([leaf, unrelated, ca], [ca]);
    expect(r.trusted).toBe(true);
    expect(r.path).toHaveLength(2);
    expect(r.anchor?.fingerprint256).toBe(ca.certificate.fingerprint256);
  });

  it('basic constraints, path length and key usage', async () => {
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true, pathLength: 0 });
    const ca1 = await createTestCertificate({ subject: { CN: 'CA1' }, ca: true, issuer: root });
    const ca2 = await createTestCertificate({ subject: { CN: 'CA2' }, ca: true, issuer: ca1 });
    const leaf = await createTestCertificate({ subject: leafName, issuer: ca2 });
    expect(await codeOf(v([leaf, ca2, ca1], [root]))).toBe('ERR_CERTIFICATE_CHAIN_INVALID');
    const notCa = await createTestCertificate({ subject: { CN: 'Not a CA' }, ca: false, issuer: root });
    const leaf2 = await createTestCertificate({ subject: leafName, issuer: notCa });
    expect(await codeOf(v([leaf2, notCa], [root]))).toBe('ERR_CERTIFICATE_CHAIN_INVALID');
    const noSign = await createTestCertificate({
      subject: { CN: 'No keyCertSign' },
      ca: true,
      keyUsage: ['digitalSignature'],
    });
    const leaf3 = await createTestCertificate({ subject: leafName, issuer: noSign });
    expect(await codeOf(v([leaf3], [noSign]))).toBe('ERR_CERTIFICATE_CHAIN_INVALID');
  });

  it('a forged intermediate signature and an unknown critical extension are refused', async () => {
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true });
    const impostor = await createTestCertificate({ subject: { CN: 'Root' }, ca: true }); // same name, other key
    const leaf = await createTestCertificate({ subject: leafName, issuer: impostor });
    expect((await v([leaf], [root])).trusted).toBe(false); // its AKI names another key: no path
    const good = await createTestCertificate({ subject: leafName, issuer: root });
    const der = good.der.slice();
    der[der.length - 2] = (der[der.length - 2] as number) ^ 1; // inside the signature
    const tampered = parseCertificate(der);
    expect(await codeOf(validateCertificatePath([tampered], { anchors: [root.certificate], now: NOW }))).toBe(
      'ERR_CERTIFICATE_SIGNATURE_INVALID',
    );
    const weird = await createTestCertificate({
      subject: leafName,
      issuer: root,
      extensions: [{ oid: '1.2.3.4.5', critical: true, value: Uint8Array.of(5, 0) }],
    });
    expect(await codeOf(v([weird], [root]))).toBe('ERR_CERTIFICATE_INVALID');
  });

  it('an expired anchor is refused', async () => {
    const root = await createTestCertificate({
      subject: { CN: 'Old Root' },
      ca: true,
      notAfter: new Date('2025-01-01Z'),
    });
    const leaf = await createTestCertificate({ subject: leafName, issuer: root });
    expect(await codeOf(v([leaf], [root]))).toBe('ERR_CERTIFICATE_EXPIRED');
  });

  it('parses certificates into a typed structure and refuses garbage', async () => {
    const root = await createTestCertificate({
      subject: { CN: 'Root', O: 'Org', C: 'SE' },
      ca: true,
      pathLength: 2,
    });
    const c = parseCertificate(root.der);
    expect(c.basicConstraints).toEqual({ ca: true, pathLength: 2 });
    expect([...(c.keyUsage ?? [])]).toEqual(['keyCertSign', 'cRLSign']);
    expect(c.version).toBe(3);
    for (const junk of [new Uint8Array(0), Uint8Array.of(0x30, 0x03, 1, 2, 3), root.der.subarray(0, 100)])
      expect(() => parseCertificate(junk)).toThrow(
        expect.objectContaining({ code: 'ERR_CERTIFICATE_INVALID' }),
      );
  });
});

describe('CRLs', () => {
  async function setup() {
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true });
    const ca = await createTestCertificate({ subject: { CN: 'CA' }, ca: true, issuer: root, serial: 7001 });
    const leaf = await createTestCertificate({ subject: leafName, issuer: ca, serial: 7002 });
    return { root, ca, leaf };
  }

  it('supplied CRLs: a revoked certificate is refused, a clean one passes', async () => {
    const { root, ca, leaf } = await setup();
    const caCrl = await createCrl(ca, [7002]);
    const rootCrl = await createCrl(root, []);
    expect(await codeOf(v([leaf, ca], [root], { crl: { crls: [caCrl, rootCrl] } }))).toBe(
      'ERR_CERTIFICATE_REVOKED',
    );
    const clean = await createCrl(ca, [1234]);
    expect((await v([leaf, ca], [root], { crl: { crls: [clean, rootCrl] } })).trusted).toBe(true);
  });

  it('fetched CRLs through an injectable fetch; signature and nextUpdate verified; fail-open or fail-closed', async () => {
    const { root, ca, leaf } = await setup();
    const rootCrl = await createCrl(root, []);
    const fetched: string[] = [];
    const leafWithDp = await createTestCertificate({
      subject: leafName,
      issuer: ca,
      extensions: [
        {
          oid: '2.5.29.31',
          value: new Uint8Array(
            new pkijs.CRLDistributionPoints({
              distributionPoints: [
                new pkijs.DistributionPoint({
                  distributionPoint: [new pkijs.GeneralName({ type: 6, value: 'http://crl.example/ca.crl' })],
                }),
              ],
            })
              .toSchema()
              .toBER(false),
          ),
        },
      ],
    });
    const caCrl = await createCrl(ca, []);
    const fetch = async (url: string) => {
      fetched.push(url);
      return caCrl;
    };
    expect((await v([leafWithDp, ca], [root], { crl: { crls: [rootCrl], fetch } })).trusted).toBe(true);
    expect(fetched).toEqual(['http://crl.example/ca.crl']);
    const stale = await createCrl(ca, [], { nextUpdate: new Date('2026-02-15Z') });
    expect(await codeOf(v([leaf, ca], [root], { crl: { crls: [stale, rootCrl] } }))).toBe('ERR_CRL_INVALID');
    const forged = await createCrl(ca, [], { signer: root });
    expect(await codeOf(v([leaf, ca], [root], { crl: { crls: [forged, rootCrl] } }))).toBe('ERR_CRL_INVALID');
    expect(await codeOf(v([leaf, ca], [root], { crl: { crls: [rootCrl] } }))).toBe('ERR_CRL_UNAVAILABLE');
    expect((await v([leaf, ca], [root], { crl: { crls: [rootCrl], mode: 'fail-open' } })).trusted).toBe(true);
  });
});

describe('validateCertificatePath arguments', () => {
  it('DER bytes, PEM or a bad date where parsed certificates belong → a named InvalidArgumentError', async () => {
    const root = await createTestCertificate({ subject: { CN: 'Root' }, ca: true });
    const call = (chain: unknown, anchors: unknown, now: unknown = NOW) =>
      validateCertificatePath(chain as never, { anchors: anchors as never, now: now as Date });
    for (const [p, message] of [
      [
        call([root.der], [root.certificate]),
        '"chain[0]" expected a parsed certificate (parseCertificate), got Uint8Array',
      ],
      [
        call([root.certificate], [root.pem]),
        '"options.anchors[0]" expected a parsed certificate (parseCertificate), got string',
      ],
      [call(root.certificate, []), '"chain" expected an array of parsed certificates'],
      [
        call([root.certificate], [root.certificate], new Date(Number.NaN)),
        '"options.now" expected a valid Date',
      ],
    ] as const) {
      await expect(p).rejects.toThrow(TypeError);
      await expect(p).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message });
    }
    // Parsed input still works.
    expect((await call([root.certificate], [root.certificate])).trusted).toBe(true);
  });
});
