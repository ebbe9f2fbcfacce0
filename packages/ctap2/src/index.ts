/**
 * @fido2kit/ctap2 — the CTAP 2.1 client: raw commands ({@link Ctap2}), PIN/UV auth
 * ({@link ClientPin}), extensions, and a WebAuthn-style client ({@link WebAuthnClient}).
 * Portable: no `node:` imports, bytes are `Uint8Array`.
 * @packageDocumentation
 */
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
  Ctap2,
  type Ctap2Options,
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
} from './ctap2.js';
export type { CallOptions, CtapDevice, CtapTransport, KeepaliveStatus } from './device.js';
export {
  Ctap2ClientError,
  type Ctap2ClientErrorCode,
  CtapError,
  WebAuthnClientError,
  type WebAuthnErrorName,
} from './errors.js';
export {
  CLIENT_EXTENSIONS,
  type ClientExtension,
  CRED_PROTECT,
  type CredentialProtectionPolicy,
  type ExtensionContext,
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
  type AccountJSON,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  checkRpId,
  type PinRequest,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialDescriptorJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type UserVerificationRequirement,
  type WebAuthnCallOptions,
  WebAuthnClient,
  type WebAuthnClientOptions,
} from './webauthn-client.js';
