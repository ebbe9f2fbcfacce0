/**
 * @fido2kit/ctap2 — the CTAP 2.1 client: raw commands ({@link Ctap2}), PIN/UV auth
 * ({@link ClientPin}), extensions, and a WebAuthn-style client ({@link WebAuthnClient}).
 * Portable: no `node:` imports, bytes are `Uint8Array`.
 * @packageDocumentation
 */

export type { ManagementOpenOptions } from './_management.js';
export {
  type CommandApdu,
  type DecodeCommandApduOptions,
  type DecodedCommandApdu,
  decodeCommandApdu,
  decodeResponseApdu,
  EXTENDED_MAX_LC,
  EXTENDED_MAX_LE,
  encodeCommandApdu,
  encodeResponseApdu,
  fitsShortApdu,
  type ResponseApdu,
  SHORT_MAX_LC,
  SHORT_MAX_LE,
} from './apdu.js';
export {
  AuthenticatorConfig,
  CONFIG_KEYS,
  CONFIG_SUBCOMMANDS,
  SET_MIN_PIN_LENGTH_KEYS,
  type SetMinPinLengthParams,
} from './authenticator-config.js';
export {
  BIO_ENROLLMENT_KEYS,
  BIO_ENROLLMENT_PARAM_KEYS,
  BIO_ENROLLMENT_RESPONSE_KEYS,
  BIO_ENROLLMENT_SUBCOMMANDS,
  BIO_MODALITY_FINGERPRINT,
  BioEnrollment,
  type EnrollOptions,
  type EnrollSample,
  FINGERPRINT_SAMPLE_STATUS,
  FINGERPRINT_SAMPLE_STATUS_NAMES,
  type FingerprintEnrollment,
  type FingerprintSampleStatus,
  type FingerprintSensorInfo,
  parseEnrollments,
  parseEnrollSample,
  parseFingerprintSensorInfo,
} from './bio-enrollment.js';
export {
  CLIENT_PIN_KEYS,
  CLIENT_PIN_RESPONSE_KEYS,
  CLIENT_PIN_SUBCOMMANDS,
  ClientPin,
  type GetPinUvAuthTokenOptions,
  MAX_PIN_BYTES,
  PIN_UV_AUTH_PERMISSIONS,
  type PinUvAuthPermission,
  type PinUvAuthToken,
  padPin,
  permissionBits,
} from './client-pin.js';
export {
  CTAP_STATUS,
  CTAP_STATUS_NAMES,
  CTAP2_COMMANDS,
  type CtapStatusName,
  ctapStatusName,
  U2F_SW,
} from './constants.js';
export {
  CREDENTIAL_MANAGEMENT_KEYS,
  CREDENTIAL_MANAGEMENT_PARAM_KEYS,
  CREDENTIAL_MANAGEMENT_RESPONSE_KEYS,
  CREDENTIAL_MANAGEMENT_SUBCOMMANDS,
  CredentialManagement,
  type CredentialManagementCredential,
  type CredentialManagementRp,
  type CredsMetadata,
  parseCredentialResponse,
  parseCredsMetadata,
  parseRpResponse,
} from './credential-management.js';
export {
  ApduError,
  type ApduErrorCode,
  Ctap1,
  type Ctap1CallOptions,
  encodeU2fApdu,
  parseU2fRegistration,
  parseU2fSignature,
  U2F_AUTH_CONTROL,
  U2F_INS,
  type U2fRegistrationData,
  type U2fSignatureData,
} from './ctap1.js';
export {
  type U2fGetAssertionParams,
  type U2fMakeCredentialParams,
  u2fCheckExcluded,
  u2fGetAssertion,
  u2fMakeCredential,
  u2fPublicKeyToCose,
} from './ctap1-interop.js';
export {
  Ctap2,
  type Ctap2Options,
} from './ctap2.js';
export {
  type ExtensionMap,
  GET_ASSERTION_KEYS,
  GET_ASSERTION_RESPONSE_KEYS,
  type GetAssertionParams,
  type GetAssertionResult,
  MAKE_CREDENTIAL_KEYS,
  MAKE_CREDENTIAL_RESPONSE_KEYS,
  type MakeCredentialParams,
  type MakeCredentialResult,
  type PublicKeyCredentialDescriptor,
  type PublicKeyCredentialRpEntity,
  type PublicKeyCredentialUserEntity,
  parseGetAssertionResponse,
  parseMakeCredentialResponse,
  type RequestOptions,
} from './ctap2-messages.js';
export type { CallOptions, CtapDevice, CtapTransport, KeepaliveStatus } from './device.js';
export {
  Ctap2ClientError,
  type Ctap2ClientErrorCode,
  CtapError,
  type CtapErrorCode,
  WebAuthnClientError,
  type WebAuthnErrorName,
} from './errors.js';
export {
  type CeremonyScope,
  CLIENT_EXTENSIONS,
  type ClientExtension,
  CRED_PROTECT,
  type CredentialProtectionPolicy,
  type ExtensionContext,
  type ExtensionOutput,
  prepareExtensions,
  prfSalt,
} from './extensions.js';
export {
  type AuthenticatorInfo,
  DEFAULT_MAX_MSG_SIZE,
  GET_INFO_KEYS,
  isCtap21,
  type PublicKeyCredentialParameters,
  parseAuthenticatorInfo,
} from './info.js';
export {
  decryptLargeBlob,
  EMPTY_LARGE_BLOB_ARRAY,
  encryptLargeBlob,
  LARGE_BLOB_ENTRY_KEYS,
  LARGE_BLOBS_KEYS,
  LARGE_BLOBS_RESPONSE_KEYS,
  LargeBlobs,
  parseLargeBlobArray,
  serializeLargeBlobArray,
} from './large-blobs.js';
export {
  type CoseKeyMap,
  type Encapsulation,
  ecdhZ,
  generateKeyAgreementKey,
  type KeyAgreementKeyPair,
  keyAgreementPoint,
  PinUvAuthProtocol,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  pinUvAuthProtocol,
} from './pin-protocol.js';
export {
  abortableSleep,
  CallQueue,
  checkBytesArgument,
  errorCodeName,
  invertCodes,
  keepaliveStatus,
  nonNegativeInteger,
  positiveMs,
  type RetryableResult,
  type RetryPlan,
  reportKeepalive,
  resolveRetryOptions,
  sendWithRetries,
  TransportError,
  type TransportErrorOptions,
  type TransportRetryOptions,
} from './transport-kit.js';
export {
  type QueuedFault,
  resolveCtapDevice,
  SimulatedCall,
  type SimulatedCallHost,
  type SimulatedCallOptions,
  takeFault,
  unrefTimer,
} from './transport-kit-simulated.js';
export {
  type AccountChooser,
  type AccountJSON,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  checkRpId,
  MAX_RELATED_ORIGIN_LABELS,
  type PinPrompt,
  type PinRequest,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialDescriptorJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type RelatedOriginsFetch,
  type RelatedOriginsResponse,
  type UserVerificationRequirement,
  validateRelatedOrigin,
  type WebAuthnCallOptions,
  WebAuthnClient,
  type WebAuthnClientOptions,
} from './webauthn-client.js';
