/** A signed metadata BLOB for tests (the attestation package's demo PKI), loaded as the portal loads one. */
import { loadMetadataBlob } from '@fido2kit/attestation';
import { createMetadataBlob, createMetadataEntry, createTestPki } from '@fido2kit/attestation/testing';
import type { ModelCatalog } from '../src/app.js';

export const MODELS = {
  approved: { aaguid: 'a11c0de0-0000-4000-8000-000000000001', description: 'Contoso Approved Key 5 NFC' },
  blocked: { aaguid: 'b10cced0-0000-4000-8000-000000000002', description: 'Fabrikam Cheap Key' },
  chrome: {
    aaguid: '01020304-0506-0708-0102-030405060708',
    description: 'Chrome virtual authenticator (CDP)',
  },
} as const;

export async function catalogOf(
  entries: { aaguid: string; description: string; attestationRootCertificates?: (string | Uint8Array)[] }[],
): Promise<ModelCatalog> {
  const pki = await createTestPki({ name: 'Portal Test MDS' });
  const jwt = await createMetadataBlob({ pki, entries: entries.map((e) => createMetadataEntry(e)) });
  return loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, crl: { crls: pki.crls } });
}
