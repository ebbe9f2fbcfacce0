/**
 * The demo's metadata catalog: a FIDO MDS3 BLOB signed by a demo PKI made on first use, listing
 * the virtual key's model with its attestation CA as the trusted root, so a relying party can
 * enforce attestation against it exactly as it would against the FIDO Metadata Service.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadMetadataBlob, type MetadataCatalog } from '@fido2kit/attestation';
import { createMetadataBlob, createMetadataEntry, createTestPki } from '@fido2kit/attestation/testing';

/** What is stored: the BLOB, the root it chains to, and the models it lists. */
interface StoredMetadata {
  blob: string;
  rootCertificate: string;
  aaguids: string[];
}

export interface DemoModel {
  aaguid: string;
  description: string;
  /** The key model's attestation root (DER). */
  attestationRoot: Uint8Array;
}

/** Makes (first time, or when a model is missing) or loads the demo BLOB at `file`; returns the verified catalog. */
export async function demoMetadata(
  file: string,
  models: DemoModel[],
  now = new Date(),
): Promise<MetadataCatalog> {
  let stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredMetadata) : undefined;
  if (!stored || !models.every((m) => stored?.aaguids.includes(m.aaguid))) {
    const pki = await createTestPki({ now, name: 'fido2kit demo metadata' });
    const nextUpdate = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const blob = await createMetadataBlob({
      pki,
      no: 1,
      nextUpdate,
      entries: models.map((m) =>
        createMetadataEntry({
          aaguid: m.aaguid,
          description: m.description,
          attestationRootCertificates: [m.attestationRoot],
          attestationTypes: ['basic_full'],
        }),
      ),
    });
    stored = { blob, rootCertificate: pki.root.pem, aaguids: models.map((m) => m.aaguid) };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
  }
  return loadMetadataBlob(stored.blob, { rootCertificate: stored.rootCertificate, now });
}
