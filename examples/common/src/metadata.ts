/**
 * The demo's metadata catalog: a FIDO MDS3 BLOB signed by a demo PKI made on first use, listing
 * the "fido2kit Virtual Security Key" model with the metadata statement shipped in
 * @fido2kit/virtual-authenticator (`virtualKeyModel`), so a relying party enforces attestation
 * against it exactly as it would against the FIDO Metadata Service, and every virtual key of the
 * model (made by the demo, by the key manager, or saved before the model existed) is approved.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadMetadataBlob, type MetadataCatalog } from '@fido2kit/attestation';
import { createMetadataBlob, createMetadataEntry, createTestPki } from '@fido2kit/attestation/testing';
import { base64url } from '@fido2kit/cose';
import { virtualKeyModel } from '@fido2kit/virtual-authenticator';

/** What is stored: the BLOB, the root it chains to, and what it was made from. */
interface StoredMetadata {
  blob: string;
  rootCertificate: string;
  /** The demo root's and intermediate's CRLs (base64url DER): the signer chain's revocation is checked. */
  crls?: string[];
  /** The models' AAGUIDs and attestation roots: a change makes a new BLOB. */
  source?: string;
}

/** A key model beside the virtual key model, to list in the demo catalog. */
export interface DemoModel {
  aaguid: string;
  description: string;
  /** The key model's attestation root (DER). */
  attestationRoot: Uint8Array;
}

function entries(models: DemoModel[]) {
  const statusReports = [{ status: 'NOT_FIDO_CERTIFIED', effectiveDate: '2025-01-01' }];
  return [
    {
      aaguid: virtualKeyModel.aaguid,
      metadataStatement: virtualKeyModel.metadataStatement,
      statusReports,
      timeOfLastStatusChange: '2025-01-01',
    },
    ...models.map((m) =>
      createMetadataEntry({
        aaguid: m.aaguid,
        description: m.description,
        attestationRootCertificates: [m.attestationRoot],
        attestationTypes: ['basic_full'],
        statusReports,
      }),
    ),
  ];
}

/**
 * Makes (first time, or when the models changed) or loads the demo BLOB at `file`; returns the
 * verified catalog. The virtual key model is always listed; `models` adds others.
 */
export async function demoMetadata(
  file: string,
  models: DemoModel[] = [],
  now = new Date(),
): Promise<MetadataCatalog> {
  const listed = entries(models);
  const source = JSON.stringify(
    listed.map((e) => [e.aaguid, e.metadataStatement?.attestationRootCertificates]),
  );
  let stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredMetadata) : undefined;
  if (stored?.source !== source || !stored.crls) {
    const pki = await createTestPki({ now, name: 'fido2kit demo metadata' });
    const nextUpdate = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const blob = await createMetadataBlob({ pki, no: 1, nextUpdate, entries: listed });
    stored = { blob, rootCertificate: pki.root.pem, crls: pki.crls.map((c) => base64url.encode(c)), source };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
  }
  return loadMetadataBlob(stored.blob, {
    rootCertificate: stored.rootCertificate,
    crl: { crls: (stored.crls ?? []).map((c) => base64url.decode(c)) },
    now,
  });
}
