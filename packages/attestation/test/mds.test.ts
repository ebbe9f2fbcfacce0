import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, utf8Encode } from '@fido2kit/cose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  certificateKeyIdentifier,
  checkStatusPolicy,
  DEFAULT_STATUS_POLICY,
  FileMetadataCache,
  loadMetadataBlob,
  MemoryMetadataCache,
  type MetadataEntry,
  MetadataService,
  verifyAttestation,
} from '../src/index.js';
import {
  aaguidExtension,
  createMetadataBlob,
  createMetadataEntry,
  createTestAttestation,
  createTestCertificate,
  createTestPki,
  type TestPki,
} from '../src/testing.js';
import { codeOf } from './helpers.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const AAGUID = 'ee882879-721c-4913-9775-3dfcce97072a';
const AAGUID_BYTES = Uint8Array.from(
  AAGUID.replace(/-/g, '')
    .match(/../g)!
    .map((h) => Number.parseInt(h, 16)),
);
const clientDataHash = sha256(utf8Encode('{"type":"webauthn.create"}'));

let pkiP: Promise<TestPki> | undefined;
const pki = () => {
  pkiP ??= createTestPki({ now: NOW });
  return pkiP;
};
const tmp = mkdtempSync(join(tmpdir(), 'fido2kit-mds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const entry = (
  statusReports: MetadataEntry['statusReports'],
  extra: Partial<Parameters<typeof createMetadataEntry>[0]> = {},
) =>
  createMetadataEntry({
    aaguid: AAGUID,
    description: 'Demo Key 5',
    statusReports: [...statusReports],
    ...extra,
  });

describe('loadMetadataBlob', () => {
  it('verifies the JWS, its x5c chain and the payload, and builds the catalog', async () => {
    const p = await pki();
    const jwt = await createMetadataBlob({
      pki: p,
      no: 42,
      nextUpdate: '2026-04-01',
      entries: [
        entry([{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' }], {
          icon: 'data:image/png;base64,iVBORw0KGgo=',
        }),
        createMetadataEntry({
          attestationCertificateKeyIdentifiers: ['ABCDEF0123'],
          description: 'Demo U2F',
        }),
      ],
    });
    const c = await loadMetadataBlob(jwt, { rootCertificate: p.root.pem, crl: { crls: p.crls }, now: NOW });
    expect(c.no).toBe(42);
    expect(c.nextUpdate.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(c.legalHeader).toMatch(/acceptance/);
    expect(c.entries).toHaveLength(2);
    expect(c.findByAaguid(AAGUID.toUpperCase().replace(/-/g, ''))?.metadataStatement?.description).toBe(
      'Demo Key 5',
    );
    expect(c.findByAaguid(AAGUID)?.metadataStatement?.icon).toMatch(/^data:image\/png/);
    expect(c.findByCertificateKeyIdentifier('abcdef0123')?.metadataStatement?.description).toBe('Demo U2F');
    expect(c.findByAaguid('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(c.signerChain).toHaveLength(3);
  });

  it('signs with RS256 and PS256 too', async () => {
    for (const signerAlgorithm of ['RS256', 'PS256'] as const) {
      const p = await createTestPki({ now: NOW, signerAlgorithm, rootAlgorithm: 'RS256' });
      const jwt = await createMetadataBlob({ pki: p, entries: [] });
      expect(
        (await loadMetadataBlob(jwt, { rootCertificate: p.root.der, crl: { crls: p.crls }, now: NOW }))
          .entries,
      ).toEqual([]);
    }
  });

  it('refuses a wrong root, a tampered payload, a bad shape, an expired signer; drops malformed entries', async () => {
    const p = await pki();
    const jwt = await createMetadataBlob({ pki: p, entries: [entry([{ status: 'FIDO_CERTIFIED' }])] });
    const other = await createTestPki({ now: NOW, name: 'Other' });
    expect(await codeOf(loadMetadataBlob(jwt, { rootCertificate: other.root.pem, now: NOW }))).toBe(
      'ERR_METADATA_INVALID',
    );
    expect(await codeOf(loadMetadataBlob(jwt, { now: NOW }))).toBe('ERR_METADATA_INVALID'); // bundled GlobalSign roots
    const [h, , s] = jwt.split('.');
    const forgedPayload = (await createMetadataBlob({ pki: p, entries: [], no: 99 })).split('.')[1];
    expect(
      await codeOf(
        loadMetadataBlob(`${h}.${forgedPayload}.${s}`, {
          rootCertificate: p.root.pem,
          crl: { crls: p.crls },
          now: NOW,
        }),
      ),
    ).toBe('ERR_METADATA_SIGNATURE_INVALID');
    for (const payload of [
      { no: 1, nextUpdate: '2026-04-01', entries: [] },
      { legalHeader: 'x', no: -1, nextUpdate: '2026-04-01', entries: [] },
      { legalHeader: 'x', no: 1, nextUpdate: 'soon', entries: [] },
      { legalHeader: 'x', no: 1, nextUpdate: '2026-04-01', entries: {} },
    ]) {
      const bad = await createMetadataBlob({ pki: p, entries: [], payload });
      expect(
        await codeOf(loadMetadataBlob(bad, { rootCertificate: p.root.pem, crl: { crls: p.crls }, now: NOW })),
      ).toBe('ERR_METADATA_INVALID');
    }
    expect(
      await codeOf(
        loadMetadataBlob(jwt, {
          rootCertificate: p.root.pem,
          crl: { crls: p.crls },
          now: new Date('2040-01-01Z'),
        }),
      ),
    ).toBe('ERR_METADATA_INVALID');
    for (const junk of ['', 'a.b', 'a.b.c', '....', `${h}.${h}.${s}`])
      expect(
        await codeOf(
          loadMetadataBlob(junk, { rootCertificate: p.root.pem, crl: { crls: p.crls }, now: NOW }),
        ),
      ).toMatch(/^ERR_METADATA_/);
    const mixed = await createMetadataBlob({
      pki: p,
      entries: [entry([]), { aaguid: 'nope', statusReports: [] }, 7],
    });
    const c = await loadMetadataBlob(mixed, { rootCertificate: p.root.pem, crl: { crls: p.crls }, now: NOW });
    expect(c.entries).toHaveLength(1);
    expect(c.rejectedEntries.map((r) => r.index)).toEqual([1, 2]);
    const stale = await createMetadataBlob({ pki: p, entries: [], nextUpdate: '2026-02-01' });
    expect(
      await codeOf(
        loadMetadataBlob(stale, {
          rootCertificate: p.root.pem,
          crl: { crls: p.crls },
          now: NOW,
          rejectStale: true,
        }),
      ),
    ).toBe('ERR_METADATA_STALE');
  });
});

describe('status policy', () => {
  const cases: [string, MetadataEntry['statusReports'], string | 'ok'][] = [
    ['FIDO_CERTIFIED', [{ status: 'FIDO_CERTIFIED', effectiveDate: '2020-01-01' }], 'ok'],
    [
      'FIDO_CERTIFIED_L2 then UPDATE_AVAILABLE',
      [{ status: 'FIDO_CERTIFIED_L2' }, { status: 'UPDATE_AVAILABLE', effectiveDate: '2025-01-01' }],
      'ok',
    ],
    ['NOT_FIDO_CERTIFIED', [{ status: 'NOT_FIDO_CERTIFIED' }], 'ok'],
    [
      'REVOKED',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'REVOKED', effectiveDate: '2025-06-01' }],
      'REVOKED',
    ],
    [
      'USER_VERIFICATION_BYPASS',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'USER_VERIFICATION_BYPASS' }],
      'USER_VERIFICATION_BYPASS',
    ],
    [
      'USER_KEY_REMOTE_COMPROMISE',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'USER_KEY_REMOTE_COMPROMISE' }],
      'USER_KEY_REMOTE_COMPROMISE',
    ],
    [
      'USER_KEY_PHYSICAL_COMPROMISE',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'USER_KEY_PHYSICAL_COMPROMISE' }],
      'USER_KEY_PHYSICAL_COMPROMISE',
    ],
    [
      'ATTESTATION_KEY_COMPROMISE naming no certificate',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'ATTESTATION_KEY_COMPROMISE' }],
      'ATTESTATION_KEY_COMPROMISE',
    ],
    [
      'REVOKED in the future is not yet in effect',
      [{ status: 'FIDO_CERTIFIED' }, { status: 'REVOKED', effectiveDate: '2027-01-01' }],
      'ok',
    ],
    [
      'latest SELF_ASSERTION_SUBMITTED is not desired',
      [{ status: 'SELF_ASSERTION_SUBMITTED' }],
      'SELF_ASSERTION_SUBMITTED',
    ],
    ['no report', [], 'NONE'],
  ];
  for (const [name, reports, want] of cases) {
    it(name, () => {
      const e = entry(reports);
      if (want === 'ok') expect(() => checkStatusPolicy(e, { now: NOW })).not.toThrow();
      else
        expect(() => checkStatusPolicy(e, { now: NOW })).toThrow(
          expect.objectContaining({ code: 'ERR_METADATA_STATUS', details: { status: want } }),
        );
    });
  }

  it('ATTESTATION_KEY_COMPROMISE rejects only when its certificate is in the chain; policies are replaceable', async () => {
    const p = await pki();
    const report = (der: Uint8Array) => ({
      status: 'ATTESTATION_KEY_COMPROMISE',
      certificate: Buffer.from(der).toString('base64'),
    });
    const e = entry([{ status: 'FIDO_CERTIFIED' }, report(p.intermediate.der)]);
    expect(() => checkStatusPolicy(e, { now: NOW, chain: [p.signer.der] })).not.toThrow();
    expect(() => checkStatusPolicy(e, { now: NOW, chain: [p.signer.der, p.intermediate.der] })).toThrow(
      expect.objectContaining({ code: 'ERR_METADATA_STATUS' }),
    );
    const lenient = {
      desired: [...DEFAULT_STATUS_POLICY.desired, 'SELF_ASSERTION_SUBMITTED'],
      undesired: [],
    };
    expect(() =>
      checkStatusPolicy(entry([{ status: 'SELF_ASSERTION_SUBMITTED' }]), { now: NOW, policy: lenient }),
    ).not.toThrow();
  });
});

describe('verifyAttestation with metadata', () => {
  async function device() {
    const root = await createTestCertificate({
      subject: { C: 'US', O: 'Demo Vendor', CN: 'Demo Attestation Root' },
      ca: true,
    });
    const leaf = await createTestCertificate({
      subject: { C: 'US', O: 'Demo Vendor', OU: 'Authenticator Attestation', CN: 'Demo Key 5' },
      issuer: root,
      extensions: [aaguidExtension(AAGUID_BYTES)],
    });
    return { root, leaf };
  }

  it('trusts the entry roots, returns the model and icon; the status policy and attestation types apply', async () => {
    const p = await pki();
    const { root, leaf } = await device();
    const { attestationObject } = await createTestAttestation({
      fmt: 'packed',
      attestationCertificate: leaf,
      clientDataHash,
      aaguid: AAGUID_BYTES,
    });
    const load = async (e: MetadataEntry) =>
      loadMetadataBlob(await createMetadataBlob({ pki: p, entries: [e] }), {
        rootCertificate: p.root.pem,
        crl: { crls: p.crls },
        now: NOW,
      });
    const good = await load(
      entry([{ status: 'FIDO_CERTIFIED_L1' }], {
        attestationRootCertificates: [root],
        icon: 'data:image/png;base64,AA==',
      }),
    );
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash,
      metadata: good,
      now: NOW,
      requireTrusted: true,
    });
    expect(r).toMatchObject({ fmt: 'packed', type: 'basic', aaguid: AAGUID, trusted: true });
    expect(r.metadata?.metadataStatement?.description).toBe('Demo Key 5');
    expect(r.metadata?.metadataStatement?.icon).toBe('data:image/png;base64,AA==');
    const revoked = await load(
      entry([{ status: 'FIDO_CERTIFIED' }, { status: 'REVOKED' }], { attestationRootCertificates: [root] }),
    );
    expect(
      await codeOf(verifyAttestation({ attestationObject, clientDataHash, metadata: revoked, now: NOW })),
    ).toBe('ERR_METADATA_STATUS');
    const wrongType = await load(
      entry([{ status: 'FIDO_CERTIFIED' }], {
        attestationRootCertificates: [root],
        attestationTypes: ['attca'],
      }),
    );
    expect(
      await codeOf(verifyAttestation({ attestationObject, clientDataHash, metadata: wrongType, now: NOW })),
    ).toBe('ERR_METADATA_ATTESTATION_TYPE');
    const otherRoot = await createTestCertificate({ subject: { CN: 'Unrelated Root' }, ca: true });
    const untrusted = await load(
      entry([{ status: 'FIDO_CERTIFIED' }], { attestationRootCertificates: [otherRoot] }),
    );
    const u = await verifyAttestation({ attestationObject, clientDataHash, metadata: untrusted, now: NOW });
    expect(u.trusted).toBe(false);
  });

  it('finds U2F authenticators by attestation certificate key identifier', async () => {
    const p = await pki();
    const { root, leaf } = await device();
    const keyId = await certificateKeyIdentifier(leaf.certificate);
    const catalog = await loadMetadataBlob(
      await createMetadataBlob({
        pki: p,
        entries: [
          createMetadataEntry({
            attestationCertificateKeyIdentifiers: [keyId],
            description: 'Demo U2F Key',
            attestationRootCertificates: [root],
          }),
        ],
      }),
      { rootCertificate: p.root.pem, crl: { crls: p.crls }, now: NOW },
    );
    const { attestationObject } = await createTestAttestation({
      fmt: 'fido-u2f',
      attestationCertificate: leaf,
      clientDataHash,
    });
    const r = await verifyAttestation({ attestationObject, clientDataHash, metadata: catalog, now: NOW });
    expect(r).toMatchObject({
      fmt: 'fido-u2f',
      trusted: true,
      aaguid: '00000000-0000-0000-0000-000000000000',
    });
    expect(r.metadata?.metadataStatement?.description).toBe('Demo U2F Key');
  });
});

describe('MetadataService', () => {
  it('fetches once, honours nextUpdate, refreshes, refuses a rollback, works offline', async () => {
    const p = await pki();
    const blobs = new Map<number, string>();
    for (const no of [1, 2, 3])
      blobs.set(no, await createMetadataBlob({ pki: p, no, nextUpdate: `2026-0${3 + no}-01`, entries: [] }));
    let serve = 1;
    let online = true;
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      if (!online) throw new Error('offline');
      return blobs.get(serve) as string;
    };
    const cache = new MemoryMetadataCache();
    const mds = new MetadataService({
      fetch,
      cache,
      rootCertificate: p.root.pem,
      crl: { crls: p.crls },
      url: 'https://mds.example/',
    });
    expect((await mds.getCatalog({ now: NOW })).no).toBe(1);
    expect((await mds.getCatalog({ now: new Date('2026-03-15Z') })).no).toBe(1); // before nextUpdate: no download
    expect(calls).toEqual(['https://mds.example/']);
    serve = 2;
    expect((await mds.getCatalog({ now: new Date('2026-04-02Z') })).no).toBe(2); // due: refreshed
    online = false;
    expect((await mds.getCatalog({ now: new Date('2026-05-02Z') })).no).toBe(2); // offline: last good BLOB
    expect(calls).toHaveLength(3);
    online = true;
    serve = 3;
    expect((await mds.getCatalog({ now: new Date('2026-05-02Z') })).no).toBe(3);
    expect(await cache.get()).toBe(blobs.get(3));
    serve = 2;
    expect(await codeOf(mds.getCatalog({ now: new Date('2026-05-02Z'), forceRefresh: true }))).toBe(
      'ERR_METADATA_ROLLBACK',
    );
    const cold = new MetadataService({
      fetch: async () => Promise.reject(new Error('down')),
      rootCertificate: p.root.pem,
      crl: { crls: p.crls },
    });
    expect(await codeOf(cold.getCatalog({ now: NOW }))).toBe('ERR_METADATA_FETCH');
  });

  it('keeps the BLOB in a file and starts from it offline', async () => {
    const p = await pki();
    const jwt = await createMetadataBlob({
      pki: p,
      no: 7,
      nextUpdate: '2026-04-01',
      entries: [entry([{ status: 'FIDO_CERTIFIED' }])],
    });
    const path = join(tmp, 'mds.jwt');
    const first = new MetadataService({
      fetch: async () => jwt,
      cache: new FileMetadataCache(path),
      rootCertificate: p.root.pem,
      crl: { crls: p.crls },
    });
    expect((await first.getCatalog({ now: NOW })).no).toBe(7);
    expect(readFileSync(path, 'utf8')).toBe(jwt);
    const offline = new MetadataService({
      fetch: async () => {
        throw new Error('no network');
      },
      cache: new FileMetadataCache(path),
      rootCertificate: p.root.pem,
      crl: { crls: p.crls },
    });
    expect((await offline.findByAaguid(AAGUID, { now: NOW }))?.metadataStatement?.description).toBe(
      'Demo Key 5',
    );
    const src = offline.source(NOW);
    expect((await src.findByAaguid(AAGUID))?.aaguid).toBe(AAGUID);
  });
});
