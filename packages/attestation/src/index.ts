/**
 * @fido2kit/attestation — WebAuthn attestation statement verification (none, packed, fido-u2f,
 * tpm, android-key, android-safetynet, apple, compound), X.509 path validation on asn1js, bundled
 * trust anchors, and FIDO MDS3 BLOB verification, lookup, status policy and caching.
 * Portable: Node ≥ 20.19, browsers, Deno, Bun and edge workers.
 *
 * @packageDocumentation
 */
export {
  type AnchorUse,
  BUNDLED_ANCHORS,
  BUNDLED_ANCHORS_VERSION,
  type BundledAnchor,
  bundledAnchors,
} from './anchors.js';
export { type CrlFetch, type CrlOptions, crlDistributionPoints, httpCrlFetch } from './crl.js';
export {
  AttestationError,
  type AttestationErrorCode,
  AttestationPackageError,
  type AttestationPackageErrorCode,
  CertificateError,
  type CertificateErrorCode,
  FormatUnsupportedError,
  MetadataError,
  type MetadataErrorCode,
} from './errors.js';
export { type AndroidKeyDescription, parseAndroidKeyDescription } from './formats/android-key.js';
export { BUILTIN_FORMATS, createFormatRegistry, DEFAULT_FORMAT_REGISTRY } from './formats/registry.js';
export {
  parseCertInfo,
  parsePubArea,
  TPM_MANUFACTURERS,
  type TpmCertInfo,
  type TpmPubArea,
} from './formats/tpm.js';
export type {
  AttestationFormat,
  AttestationType,
  FormatContext,
  FormatOptions,
  FormatRegistry,
  FormatResult,
} from './formats/types.js';
export {
  certificateKeyIdentifier,
  type LoadMetadataBlobOptions,
  loadMetadataBlob,
  type MetadataCatalog,
  normaliseAaguid,
} from './mds/catalog.js';
export {
  FileMetadataCache,
  MemoryMetadataCache,
  type MetadataCache,
  MetadataService,
  type MetadataServiceOptions,
} from './mds/service.js';
export {
  ANY_STATUS_POLICY,
  checkStatusPolicy,
  DEFAULT_STATUS_POLICY,
  type StatusPolicy,
} from './mds/status.js';
export type {
  AuthenticatorStatus,
  MetadataEntry,
  MetadataSource,
  MetadataStatement,
  StatusReport,
} from './mds/types.js';
export { type PathValidationOptions, type PathValidationResult, validateCertificatePath } from './path.js';
export {
  type AttestationResult,
  type VerifyAttestationOptions,
  verifyAttestation,
} from './verify-attestation.js';
export {
  type CertificateExtension,
  type CertificateInput,
  type DistinguishedName,
  derToPem,
  type KeyUsage,
  type NameAttribute,
  OID,
  parseCertificate,
  pemToDer,
  type X509Certificate,
} from './x509.js';
