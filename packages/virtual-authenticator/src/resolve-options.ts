/**
 * The options of `new VirtualAuthenticator(options)` resolved: defaults applied, ranges checked
 * (RangeError/TypeError naming the option), and the initial persistent state of a new key.
 */
import { sha256, utf8Encode } from '@fido2kit/cose';
import { KEY_ALGORITHMS } from './keys.js';
import { intOption, resolveManagementConfig } from './management-config.js';
import { resolveAttestationIdentity } from './model.js';
import {
  ALL_EXTENSIONS,
  type AttestationKind,
  DEFAULT_AAGUID,
  DEFAULTS,
  type ResolvedConfig,
  type VirtualAuthenticatorOptions,
} from './options.js';
import { parseUuid } from './serialize.js';
import type { PersistentState } from './state.js';

const VALID_ATTESTATION: readonly AttestationKind[] = ['none', 'self', 'packed', 'fido-u2f'];

/** Applies defaults to the options and checks them. */
export function resolveConfig(o: VirtualAuthenticatorOptions): ResolvedConfig {
  const attestation = o.attestation ?? 'packed';
  if (!VALID_ATTESTATION.includes(attestation)) {
    throw new RangeError(
      `"attestation" expected one of ${VALID_ATTESTATION.join(', ')}, got ${String(attestation)}`,
    );
  }
  const algorithms = o.algorithms ?? [...DEFAULTS.algorithms];
  for (const a of algorithms) {
    if (!KEY_ALGORITHMS.has(a)) throw new RangeError(`"algorithms" contains unsupported algorithm ${a}`);
  }
  const protocols = o.pinUvAuthProtocols ?? [...DEFAULTS.pinUvAuthProtocols];
  for (const v of protocols) {
    if (v !== 1 && v !== 2) throw new RangeError(`"pinUvAuthProtocols" expected 1 or 2, got ${String(v)}`);
  }
  const extensions = o.extensions ?? [...ALL_EXTENSIONS];
  for (const e of extensions) {
    if (!ALL_EXTENSIONS.includes(e))
      throw new RangeError(`"extensions" contains unknown extension ${String(e)}`);
  }
  const minPinLength = intOption('minPinLength', o.minPinLength, DEFAULTS.minPinLength, 4, 63);
  if (o.attestationCa !== undefined) {
    const { privateKey, certificate } = o.attestationCa;
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
      throw new TypeError(
        '"attestationCa.privateKey" expected the P-256 private key as 32 raw bytes (a CryptoKey must be exported first)',
      );
    }
    if (!(certificate instanceof Uint8Array) || certificate.length < 100) {
      throw new TypeError('"attestationCa.certificate" expected the CA certificate as DER bytes');
    }
  }
  return {
    attestation,
    ...(o.attestationCa === undefined ? {} : { attestationCa: o.attestationCa }),
    attestationIdentity: resolveAttestationIdentity(
      o.attestationIdentity,
      aaguidBytes(o.aaguid),
      o.attestationCa !== undefined,
    ),
    clientPin: o.clientPin ?? true,
    sensor: o.fingerprints !== undefined,
    maxUvRetries: intOption('uvRetries', o.uvRetries, DEFAULTS.uvRetries, 1, 25),
    residentKeyCapacity: intOption(
      'residentKeyCapacity',
      o.residentKeyCapacity,
      DEFAULTS.residentKeyCapacity,
      0,
    ),
    algorithms,
    pinUvAuthProtocols: protocols,
    extensions: new Set(extensions),
    maxMsgSize: intOption('maxMsgSize', o.maxMsgSize, DEFAULTS.maxMsgSize, 64),
    maxCredentialCountInList: intOption(
      'maxCredentialCountInList',
      o.maxCredentialCountInList,
      DEFAULTS.maxCredentialCountInList,
      1,
    ),
    maxCredentialIdLength: intOption(
      'maxCredentialIdLength',
      o.maxCredentialIdLength,
      DEFAULTS.maxCredentialIdLength,
      32,
      1023,
    ),
    maxCredBlobLength: intOption(
      'maxCredBlobLength',
      o.maxCredBlobLength,
      DEFAULTS.maxCredBlobLength,
      32,
      64,
    ),
    makeCredUvNotRqd: o.makeCredUvNotRqd ?? true,
    transports: o.transports ?? ['usb'],
    firmwareVersion: intOption('firmwareVersion', o.firmwareVersion, 1, 0),
    factoryMinPinLength: minPinLength,
    factoryMinPinLengthRpIds: [...(o.minPinLengthRpIds ?? [])],
    factoryAlwaysUv: o.alwaysUv ?? false,
    presenceTimeoutMs: intOption('presenceTimeoutMs', o.presenceTimeoutMs, DEFAULTS.presenceTimeoutMs, 0),
    presenceDelayMs: intOption('presenceDelayMs', o.presenceDelayMs, 0, 0),
    keepaliveIntervalMs: intOption(
      'keepaliveIntervalMs',
      o.keepaliveIntervalMs,
      DEFAULTS.keepaliveIntervalMs,
      1,
    ),
    quirks: { ...(o.quirks ?? {}) },
    management: resolveManagementConfig(o),
  };
}

/** The AAGUID option as 16 bytes. */
function aaguidBytes(v: string | Uint8Array | undefined): Uint8Array {
  if (v === undefined) return parseUuid(DEFAULT_AAGUID)!;
  if (v instanceof Uint8Array) {
    if (v.length !== 16) throw new RangeError(`"aaguid" expected 16 bytes, got length=${v.length}`);
    return v.slice();
  }
  const b = typeof v === 'string' ? parseUuid(v) : undefined;
  if (b === undefined) throw new TypeError(`"aaguid" expected a UUID string or 16 bytes, got ${String(v)}`);
  return b;
}

/** The persistent state of a new key built with these options. */
export function initialState(
  o: VirtualAuthenticatorOptions,
  config: ResolvedConfig,
  random: (n: number) => Uint8Array,
) {
  const state: PersistentState = {
    aaguid: aaguidBytes(o.aaguid),
    secret: random(32),
    pinRetries: intOption('pinRetries', o.pinRetries, DEFAULTS.maxPinRetries, 0, DEFAULTS.maxPinRetries),
    forcePinChange: false,
    minPinLength: config.factoryMinPinLength,
    minPinLengthRpIds: [...config.factoryMinPinLengthRpIds],
    uvRetries: config.maxUvRetries,
    fingerprints: [],
    credentials: [],
    counters: new Map(),
    sequence: 0,
    alwaysUv: config.factoryAlwaysUv,
    attestation: {},
  };
  if (o.pin !== undefined) {
    if (typeof o.pin !== 'string') throw new TypeError('"pin" expected a string');
    const bytes = utf8Encode(o.pin);
    const codePoints = [...o.pin].length;
    if (codePoints < config.factoryMinPinLength || bytes.length > DEFAULTS.maxPinBytes) {
      throw new RangeError(
        `"pin" expected ${config.factoryMinPinLength} or more code points and at most 63 bytes, got ${codePoints}`,
      );
    }
    if (!config.clientPin) throw new RangeError('"pin" given but "clientPin" is false');
    state.pinHash = sha256(bytes).slice(0, 16);
    state.pinCodePoints = codePoints;
  }
  const count = intOption('fingerprints', o.fingerprints, 0, 0, 10);
  for (let i = 0; i < count; i++) state.fingerprints.push({ id: random(8), name: `Finger ${i + 1}` });
  return state;
}
