/** Options of {@link VirtualAuthenticator} and their defaults. */
import type { ManagementConfig, ManagementOptions } from './management-config.js';
import type { PresenceBehaviour, UvBehaviour } from './presence.js';

/** Attestation a virtual authenticator gives in makeCredential. */
export type AttestationKind = 'none' | 'self' | 'packed' | 'fido-u2f';

/** Every extension the authenticator can support, in the order getInfo lists them. */
export const ALL_EXTENSIONS = [
  'credProtect',
  'hmac-secret',
  'hmac-secret-mc',
  'credBlob',
  'largeBlobKey',
  'minPinLength',
  'thirdPartyPayment',
] as const;

/** Names of the CTAP extensions the authenticator can support. */
export type ExtensionName = (typeof ALL_EXTENSIONS)[number];

/**
 * Behaviour switches that imitate quirks of real authenticators and of Chrome's virtual
 * authenticator, so relying-party and client code can be tested against them. All default off.
 */
export interface Quirks {
  /** makeCredential with `user.displayName === ''` fails with CTAP1_ERR_INVALID_PARAMETER. */
  rejectEmptyDisplayName?: boolean;
  /** Answer without waiting for a touch (no keepalives; the UP flag is still set). */
  answerBeforeTouch?: boolean;
  /** Every signature counter stays 0 (like many platform authenticators and passkeys). */
  zeroSignCounter?: boolean;
  /** Reject requests that are not in CTAP2 canonical CBOR form with CTAP2_ERR_INVALID_CBOR. */
  strictCanonicalCbor?: boolean;
  /** Leave `numberOfCredentials` out of getAssertion responses. */
  omitNumberOfCredentials?: boolean;
}

/** A P-256 attestation CA the caller provides (e.g. one listed in an MDS entry). */
export interface AttestationCa {
  /** The CA's 32-byte P-256 private scalar. */
  privateKey: Uint8Array;
  /** The CA certificate, DER. */
  certificate: Uint8Array;
}

/** Options of `new VirtualAuthenticator(options)`. Every member is optional. */
export interface VirtualAuthenticatorOptions extends ManagementOptions {
  /** AAGUID as a UUID string or 16 bytes. Default {@link DEFAULT_AAGUID}. */
  aaguid?: string | Uint8Array;
  /** Attestation format. Default 'packed' (full attestation with a generated certificate chain). */
  attestation?: AttestationKind;
  /** Your own attestation CA, which signs the generated attestation certificate (implies 'per-key'). */
  attestationCa?: AttestationCa;
  /**
   * Whose chain packed and fido-u2f attestation use: `'model'`, the shipped batch chain of the
   * "fido2kit Virtual Security Key" model (see `virtualKeyModel`), or `'per-key'`, a CA of the
   * key's own (generated on first use, or `attestationCa`). Default `'model'` when the AAGUID is
   * the model's and no `attestationCa` is given, else `'per-key'`.
   */
  attestationIdentity?: 'model' | 'per-key';
  /** A PIN set at the factory. Default: no PIN. */
  pin?: string;
  /** Whether the authenticator supports clientPin at all. Default true. */
  clientPin?: boolean;
  /** Minimum PIN length in Unicode code points (getInfo minPINLength). Default 4. */
  minPinLength?: number;
  /** RP IDs that may read the minimum PIN length through the minPinLength extension. Default []. */
  minPinLengthRpIds?: string[];
  /** Remaining PIN retries at start. Default 8 (the maximum). */
  pinRetries?: number;
  /**
   * Number of enrolled fingerprint templates. When given (even 0) the key has a built-in
   * fingerprint sensor (getInfo option `uv` present, true when at least one is enrolled).
   */
  fingerprints?: number;
  /** How the simulated sensor answers. Default 'match'. */
  uv?: UvBehaviour;
  /** Maximum (and initial) built-in UV retries. Default 8. */
  uvRetries?: number;
  /** How the simulated user answers requests for presence. Default 'approve'. */
  presence?: PresenceBehaviour;
  /** How long the authenticator waits for presence or a finger, in ms. Default 30 000. */
  presenceTimeoutMs?: number;
  /** How long an approving user takes, in ms. Default 0. */
  presenceDelayMs?: number;
  /** Interval of `user-presence-needed` keepalives while waiting, in ms. Default 100. */
  keepaliveIntervalMs?: number;
  /** Discoverable credentials the key can hold. Default 25. */
  residentKeyCapacity?: number;
  /**
   * Credential algorithms in preference order: -7 (ES256), -8 (EdDSA), -48/-49/-50
   * (ML-DSA-44/65/87, FIPS 204, on @noble/post-quantum). Default [-7, -8].
   */
  algorithms?: number[];
  /** PIN/UV auth protocols in preference order. Default [2, 1]. */
  pinUvAuthProtocols?: (1 | 2)[];
  /** Extensions supported. Default all of {@link ALL_EXTENSIONS}. */
  extensions?: ExtensionName[];
  /** Largest request accepted, in bytes (getInfo maxMsgSize). Default 1200. */
  maxMsgSize?: number;
  /** getInfo maxCredentialCountInList. Default 8. */
  maxCredentialCountInList?: number;
  /** getInfo maxCredentialIdLength. Default 128. */
  maxCredentialIdLength?: number;
  /** Largest credBlob, in bytes (≥ 32). Default 32. */
  maxCredBlobLength?: number;
  /** getInfo makeCredUvNotRqd: non-discoverable credentials without UV on a protected key. Default true. */
  makeCredUvNotRqd?: boolean;
  /** getInfo alwaysUv. Default false. */
  alwaysUv?: boolean;
  /** getInfo transports. Default ['usb']. */
  transports?: string[];
  /** getInfo firmwareVersion. Default 1. */
  firmwareVersion?: number;
  /** Quirks to imitate. */
  quirks?: Quirks;
  /** The clock in ms (for the reset window, token lifetimes, getNextAssertion). Default Date.now. */
  now?: () => number;
  /** The source of randomness. Default cose's `randomBytes` (crypto.getRandomValues). Inject for deterministic tests. */
  random?: (length: number) => Uint8Array;
}

/** The AAGUID of a virtual authenticator unless configured otherwise. */
export const DEFAULT_AAGUID = 'f1d02c17-a0a1-4b5e-8c3d-2e9f7a6b1c40';

/** Limits and defaults. */
export const DEFAULTS = {
  maxPinRetries: 8,
  consecutivePinFailures: 3,
  minPinLength: 4,
  maxPinBytes: 63,
  uvRetries: 8,
  presenceTimeoutMs: 30_000,
  keepaliveIntervalMs: 100,
  residentKeyCapacity: 25,
  algorithms: [-7, -8],
  pinUvAuthProtocols: [2, 1],
  maxMsgSize: 1200,
  maxCredentialCountInList: 8,
  maxCredentialIdLength: 128,
  maxCredBlobLength: 32,
  resetWindowMs: 10_000,
  getNextAssertionWindowMs: 30_000,
  tokenInitialUseMs: 30_000,
  tokenMaxUseMs: 600_000,
  userPresentMs: 30_000,
  maxUserIdLength: 64,
} as const;

/** Configuration after defaults. */
/**
 * Whose attestation chain a virtual key uses: `'model'`, the shipped batch chain of the
 * "fido2kit Virtual Security Key" model ({@link virtualKeyModel}); `'per-key'`, a CA of its own
 * (generated on first use, or the `attestationCa` you give).
 */
export type AttestationIdentity = 'model' | 'per-key';

export interface ResolvedConfig {
  attestation: AttestationKind;
  attestationCa?: AttestationCa;
  /** Whose chain packed and fido-u2f attestation use (see model.ts). */
  attestationIdentity: AttestationIdentity;
  clientPin: boolean;
  /** Whether the key has a fingerprint sensor. */
  sensor: boolean;
  maxUvRetries: number;
  residentKeyCapacity: number;
  algorithms: number[];
  pinUvAuthProtocols: number[];
  extensions: Set<ExtensionName>;
  maxMsgSize: number;
  maxCredentialCountInList: number;
  maxCredentialIdLength: number;
  maxCredBlobLength: number;
  makeCredUvNotRqd: boolean;
  transports: string[];
  firmwareVersion: number;
  /** minPINLength after a reset. */
  factoryMinPinLength: number;
  /** minPinLength extension RP IDs after a reset. */
  factoryMinPinLengthRpIds: string[];
  /** alwaysUv after a reset. */
  factoryAlwaysUv: boolean;
  presenceTimeoutMs: number;
  presenceDelayMs: number;
  keepaliveIntervalMs: number;
  quirks: Quirks;
  /** Key-management commands and CTAP1 (see management.ts); defaults when absent. */
  management?: ManagementConfig;
}
