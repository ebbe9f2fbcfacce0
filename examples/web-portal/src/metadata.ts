/**
 * The FIDO metadata the portal judges keys by. Without a BLOB it loads the one statement the
 * examples need, the "fido2kit Virtual Security Key" model shipped with
 * @fido2kit/virtual-authenticator, so the admin's model table is not empty and virtual keys are
 * named and, with attestation enforced, verified. With MDS_BLOB it loads the FIDO MDS3 BLOB
 * instead; the virtual model (whose private keys are public test material) is then added only when
 * asked for, never silently beside production metadata.
 */
import type { CrlOptions, MetadataEntry } from '@fido2kit/attestation';
import { loadMetadataBlob, normaliseAaguid } from '@fido2kit/attestation';
import { virtualKeyModel } from '@fido2kit/virtual-authenticator';
import type { ModelCatalog } from './http/context.js';

/** The virtual key model as a metadata entry (not FIDO certified: it is a test model). */
export const VIRTUAL_KEY_ENTRY: MetadataEntry = {
  aaguid: virtualKeyModel.aaguid,
  metadataStatement: virtualKeyModel.metadataStatement as unknown as MetadataEntry['metadataStatement'],
  statusReports: [{ status: 'NOT_FIDO_CERTIFIED', effectiveDate: '2025-01-01' }],
  timeOfLastStatusChange: '2025-01-01',
};

/** A catalog over entries already trusted (they come with the code, not from a download). */
export function localCatalog(entries: MetadataEntry[]): ModelCatalog {
  const byAaguid = new Map(entries.filter((e) => e.aaguid).map((e) => [normaliseAaguid(e.aaguid!), e]));
  return {
    entries,
    findByAaguid: (aaguid) => byAaguid.get(normaliseAaguid(aaguid)),
    findByCertificateKeyIdentifier: () => undefined,
  };
}

/** Both catalogs: `first` answers when it knows the model. */
export function combinedCatalog(first: ModelCatalog, second: ModelCatalog): ModelCatalog {
  return {
    entries: [...first.entries, ...second.entries],
    findByAaguid: (a) => first.findByAaguid(a) ?? second.findByAaguid(a),
    findByCertificateKeyIdentifier: (k) =>
      first.findByCertificateKeyIdentifier(k) ?? second.findByCertificateKeyIdentifier(k),
  };
}

export interface PortalMetadata {
  catalog: ModelCatalog;
  /** What is loaded, for the start banner and the admin page. */
  source: string;
}

/**
 * The metadata for these settings: `blob` (an MDS3 BLOB, JWT text) and its `root` (PEM, for a
 * private BLOB); `virtualKeyModel` adds the test model beside a BLOB (default: only without one);
 * `offline` skips the CRL check of the BLOB's signer chain (for a host that cannot reach them).
 */
export async function portalMetadata(options: {
  blob?: string;
  root?: string;
  virtualKeyModel?: boolean;
  offline?: boolean;
  /** CRLs of the BLOB's signer chain, when the caller has them (otherwise they are downloaded). */
  crls?: NonNullable<CrlOptions['crls']>;
  now?: Date;
}): Promise<PortalMetadata> {
  const virtual = localCatalog([VIRTUAL_KEY_ENTRY]);
  const virtualSource = `the ${virtualKeyModel.description} statement shipped with @fido2kit/virtual-authenticator (test keys only)`;
  if (options.blob === undefined) return { catalog: virtual, source: virtualSource };
  const blob = await loadMetadataBlob(options.blob.trim(), {
    ...(options.root ? { rootCertificate: options.root } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.offline ? { revocation: 'offline-skip' as const } : {}),
    ...(options.crls ? { crl: { crls: options.crls } } : {}),
  });
  const blobSource = `the FIDO MDS3 BLOB no. ${blob.no}`;
  return options.virtualKeyModel
    ? { catalog: combinedCatalog(blob, virtual), source: `${blobSource} and ${virtualSource}` }
    : { catalog: blob, source: blobSource };
}
