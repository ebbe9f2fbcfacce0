/**
 * Configuration and shared state of the key-management commands: credentialManagement,
 * bioEnrollment, authenticatorConfig, largeBlobs, and CTAP1/U2F. Their getInfo members and the
 * pinUvAuthToken checks they share live here; each command is its own file under commands/.
 */
import { type CborValue, sha256 } from '@fido2kit/cose';
import type { AuthenticatorCore, ResolvedConfig } from './core.js';
import { fail } from './errors.js';
import type { TokenState } from './state.js';

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

function int(name: string, v: number | undefined, def: number, min: number, max: number): number {
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
  const blobs = int('maxSerializedLargeBlobArray', o.maxSerializedLargeBlobArray, 4096, 0, 1 << 24);
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
    samplesRequired: int('fingerprintSensor.samplesRequired', s.samplesRequired, 4, 1, 32),
    maxTemplates: int('fingerprintSensor.maxTemplates', s.maxTemplates, 5, 1, 32),
    maxTemplateFriendlyName: int(
      'fingerprintSensor.maxTemplateFriendlyName',
      s.maxTemplateFriendlyName,
      64,
      1,
      255,
    ),
    fingerprintKind: s.kind === 'swipe' ? 2 : 1,
    maxRPIDsForSetMinPINLength: int('maxRPIDsForSetMinPINLength', o.maxRPIDsForSetMinPINLength, 4, 0, 64),
    preview: o.managementPreview ?? false,
    authnrCfg: o.authenticatorConfig ?? true,
    credMgmt: o.credentialManagement ?? true,
  };
}

/** The management config of a core (defaults for a state saved before it existed). */
export function managementConfig(config: ResolvedConfig): ManagementConfig {
  return config.management ?? resolveManagementConfig({});
}

/** pinUvAuthToken permissions the management commands make available (cm, be, lbw, acfg). */
export function managementPermissions(config: ResolvedConfig): number {
  const m = managementConfig(config);
  let bits = 0;
  if (m.credMgmt && m.u2f !== 'u2f-only') bits |= PERMISSIONS.cm;
  if (config.sensor) bits |= PERMISSIONS.be;
  if (m.maxSerializedLargeBlobArray > 0) bits |= PERMISSIONS.lbw;
  if (m.authnrCfg) bits |= PERMISSIONS.acfg;
  return bits;
}

/** A credential-management enumeration in progress (enumerateRPs / enumerateCredentials). */
export interface EnumerationCursor {
  kind: 'rps' | 'credentials';
  items: Map<number, CborValue>[];
  next: number;
}

/** A fingerprint enrollment in progress. */
export interface EnrollmentInProgress {
  templateId: Uint8Array;
  remainingSamples: number;
  samplesTaken: number;
}

/** A large-blob write in progress. */
export interface LargeBlobWrite {
  expectedLength: number;
  expectedNextOffset: number;
  parts: Uint8Array[];
}

/** What a power cycle clears (kept beside the core's own volatile state). */
export interface ManagementVolatile {
  enumeration?: EnumerationCursor;
  enrollment?: EnrollmentInProgress;
  largeBlobWrite?: LargeBlobWrite;
}

/** pinUvAuthToken permission bits (CTAP 2.1 §6.5.5.7), as core.ts's PERMISSIONS. */
const PERMISSIONS = { cm: 0x04, be: 0x08, lbw: 0x10, acfg: 0x20 } as const;

const volatiles = new WeakMap<object, ManagementVolatile>();

/** The management volatile state of the core's current power-up. */
export function managementVolatile(core: AuthenticatorCore): ManagementVolatile {
  // keyed by the core's volatile object, so powerCycle() and reset clear it
  let v = volatiles.get(core.volatile);
  if (v === undefined) {
    v = {};
    volatiles.set(core.volatile, v);
  }
  return v;
}

/** The initial serialized large-blob array (CTAP 2.1 §6.10.1): 0x80 ‖ LEFT(SHA-256(0x80), 16). */
export function initialLargeBlobArray(): Uint8Array {
  const out = new Uint8Array(17);
  out[0] = 0x80;
  out.set(sha256(Uint8Array.of(0x80)).subarray(0, 16), 1);
  return out;
}

/**
 * The pinUvAuthParam check the management commands share: present, protocol present and
 * supported, MAC over `message`, and (unless `permission` is 0) the permission bit.
 */
export function checkManagementToken(
  core: AuthenticatorCore,
  protocol: number | undefined,
  param: Uint8Array | undefined,
  message: Uint8Array,
  permission: number,
): TokenState {
  if (param === undefined) fail('CTAP2_ERR_PUAT_REQUIRED');
  if (protocol === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
  if (!core.protocols.has(protocol)) fail('CTAP1_ERR_INVALID_PARAMETER');
  const t = core.verifyToken(protocol, message, param);
  if (t === undefined) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  if (permission !== 0 && (t.permissions & permission) === 0) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  t.used = true;
  return t;
}

/** getInfo versions: FIDO_2_1 (or FIDO_2_1_PRE for a preview key), and U2F_V2 when dual. */
export function infoVersions(core: AuthenticatorCore): string[] {
  const m = managementConfig(core.config);
  const v = m.u2f === 'dual' ? ['U2F_V2', 'FIDO_2_0'] : ['FIDO_2_0'];
  v.push(m.preview ? 'FIDO_2_1_PRE' : 'FIDO_2_1');
  return v;
}

/** Adds the management options and members to a getInfo response. */
export function addManagementInfo(
  core: AuthenticatorCore,
  info: Map<number, CborValue>,
  options: Map<string, CborValue>,
): void {
  const m = managementConfig(core.config);
  const s = core.state;
  if (m.credMgmt) options.set(m.preview ? 'credentialMgmtPreview' : 'credMgmt', true);
  if (core.config.sensor)
    options.set(m.preview ? 'userVerificationMgmtPreview' : 'bioEnroll', core.uvConfigured);
  if (m.maxSerializedLargeBlobArray > 0) {
    options.set('largeBlobs', true);
    info.set(0x0b, m.maxSerializedLargeBlobArray);
  }
  if (m.authnrCfg) {
    options.set('authnrCfg', true);
    options.set('setMinPINLength', true);
    options.set('alwaysUv', s.alwaysUv);
    info.set(0x10, m.maxRPIDsForSetMinPINLength);
  }
  if (m.enterpriseAttestation) options.set('ep', s.enterpriseAttestation === true);
}
