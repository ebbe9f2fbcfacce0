/**
 * @fido2kit/cose — CTAP2-canonical CBOR, COSE keys and signature verification, and the WebAuthn
 * binary structures (authenticator data, attestation object, client data), with base64url.
 * Portable: Node ≥ 20.19, browsers, Deno, Bun and edge workers.
 *
 * @packageDocumentation
 */
export {
  COSE_ALGORITHM_NAMES,
  COSE_ALGORITHMS,
  type CoseAlgorithmId,
  type CoseAlgorithmName,
  type EcCurve,
  HASH_LENGTHS,
  type HashName,
  ML_DSA_SIZES,
  type OkpCurve,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
} from './algorithms.js';
export {
  type AttestationObject,
  type AttestationObjectFailure,
  type ParseAttestationObjectOptions,
  parseAttestationObject,
} from './attestation-object.js';
export {
  type AttestedCredentialData,
  type AuthenticatorData,
  type AuthenticatorDataFailure,
  type AuthenticatorDataFlags,
  formatUuid,
  MAX_CREDENTIAL_ID_LENGTH,
  parseAuthenticatorData,
  parseFlags,
} from './authenticator-data.js';
export {
  type BackendName,
  type BackendSigningKey,
  type BackendVerifyInput,
  type CryptoBackend,
  getBuiltinBackend,
  getCryptoBackend,
  setCryptoBackend,
} from './backend.js';
export { base64url } from './base64url.js';
export {
  bytesToHex,
  concatBytes,
  constantTimeEqual,
  equalBytes,
  hexToBytes,
  utf8Decode,
  utf8Encode,
} from './bytes.js';
export {
  type CborTagged,
  type CborValue,
  type DecodeFirstResult,
  type DecodeOptions,
  decode,
  decodeFirst,
  encode,
  validate,
} from './cbor.js';
export { aesGcmDecrypt, aesGcmEncrypt } from './cipher.js';
export { type ClientData, parseClientDataJSON } from './client-data.js';
export {
  type AkpPublicKey,
  COSE_AKP_KEY,
  COSE_CURVES,
  COSE_KEY,
  COSE_KTY,
  type CosePublicKey,
  coseKeyToJwk,
  type DecodeCoseKeyOptions,
  decodeCoseKey,
  type Ec2PublicKey,
  encodeCoseKey,
  jwkToCoseKey,
  type OkpPublicKey,
  type PublicJwk,
  type RsaPublicKey,
} from './cose-key.js';
export { coseKeyToSpki, spkiToCoseKey } from './cose-key-spki.js';
export { ecdsaDerToRaw, ecdsaRawToDer } from './der.js';
export {
  AlgorithmUnsupportedError,
  AttestationObjectError,
  AuthenticatorDataError,
  BackendUnavailableError,
  Base64UrlError,
  CborError,
  type CborErrorCode,
  ClientDataDuplicateMemberError,
  ClientDataError,
  CoseKeyError,
  type CosePackageErrorCode,
  Fido2kitError,
  type Fido2kitErrorOptions,
  type FixedCodeErrorClass,
  fixedCodeError,
  InvalidArgumentError,
  isFido2kitError,
} from './errors.js';
export { digest, sha256 } from './hash.js';
export { randomBytes } from './random.js';
export {
  generateSigningKey,
  importSigningKey,
  SIGNING_ALGORITHMS,
  type SigningKey,
} from './sign.js';
export { type VerifySignatureOptions, verifySignature } from './verify.js';
export type {
  AttestationConveyancePreference,
  AuthenticationExtensionsClientInputsJSON,
  AuthenticationExtensionsClientOutputsJSON,
  AuthenticationResponseJSON,
  AuthenticatorAssertionResponseJSON,
  AuthenticatorAttachment,
  AuthenticatorAttestationResponseJSON,
  AuthenticatorSelectionCriteriaJSON,
  AuthenticatorTransport,
  Base64URLString,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialHint,
  PublicKeyCredentialParametersJSON,
  PublicKeyCredentialRequestOptionsJSON,
  PublicKeyCredentialRpEntityJSON,
  PublicKeyCredentialType,
  PublicKeyCredentialUserEntityJSON,
  RegistrationResponseJSON,
  ResidentKeyRequirement,
  UserVerificationRequirement,
} from './webauthn-json.js';
