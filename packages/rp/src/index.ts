/**
 * @fido2kit/rp — WebAuthn for relying parties: registration and authentication options, and
 * strict response verification with attestation and key-model policy. Function names follow
 * SimpleWebAuthn's, so its users can move over. Portable: Node ≥ 20.19, browsers, Deno, Bun,
 * edge workers.
 *
 * @packageDocumentation
 */

// The WebAuthn JSON model lives in @fido2kit/cose (one home, shared with ctap2's WebAuthnClient);
// rp re-exports it so its users import everything from one package.
export type {
  AttestationConveyancePreference,
  AuthenticationResponseJSON,
  AuthenticatorAttachment,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialHint,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  ResidentKeyRequirement,
  UserVerificationRequirement,
} from '@fido2kit/cose';
export { DEFAULT_SUPPORTED_ALGORITHM_IDS } from './algorithms.js';
export type { AttestationOutcome, AttestationPolicy, StatusPolicy } from './attestation.js';
export {
  type FlagPolicy,
  type StoredCredential,
  type VerifiedAuthentication,
  type VerifyAuthenticationResponseOpts,
  verifyAuthenticationResponse,
} from './authentication.js';
export type { CommonVerifyOptions, ExpectedChallenge, ExpectedOrigin, ExpectedRPID } from './checks.js';
export { SIGNATURE_INVALID_MESSAGE, type WebAuthnErrorCode, WebAuthnVerificationError } from './errors.js';
export type { AuthenticatorExtensionResults } from './extensions.js';
export {
  type AuthenticationExtensionsInput,
  type CredentialDescriptorInput,
  type CredentialProtectionPolicy,
  type GenerateAuthenticationOptionsOpts,
  type GenerateRegistrationOptionsOpts,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PrfValuesInput,
  type RegistrationExtensionsInput,
} from './options.js';
export {
  type RegisteredCredential,
  type VerifiedRegistration,
  type VerifyRegistrationResponseOpts,
  verifyRegistrationResponse,
} from './registration.js';
export { buildRelatedOriginsDocument, type RelatedOriginsDocument } from './related-origins.js';
