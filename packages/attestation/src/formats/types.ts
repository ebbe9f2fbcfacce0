/** The shape every attestation statement format implements. */
import type { AuthenticatorData, CborValue, CryptoBackend } from '@fido2kit/cose';
import type { AnchorUse } from '../anchors.js';
import type { X509Certificate } from '../x509.js';

/** WebAuthn attestation types (§6.5.3). */
export type AttestationType = 'none' | 'self' | 'basic' | 'attca' | 'anonca';

/** Per-format options. */
export interface FormatOptions {
  /** android-key: accept the key's properties in softwareEnforced as well as teeEnforced. Default false. */
  androidKeyAllowSoftwareEnforced?: boolean;
  /** android-safetynet: require ctsProfileMatch. Default true. */
  safetyNetRequireCtsProfileMatch?: boolean;
  /** android-safetynet: how old the timestampMs may be, in ms. Default 60 000. */
  safetyNetMaxAgeMs?: number;
  /** android-safetynet: how far in the future the timestampMs may be (clock skew), in ms. Default 10 000. */
  safetyNetMaxFutureMs?: number;
  /** compound: `'all'` (default) or `'any'` of the statements must verify. */
  compoundRequire?: 'all' | 'any';
  /** tpm: accept RS1 (RSASSA-PKCS1-v1_5 with SHA-1) signatures, as older TPMs make. Default true. */
  tpmAllowSha1?: boolean;
  /** tpm: accept the FIDO Alliance conformance vendor id (FFFFF1D0). Default true. */
  tpmAllowTestVendor?: boolean;
  /**
   * tpm: accept an AIK certificate whose TPM manufacturer is not in the TCG vendor registry
   * (`TPM_MANUFACTURERS`). WebAuthn §8.3.1 does not require a registered vendor; the check is
   * this library's policy. The WebAuthn L3 §16 TPM test vector names `id:00000000`. Default false.
   */
  tpmAllowUnregisteredManufacturer?: boolean;
}

/** What a format's verification procedure gets. */
export interface FormatContext {
  readonly fmt: string;
  readonly attStmt: Map<CborValue, CborValue>;
  readonly authData: Uint8Array;
  readonly authenticatorData: AuthenticatorData;
  readonly clientDataHash: Uint8Array;
  readonly now: Date;
  readonly options: FormatOptions;
  readonly backend?: CryptoBackend;
  /** The registry, for formats that contain others (compound). */
  readonly registry: FormatRegistry;
}

/** What a format's verification procedure returns. */
export interface FormatResult {
  readonly type: AttestationType;
  /** The certificates to validate, leaf first (x5c as sent); empty for none and self. */
  readonly x5c: readonly X509Certificate[];
  /** Which bundled anchors apply by default. */
  readonly anchors?: AnchorUse;
  /** Critical extensions the format has handled itself (so path validation accepts them). */
  readonly handledExtensions?: readonly string[];
  /** For compound: each statement's result. */
  readonly statements?: readonly (FormatResult & { fmt: string })[];
}

/** An attestation statement format: its identifier and its verification procedure. */
export interface AttestationFormat {
  readonly fmt: string;
  /**
   * Runs the format's verification procedure (WebAuthn L3 §8).
   * @param ctx the attestation statement, authenticator data, client data hash and trust settings
   * @returns the attestation type and trust path
   * @throws {AttestationError} with the failing check's code
   */
  verify(ctx: FormatContext): Promise<FormatResult>;
}

/** Formats by identifier. */
export type FormatRegistry = ReadonlyMap<string, AttestationFormat>;
