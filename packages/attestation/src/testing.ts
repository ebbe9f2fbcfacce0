/**
 * `@fido2kit/attestation/testing`: a test PKI and signed artefacts for tests, demos and examples —
 * certificates, CRLs, MDS3 BLOBs signed by a demo root, and packed / fido-u2f / self / none
 * attestation objects — and the X.509 writer they share with `@fido2kit/virtual-authenticator`.
 * Uses WebCrypto (`globalThis.crypto.subtle`); never use these keys in production.
 *
 * @packageDocumentation
 */
export {
  aaguidExtension,
  createTestAttestation,
  type TestAttestationOptions,
} from './testing/attestation.js';
export {
  createTestCertificate,
  createTestCrl,
  createTestPki,
  type TestCertificate,
  type TestCertificateOptions,
  type TestCrlOptions,
  type TestPki,
} from './testing/certificates.js';
export {
  ecPrivateKeyBytes,
  generateTestKey,
  type TestKeyAlgorithm,
  type TestKeyPair,
  testCoseKey,
  testSign,
} from './testing/keys.js';
export {
  createMetadataBlob,
  createMetadataEntry,
  type TestBlobOptions,
  type TestEntryOptions,
} from './testing/mds.js';
export {
  type CertificateSpec,
  type CrlSpec,
  ECDSA_WITH_SHA256,
  encodeName,
  encodeSigned,
  encodeTbsCertificate,
  encodeTbsCrl,
  issuerOf,
  OID,
  type SignatureAlgorithm,
  type TestKeyUsage,
  type TestName,
} from './testing/x509-builder.js';
