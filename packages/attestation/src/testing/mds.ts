/** MDS3 test material: metadata entries and BLOBs signed by a test PKI. */
import { base64url, utf8Encode } from '@fido2kit/cose';
import type { MetadataEntry, MetadataStatement, StatusReport } from '../mds/types.js';
import type { TestCertificate, TestPki } from './certificates.js';
import { testSign } from './keys.js';

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Options of {@link createMetadataEntry}. */
export interface TestEntryOptions {
  aaguid?: string;
  attestationCertificateKeyIdentifiers?: string[];
  description: string;
  icon?: string;
  /** Attestation roots as PEM/DER/test certificates. */
  attestationRootCertificates?: readonly (string | Uint8Array | TestCertificate)[];
  attestationTypes?: string[];
  statusReports?: StatusReport[];
  authenticatorGetInfo?: Record<string, unknown>;
  keyProtection?: string[];
  extra?: Partial<MetadataStatement>;
}

/** A metadata BLOB entry (MDS3 §3.1.1) with a plausible metadata statement. */
export function createMetadataEntry(options: TestEntryOptions): MetadataEntry {
  const roots = (options.attestationRootCertificates ?? []).map((r) =>
    typeof r === 'string' ? r.replace(/-----[^-]+-----|\s+/g, '') : b64(r instanceof Uint8Array ? r : r.der),
  );
  return {
    ...(options.aaguid ? { aaguid: options.aaguid } : {}),
    ...(options.attestationCertificateKeyIdentifiers
      ? { attestationCertificateKeyIdentifiers: options.attestationCertificateKeyIdentifiers }
      : {}),
    metadataStatement: {
      legalHeader: 'Test data; not for production.',
      ...(options.aaguid ? { aaguid: options.aaguid } : {}),
      ...(options.attestationCertificateKeyIdentifiers
        ? { attestationCertificateKeyIdentifiers: options.attestationCertificateKeyIdentifiers }
        : {}),
      description: options.description,
      authenticatorVersion: 1,
      protocolFamily: options.aaguid ? 'fido2' : 'u2f',
      schema: 3,
      upv: [{ major: 1, minor: 1 }],
      authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
      publicKeyAlgAndEncodings: ['cose'],
      attestationTypes: options.attestationTypes ?? ['basic_full'],
      userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
      keyProtection: options.keyProtection ?? ['hardware', 'secure_element'],
      matcherProtection: ['on_chip'],
      attachmentHint: ['external', 'wired'],
      tcDisplay: [],
      attestationRootCertificates: roots,
      ...(options.icon ? { icon: options.icon } : {}),
      ...(options.authenticatorGetInfo ? { authenticatorGetInfo: options.authenticatorGetInfo } : {}),
      ...(options.extra ?? {}),
    },
    statusReports: options.statusReports ?? [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' }],
    timeOfLastStatusChange: '2020-01-01',
  };
}

/** Options of {@link createMetadataBlob}. */
export interface TestBlobOptions {
  /** The signer (its chain goes in x5c up to, not including, the root). */
  pki: TestPki;
  entries: readonly unknown[];
  no?: number;
  /** YYYY-MM-DD. Default: 30 days after now. */
  nextUpdate?: string;
  legalHeader?: string;
  /** Override the x5c (leaf first). */
  x5c?: readonly TestCertificate[];
  /** Sign with this certificate's key instead of the signer's. */
  signWith?: TestCertificate;
  /** Replace the payload entirely (for malformed-shape tests). */
  payload?: unknown;
}

/** Builds and signs an MDS3 BLOB (a compact JWS) with a test PKI. */
export async function createMetadataBlob(options: TestBlobOptions): Promise<string> {
  const signer = options.signWith ?? options.pki.signer;
  const alg = {
    ES256: 'ES256',
    ES384: 'ES384',
    ES512: 'ES512',
    RS256: 'RS256',
    PS256: 'PS256',
    Ed25519: 'EdDSA',
  }[signer.key.algorithm];
  const x5c = (options.x5c ?? [options.pki.signer, options.pki.intermediate]).map((c) => b64(c.der));
  const header = { alg, typ: 'JWT', x5c };
  const payload = options.payload ?? {
    legalHeader:
      options.legalHeader ?? 'Retrieval and use of this BLOB indicates acceptance of the test terms.',
    no: options.no ?? 1,
    nextUpdate: options.nextUpdate ?? new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10),
    entries: options.entries,
  };
  const h = base64url.encode(utf8Encode(JSON.stringify(header)));
  const p = base64url.encode(utf8Encode(JSON.stringify(payload)));
  const sig = await testSign(signer.key, utf8Encode(`${h}.${p}`), { raw: true });
  return `${h}.${p}.${base64url.encode(sig)}`;
}
