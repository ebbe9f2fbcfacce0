/**
 * @fido2kit/attestation beside @simplewebauthn/server on the same inputs: a packed attestation
 * with a full certificate chain (WebAuthn L3 §16.7, chained to its test CA), and an MDS3 BLOB
 * verified and loaded (a test PKI's BLOB with 200 entries, each with an attestation root).
 */
import { readFileSync } from 'node:fs';
import { loadMetadataBlob, verifyAttestation } from '@fido2kit/attestation';
import {
  createMetadataBlob,
  createMetadataEntry,
  createTestCertificate,
  createTestPki,
} from '@fido2kit/attestation/testing';
import { base64url, hexToBytes, sha256 } from '@fido2kit/cose';
import { MetadataService, SettingsService, verifyRegistrationResponse } from '@simplewebauthn/server';
import { type BenchRow, opsPerSecond } from './measure.js';

export const title = '@fido2kit/attestation';

interface L3 {
  attestation_ca_cert: string;
  vectors: { name: string; clientDataJSON: string; attestationObject: string }[];
}

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const l3 = JSON.parse(
    readFileSync(new URL('../packages/attestation/test/vectors/webauthn-l3.json', import.meta.url), 'utf8'),
  ) as L3;
  const v = l3.vectors.find((x) => x.name.includes('§16.7'));
  if (!v) throw new Error('§16.7 vector missing');
  const attestationObject = hexToBytes(v.attestationObject);
  const clientDataJSON = hexToBytes(v.clientDataJSON);
  const ca = hexToBytes(l3.attestation_ca_cert);
  const challenge = JSON.parse(new TextDecoder().decode(clientDataJSON)).challenge as string;

  // Ours: attestation verification (statement, §8.2.1 rules, path to the anchor) given the clientDataHash.
  const ours = await opsPerSecond(async () => {
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash: sha256(clientDataJSON),
      trustAnchors: [ca],
    });
    if (!r.trusted) throw new Error('not trusted');
  });
  SettingsService.setRootCertificates({ identifier: 'packed', certificates: [pem(ca)] });
  const response = {
    id: 'x',
    rawId: 'x',
    type: 'public-key' as const,
    clientExtensionResults: {},
    response: {
      attestationObject: base64url.encode(attestationObject),
      clientDataJSON: base64url.encode(clientDataJSON),
    },
  };
  const theirs = await opsPerSecond(async () => {
    const r = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: 'https://example.org',
      expectedRPID: 'example.org',
      requireUserVerification: false,
    });
    if (!r.verified) throw new Error('not verified');
  });
  rows.push({
    name: 'verifyAttestation packed, full chain (L3 §16.7)',
    ours,
    theirs,
    unit: 'ops/s',
    ratio: ours / theirs,
    anchor: 'SimpleWebAuthn verifyRegistrationResponse',
    goal: '≥ 3×',
  });

  // MDS3 BLOB: verify the JWS and its chain, load 200 entries.
  const pki = await createTestPki();
  const vendorRoot = await createTestCertificate({ subject: { CN: 'Vendor Root' }, ca: true });
  const entries = Array.from({ length: 200 }, (_, i) =>
    createMetadataEntry({
      aaguid: `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
      description: `Key ${i}`,
      attestationRootCertificates: [vendorRoot],
      statusReports: [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' }],
    }),
  );
  const jwt = await createMetadataBlob({ pki, entries, no: 1 });
  const oursBlob = await opsPerSecond(async () => {
    const c = await loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, crl: { crls: pki.crls } });
    if (c.entries.length !== 200) throw new Error('entries');
  }, 1500);
  SettingsService.setRootCertificates({ identifier: 'mds', certificates: [pki.root.pem] });
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async () => new Response(jwt)) as typeof fetch;
  let theirsBlob: number;
  try {
    theirsBlob = await opsPerSecond(async () => {
      await MetadataService.initialize({
        mdsServers: ['https://mds.example/'],
        verificationMode: 'permissive',
      });
    }, 1500);
  } finally {
    globalThis.fetch = realFetch;
  }
  rows.push({
    name: 'MDS3 BLOB verify + load (200 entries)',
    ours: oursBlob,
    theirs: theirsBlob,
    unit: 'loads/s',
    ratio: oursBlob / theirsBlob,
    anchor: 'SimpleWebAuthn MetadataService.initialize',
    goal: '≥ 2× (≤ 0.5× the time)',
  });
  return rows;
}
