/**
 * MDS3 §3.2 requires revocation checking of the BLOB's signer chain; loadMetadataBlob does it by
 * default (issue 13 §2): supplied CRLs, or CRLs downloaded from the certificates' distribution
 * points (the default downloader is globalThis.fetch, exercised here against a real local HTTP
 * server), fail-closed, with `revocation: 'offline-skip'` as the named way out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMetadataBlob, MetadataService } from '../src/index.js';
import {
  createMetadataBlob,
  createMetadataEntry,
  createTestCertificate,
  createTestCrl,
  createTestPki,
  type TestCertificate,
  type TestPki,
} from '../src/testing.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const entries = [
  createMetadataEntry({ aaguid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', description: 'Demo Key' }),
];

async function cause(p: Promise<unknown>): Promise<{ code?: string; cause?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { code?: string; message?: string; cause?: { code?: string } };
    return { code: x.code, cause: x.cause?.code, message: x.message };
  }
  return { code: 'resolved' };
}

function cdp(url: string) {
  return {
    oid: '2.5.29.31',
    value: new Uint8Array(
      new pkijs.CRLDistributionPoints({
        distributionPoints: [
          new pkijs.DistributionPoint({
            distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })],
          }),
        ],
      })
        .toSchema()
        .toBER(false),
    ),
  };
}

describe('loadMetadataBlob checks the signer chain against CRLs by default', () => {
  let pki: TestPki;
  let jwt: string;
  beforeAll(async () => {
    pki = await createTestPki({ now: NOW });
    jwt = await createMetadataBlob({ pki, entries, nextUpdate: '2026-04-01' });
  });
  const crlTimes = { thisUpdate: new Date('2026-02-01Z'), nextUpdate: new Date('2026-04-01Z') };

  it('current CRLs revoking nothing: the BLOB loads', async () => {
    const c = await loadMetadataBlob(jwt, {
      rootCertificate: pki.root.pem,
      now: NOW,
      crl: { crls: pki.crls },
    });
    expect(c.entries).toHaveLength(1);
  });

  it.each([
    ['the BLOB signer', 'intermediate', 'signer', 1],
    ['the intermediate', 'root', 'intermediate', 0],
  ] as const)(
    '%s revoked → ERR_METADATA_INVALID caused by ERR_CERTIFICATE_REVOKED',
    async (_, issuer, revoked, index) => {
      const revoking = await createTestCrl(pki[issuer], {
        ...crlTimes,
        revoked: [pki[revoked].certificate.serialNumberHex],
      });
      const crls = pki.crls.map((c, i) => (i === index ? revoking : c));
      expect(
        await cause(loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, now: NOW, crl: { crls } })),
      ).toMatchObject({ code: 'ERR_METADATA_INVALID', cause: 'ERR_CERTIFICATE_REVOKED' });
    },
  );

  it('no CRL to be had is refused by default, with the way out named in the message', async () => {
    const r = await cause(loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, now: NOW }));
    expect(r).toMatchObject({ code: 'ERR_METADATA_INVALID', cause: 'ERR_CRL_UNAVAILABLE' });
    expect(r.message).toContain("revocation: 'offline-skip'");
    // fail-open is the caller's explicit choice
    const open = await loadMetadataBlob(jwt, {
      rootCertificate: pki.root.pem,
      now: NOW,
      crl: { mode: 'fail-open' },
    });
    expect(open.entries).toHaveLength(1);
  });

  it("revocation: 'offline-skip' loads without CRLs (and so misses a revoked signer, by choice)", async () => {
    const c = await loadMetadataBlob(jwt, {
      rootCertificate: pki.root.pem,
      now: NOW,
      revocation: 'offline-skip',
    });
    expect(c.entries).toHaveLength(1);
  });

  it('caller mistakes: an unknown revocation mode, or CRLs given with offline-skip → ERR_INVALID_ARGUMENT', async () => {
    expect(
      await cause(
        loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, now: NOW, revocation: 'none' as never }),
      ),
    ).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(
      await cause(
        loadMetadataBlob(jwt, {
          rootCertificate: pki.root.pem,
          now: NOW,
          revocation: 'offline-skip',
          crl: { crls: pki.crls },
        }),
      ),
    ).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('MetadataService checks revocation the same way', async () => {
    const plain = new MetadataService({ fetch: async () => jwt, rootCertificate: pki.root.pem });
    expect(await cause(plain.getCatalog({ now: NOW }))).toMatchObject({ cause: 'ERR_CRL_UNAVAILABLE' });
    const withCrls = new MetadataService({
      fetch: async () => jwt,
      rootCertificate: pki.root.pem,
      crl: { crls: pki.crls },
    });
    expect((await withCrls.getCatalog({ now: NOW })).entries).toHaveLength(1);
  });
});

describe('CRLs downloaded from the distribution points with the default fetch', () => {
  let server: Server;
  let base: string;
  const served = new Map<string, Uint8Array>();
  const requested: string[] = [];
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let signer: TestCertificate;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const body = served.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    root = await createTestCertificate({ subject: { C: 'US', O: 'CDP', CN: 'CDP Root' }, ca: true });
    intermediate = await createTestCertificate({
      subject: { C: 'US', O: 'CDP', CN: 'CDP Intermediate' },
      issuer: root,
      ca: true,
      pathLength: 0,
      extensions: [cdp(`${base}/root.crl`)],
    });
    signer = await createTestCertificate({
      subject: { C: 'US', O: 'CDP', CN: 'CDP Metadata Signer' },
      issuer: intermediate,
      extensions: [cdp(`${base}/intermediate.crl`)],
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const times = { thisUpdate: new Date('2026-02-01Z'), nextUpdate: new Date('2026-04-01Z') };
  const blob = () =>
    createMetadataBlob({ pki: { root, intermediate, signer, crls: [] }, entries, nextUpdate: '2026-04-01' });

  it('fetches both CRLs and loads; then refuses once the signer is listed', async () => {
    served.set('/root.crl', await createTestCrl(root, times));
    served.set('/intermediate.crl', await createTestCrl(intermediate, times));
    const jwt = await blob();
    const c = await loadMetadataBlob(jwt, { rootCertificate: root.pem, now: NOW });
    expect(c.entries).toHaveLength(1);
    expect(requested).toEqual(expect.arrayContaining(['/root.crl', '/intermediate.crl']));
    served.set(
      '/intermediate.crl',
      await createTestCrl(intermediate, { ...times, revoked: [signer.certificate.serialNumberHex] }),
    );
    expect(await cause(loadMetadataBlob(jwt, { rootCertificate: root.pem, now: NOW }))).toMatchObject({
      code: 'ERR_METADATA_INVALID',
      cause: 'ERR_CERTIFICATE_REVOKED',
    });
  });

  it('a distribution point that answers 404 is a missing CRL: refused', async () => {
    served.delete('/intermediate.crl');
    expect(
      await cause(loadMetadataBlob(await blob(), { rootCertificate: root.pem, now: NOW })),
    ).toMatchObject({
      code: 'ERR_METADATA_INVALID',
      cause: 'ERR_CRL_UNAVAILABLE',
    });
  });
});
