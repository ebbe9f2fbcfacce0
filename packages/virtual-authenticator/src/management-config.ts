/**
 * Options and resolved configuration of the key-management commands (credentialManagement,
 * bioEnrollment, authenticatorConfig, largeBlobs) and CTAP1/U2F. Pure data: it imports nothing
 * of the authenticator, so options.ts and core.ts can both build on it.
 */
import { PIN_UV_AUTH_PERMISSIONS } from '@fido2kit/ctap2';

/** CTAP1/U2F support: both protocols, U2F only (every CTAP2 command is unknown), or none. */
export type U2fMode = 'dual' | 'u2f-only' | false;

/** The simulated fingerprint sensor's facts. */
export interface FingerprintSensorOptions {
  /** Good samples an enrollment needs (maxCaptureSamplesRequiredForEnroll). Default 4. */
  samplesRequired?: number;
  /** Fingerprints the sensor can hold. Default 5. */
  maxTemplates?: number;
  /** Longest friendly name in bytes (maxTemplateFriendlyName). Default 64. */
  maxTemplateFriendlyName?: number;
  /** Touch or swipe sensor. Default 'touch'. */
  kind?: 'touch' | 'swipe';
}

/** Options of the management commands (part of `VirtualAuthenticatorOptions`). */
export interface ManagementOptions {
  /** CTAP1/U2F: 'dual' (getInfo versions gain U2F_V2), 'u2f-only', or false. Default false. */
  u2f?: U2fMode;
  /** getInfo maxSerializedLargeBlobArray; 0 turns large-blob storage off. Default 4096. */
  maxSerializedLargeBlobArray?: number;
  /** Whether enterprise attestation can be enabled (getInfo option ep). Default false. */
  enterpriseAttestation?: boolean;
  /**
   * RP IDs the key gives vendor-facilitated enterprise attestation to (enterpriseAttestation 1,
   * CTAP 2.1 §7.1.1), as a vendor burns them in. Platform-managed (2) needs no list. Default [].
   */
  enterpriseAttestationRpIds?: string[];
  /** The simulated fingerprint sensor (used when `fingerprints` is given). */
  fingerprintSensor?: FingerprintSensorOptions;
  /** getInfo maxRPIDsForSetMinPINLength. Default 4. */
  maxRPIDsForSetMinPINLength?: number;
  /**
   * Imitate a FIDO_2_1_PRE key: credential management and bio enrollment only through the
   * preview commands 0x41 and 0x40 (options credentialMgmtPreview, userVerificationMgmtPreview).
   * Default false.
   */
  managementPreview?: boolean;
  /** Whether authenticatorConfig (0x0D) is offered. Default true. */
  authenticatorConfig?: boolean;
  /** Whether credential management (0x0A) is offered. Default true. */
  credentialManagement?: boolean;
}

/** The management options after defaults. */
export interface ManagementConfig {
  u2f: U2fMode;
  maxSerializedLargeBlobArray: number;
  enterpriseAttestation: boolean;
  /** Vendor-facilitated enterprise attestation RP IDs (absent in states saved before it existed). */
  enterpriseAttestationRpIds?: string[];
  samplesRequired: number;
  maxTemplates: number;
  maxTemplateFriendlyName: number;
  fingerprintKind: number;
  maxRPIDsForSetMinPINLength: number;
  preview: boolean;
  authnrCfg: boolean;
  credMgmt: boolean;
}

/**
 * An integer option in min..max, or its default when absent.
 * @throws {RangeError} naming the option, the range and the value
 */
export function intOption(
  name: string,
  v: number | undefined,
  def: number,
  min: number,
  max = 2 ** 31,
): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`"${name}" expected an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function rpIdList(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new TypeError(`"enterpriseAttestationRpIds" expected an array of strings, got ${String(v)}`);
  }
  return [...(v as string[])];
}

/** Applies defaults and checks ranges. */
export function resolveManagementConfig(o: ManagementOptions): ManagementConfig {
  const u2f = o.u2f ?? false;
  if (u2f !== false && u2f !== 'dual' && u2f !== 'u2f-only') {
    throw new RangeError(`"u2f" expected 'dual', 'u2f-only' or false, got ${String(u2f)}`);
  }
  const s = o.fingerprintSensor ?? {};
  const blobs = intOption('maxSerializedLargeBlobArray', o.maxSerializedLargeBlobArray, 4096, 0, 1 << 24);
  if (blobs !== 0 && blobs < 1024) {
    throw new RangeError(`"maxSerializedLargeBlobArray" expected 0 or at least 1024, got ${blobs}`);
  }
  if (s.kind !== undefined && s.kind !== 'touch' && s.kind !== 'swipe') {
    throw new RangeError(`"fingerprintSensor.kind" expected 'touch' or 'swipe', got ${String(s.kind)}`);
  }
  return {
    u2f,
    maxSerializedLargeBlobArray: blobs,
    enterpriseAttestation: o.enterpriseAttestation ?? false,
    enterpriseAttestationRpIds: rpIdList(o.enterpriseAttestationRpIds),
    samplesRequired: intOption('fingerprintSensor.samplesRequired', s.samplesRequired, 4, 1, 32),
    maxTemplates: intOption('fingerprintSensor.maxTemplates', s.maxTemplates, 5, 1, 32),
    maxTemplateFriendlyName: intOption(
      'fingerprintSensor.maxTemplateFriendlyName',
      s.maxTemplateFriendlyName,
      64,
      1,
      255,
    ),
    fingerprintKind: s.kind === 'swipe' ? 2 : 1,
    maxRPIDsForSetMinPINLength: intOption(
      'maxRPIDsForSetMinPINLength',
      o.maxRPIDsForSetMinPINLength,
      4,
      0,
      64,
    ),
    preview: o.managementPreview ?? false,
    authnrCfg: o.authenticatorConfig ?? true,
    credMgmt: o.credentialManagement ?? true,
  };
}

/** The management config (defaults for a state saved before it existed). */
export function managementConfig(config: { management?: ManagementConfig }): ManagementConfig {
  return config.management ?? resolveManagementConfig({});
}

/**
 * pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7) the management commands make available
 * (cm and CTAP 2.2's pcmr, be, lbw, acfg), for a key with or without a fingerprint sensor.
 */
export function managementPermissions(config: { management?: ManagementConfig; sensor: boolean }): number {
  const m = managementConfig(config);
  const P = PIN_UV_AUTH_PERMISSIONS;
  let bits = 0;
  if (m.credMgmt && m.u2f !== 'u2f-only') bits |= P.cm | (m.preview ? 0 : P.pcmr);
  if (config.sensor) bits |= P.be;
  if (m.maxSerializedLargeBlobArray > 0) bits |= P.lbw;
  if (m.authnrCfg) bits |= P.acfg;
  return bits;
}
