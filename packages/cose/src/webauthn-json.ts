/**
 * The WebAuthn JSON model (WebAuthn Level 3 §5.1 `toJSON()`, §5.1.8/§5.1.9 the options JSON,
 * §5.4 and §5.8 the enums): defined once here so the client that emits it (`@fido2kit/ctap2`'s
 * `WebAuthnClient`) and the relying party that reads it (`@fido2kit/rp`) share one type and the
 * compiler proves they agree. Types only: no runtime code.
 * @packageDocumentation
 */

/** base64url without padding (WebAuthn L3 §5.1 `Base64URLString`). */
export type Base64URLString = string;

/** `PublicKeyCredentialType` (WebAuthn L3 §5.8.2): the one credential type WebAuthn defines. */
export type PublicKeyCredentialType = 'public-key';

/** `UserVerificationRequirement` (WebAuthn L3 §5.8.6). */
export type UserVerificationRequirement = 'required' | 'preferred' | 'discouraged';

/** `ResidentKeyRequirement` (WebAuthn L3 §5.4.6). */
export type ResidentKeyRequirement = 'discouraged' | 'preferred' | 'required';

/** `AttestationConveyancePreference` (WebAuthn L3 §5.4.7). */
export type AttestationConveyancePreference = 'none' | 'indirect' | 'direct' | 'enterprise';

/** `AuthenticatorAttachment` (WebAuthn L3 §5.4.5). */
export type AuthenticatorAttachment = 'platform' | 'cross-platform';

/**
 * `AuthenticatorTransport` (WebAuthn L3 §5.8.4). A reader that meets a value not named here (a
 * transport defined later) passes it on as it is; the type names the values defined today.
 */
export type AuthenticatorTransport = 'usb' | 'nfc' | 'ble' | 'smart-card' | 'hybrid' | 'internal' | 'cable';

/** `PublicKeyCredentialHint` (WebAuthn L3 §5.8.7). */
export type PublicKeyCredentialHint = 'security-key' | 'client-device' | 'hybrid';

/**
 * Client extension inputs in JSON (WebAuthn L3 §5.7.1); members are extension identifiers. The
 * ones WebAuthn L3 §10 and CTAP 2.1 §12 define are listed; any other member is carried through
 * unchanged (clients ignore identifiers they do not know).
 */
export interface AuthenticationExtensionsClientInputsJSON {
  /** FIDO AppID of U2F credentials (§10.1.1). */
  appid?: string;
  /** FIDO AppID whose U2F credentials excludeCredentials also names (§10.1.2). */
  appidExclude?: string;
  /** Ask whether the credential is discoverable (§10.1.3). */
  credProps?: boolean;
  /** Pseudo-random function (§10.1.4), values base64url. */
  prf?: {
    eval?: { first: Base64URLString; second?: Base64URLString };
    evalByCredential?: Record<string, { first: Base64URLString; second?: Base64URLString }>;
  };
  /** Large blob storage (§10.1.5). */
  largeBlob?: {
    /** `LargeBlobSupport`: 'required' | 'preferred' (a DOMString, other values are refused by the client). */
    support?: 'required' | 'preferred' | (string & {});
    read?: boolean;
    write?: Base64URLString;
  };
  /** credProtect (CTAP 2.1 §12.1). */
  credentialProtectionPolicy?:
    | 'userVerificationOptional'
    | 'userVerificationOptionalWithCredentialIDList'
    | 'userVerificationRequired';
  enforceCredentialProtectionPolicy?: boolean;
  /** credBlob (CTAP 2.1 §12.2): bytes to store, base64url. */
  credBlob?: Base64URLString;
  getCredBlob?: boolean;
  /** minPinLength (CTAP 2.1 §12.4). */
  minPinLength?: boolean;
  /** hmac-secret at creation (CTAP 2.1 §12.5). */
  hmacCreateSecret?: boolean;
  /** Any other extension identifier. */
  [id: string]: unknown;
}

/** Client extension outputs in JSON (WebAuthn L3 §5.7.2). */
export type AuthenticationExtensionsClientOutputsJSON = Record<string, unknown>;

/** `PublicKeyCredentialRpEntity` (WebAuthn L3 §5.4.2); `id` defaults to the origin's host. */
export interface PublicKeyCredentialRpEntityJSON {
  id?: string;
  name: string;
}

/** `PublicKeyCredentialUserEntityJSON` (WebAuthn L3 §5.1.8): `id` is base64url of 1–64 bytes. */
export interface PublicKeyCredentialUserEntityJSON {
  id: Base64URLString;
  name: string;
  displayName: string;
}

/**
 * `PublicKeyCredentialParameters` (WebAuthn L3 §5.3): `alg` is a COSE algorithm identifier.
 * `type` is a DOMString in the IDL: a client skips entries of a type it does not know (§5.1.3
 * step 10), so any string is well-formed input and only `'public-key'` is acted on.
 */
export interface PublicKeyCredentialParametersJSON {
  type: PublicKeyCredentialType | (string & {});
  alg: number;
}

/**
 * `PublicKeyCredentialDescriptorJSON` (WebAuthn L3 §5.1.8): a credential ID in base64url. `type`
 * is a DOMString as in {@link PublicKeyCredentialParametersJSON}: descriptors of other types are
 * skipped.
 */
export interface PublicKeyCredentialDescriptorJSON {
  id: Base64URLString;
  type: PublicKeyCredentialType | (string & {});
  transports?: AuthenticatorTransport[];
}

/** `AuthenticatorSelectionCriteria` (WebAuthn L3 §5.4.4). */
export interface AuthenticatorSelectionCriteriaJSON {
  authenticatorAttachment?: AuthenticatorAttachment;
  residentKey?: ResidentKeyRequirement;
  requireResidentKey?: boolean;
  userVerification?: UserVerificationRequirement;
}

/**
 * `PublicKeyCredentialCreationOptionsJSON` (WebAuthn L3 §5.1.8): what an RP sends for
 * `navigator.credentials.create()`, as `PublicKeyCredential.parseCreationOptionsFromJSON()` reads it.
 */
export interface PublicKeyCredentialCreationOptionsJSON {
  rp: PublicKeyCredentialRpEntityJSON;
  user: PublicKeyCredentialUserEntityJSON;
  challenge: Base64URLString;
  pubKeyCredParams: PublicKeyCredentialParametersJSON[];
  timeout?: number;
  excludeCredentials?: PublicKeyCredentialDescriptorJSON[];
  authenticatorSelection?: AuthenticatorSelectionCriteriaJSON;
  hints?: PublicKeyCredentialHint[];
  attestation?: AttestationConveyancePreference;
  attestationFormats?: string[];
  extensions?: AuthenticationExtensionsClientInputsJSON;
}

/**
 * `PublicKeyCredentialRequestOptionsJSON` (WebAuthn L3 §5.1.9): what an RP sends for
 * `navigator.credentials.get()`.
 */
export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: Base64URLString;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PublicKeyCredentialDescriptorJSON[];
  userVerification?: UserVerificationRequirement;
  hints?: PublicKeyCredentialHint[];
  extensions?: AuthenticationExtensionsClientInputsJSON;
}

/**
 * `AuthenticatorAttestationResponseJSON` (WebAuthn L3 §5.2.1). `authenticatorData`,
 * `transports` and `publicKeyAlgorithm` are optional here because browsers before Level 3 left
 * them out; a Level 3 client (ours) always sends them.
 */
export interface AuthenticatorAttestationResponseJSON {
  clientDataJSON: Base64URLString;
  attestationObject: Base64URLString;
  authenticatorData?: Base64URLString;
  transports?: AuthenticatorTransport[];
  publicKeyAlgorithm?: number;
  publicKey?: Base64URLString;
}

/** `AuthenticatorAssertionResponseJSON` (WebAuthn L3 §5.2.2). */
export interface AuthenticatorAssertionResponseJSON {
  clientDataJSON: Base64URLString;
  authenticatorData: Base64URLString;
  signature: Base64URLString;
  userHandle?: Base64URLString;
}

/** `RegistrationResponseJSON` (WebAuthn L3 §5.1): `PublicKeyCredential.toJSON()` after create. */
export interface RegistrationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: PublicKeyCredentialType;
  response: AuthenticatorAttestationResponseJSON;
  authenticatorAttachment?: AuthenticatorAttachment;
  clientExtensionResults: AuthenticationExtensionsClientOutputsJSON;
}

/** `AuthenticationResponseJSON` (WebAuthn L3 §5.1): `PublicKeyCredential.toJSON()` after get. */
export interface AuthenticationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: PublicKeyCredentialType;
  response: AuthenticatorAssertionResponseJSON;
  authenticatorAttachment?: AuthenticatorAttachment;
  clientExtensionResults: AuthenticationExtensionsClientOutputsJSON;
}
