/**
 * Shared state and checks of the key-management commands: credentialManagement, bioEnrollment,
 * authenticatorConfig, largeBlobs. Their getInfo members and the pinUvAuthToken check they share
 * live here; each command is its own file under commands/, their configuration in
 * management-config.ts.
 */

import { type CborValue, sha256 } from '@fido2kit/cose';
import { GET_INFO_KEYS } from '@fido2kit/ctap2';
import type { AuthenticatorCore } from './core.js';
import { fail } from './errors.js';
import { type ManagementConfig, managementConfig } from './management-config.js';
import type { TokenState } from './state.js';

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

/** 32 bytes of 0xff: the prefix of authenticatorConfig and largeBlobs MAC messages (CTAP 2.1 §6.10, §6.11). */
export const FF32: Uint8Array = new Uint8Array(32).fill(0xff);

/**
 * The management configuration for a management command, after the refusal they share: a key
 * that does not offer the command (`offered` is false) or speaks U2F only answers
 * CTAP1_ERR_INVALID_COMMAND.
 */
export function managementCommandConfig(
  core: AuthenticatorCore,
  offered: (m: ManagementConfig) => boolean,
): ManagementConfig {
  const m = managementConfig(core.config);
  if (!offered(m) || m.u2f === 'u2f-only') fail('CTAP1_ERR_INVALID_COMMAND');
  return m;
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
  // CTAP 2.2 §6.4: the persistent read-only credential-management token (pcmr) is offered
  if (m.credMgmt && !m.preview && (core.config.clientPin || core.config.sensor)) {
    options.set('perCredMgmtRO', true);
  }
  if (core.config.sensor)
    options.set(m.preview ? 'userVerificationMgmtPreview' : 'bioEnroll', core.uvConfigured);
  if (m.maxSerializedLargeBlobArray > 0) {
    options.set('largeBlobs', true);
    info.set(GET_INFO_KEYS.maxSerializedLargeBlobArray, m.maxSerializedLargeBlobArray);
  }
  if (m.authnrCfg) {
    options.set('authnrCfg', true);
    options.set('setMinPINLength', true);
    options.set('alwaysUv', s.alwaysUv);
    info.set(GET_INFO_KEYS.maxRPIDsForSetMinPINLength, m.maxRPIDsForSetMinPINLength);
  }
  if (m.enterpriseAttestation) options.set('ep', s.enterpriseAttestation === true);
}
