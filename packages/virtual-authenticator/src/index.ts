/**
 * @fido2kit/virtual-authenticator — a software CTAP 2.1 authenticator for tests, demos and your
 * own test suites. Portable: no `node:` imports, bytes are `Uint8Array`.
 *
 * @packageDocumentation
 */
export { ATTESTATION_FORMATS, type AttestationFormat, type AttestationInput } from './attestation.js';
export {
  type StoredCredential,
  VirtualAuthenticator,
  type VirtualAuthenticatorInfo,
} from './authenticator.js';
export { ID_FIDO_GEN_CE_AAGUID, type IssueOptions, issueCertificate } from './certificates.js';
export { CLIENT_PIN_SUBCOMMANDS } from './commands/client-pin.js';
export { GET_INFO } from './commands/get-info.js';
export { COMMANDS, type Command, type CommandResponse } from './commands/index.js';
export { PERMISSIONS } from './core.js';
export {
  CtapStatusError,
  VirtualAuthenticatorError,
  type VirtualAuthenticatorErrorCode,
} from './errors.js';
export { CRED_PROTECT, EXTENSIONS } from './extensions/index.js';
export { KEY_ALGORITHMS, type KeyAlgorithm } from './keys.js';
export type { FingerprintSensorOptions, ManagementOptions, U2fMode } from './management-config.js';
export {
  type AttestationIdentity,
  type VirtualKeyMetadataStatement,
  type VirtualKeyModel,
  virtualKeyModel,
} from './model.js';
export {
  ALL_EXTENSIONS,
  type AttestationCa,
  type AttestationKind,
  DEFAULT_AAGUID,
  DEFAULTS,
  type ExtensionName,
  type Quirks,
  type VirtualAuthenticatorOptions,
} from './options.js';
export type {
  PresenceBehaviour,
  PresenceDecision,
  PresenceRequest,
  UvBehaviour,
  UvDecision,
} from './presence.js';
export {
  FingerprintSensor,
  type SampleHook,
  type SampleOutcome,
  type SampleRequest,
} from './sensor.js';
export type { JsonForm, VirtualAuthenticatorState } from './serialize.js';
