/**
 * authenticatorGetInfo (CTAP 2.1 §6.4): every member typed, the CTAP 2.2 additions too, and
 * anything newer kept in `unknown`.
 */
import { type CborValue, formatUuid } from '@fido2kit/cose';
import { type CborMap, invalidResponse, isString, isUint, ResponseReader } from './_assert.js';

/**
 * getInfo member keys (CTAP 2.1 §6.4; 0x16 and later are CTAP 2.2 §6.4, the Proposed Standard
 * of 2025-07-14).
 */
export const GET_INFO_KEYS = {
  versions: 0x01,
  extensions: 0x02,
  aaguid: 0x03,
  options: 0x04,
  maxMsgSize: 0x05,
  pinUvAuthProtocols: 0x06,
  maxCredentialCountInList: 0x07,
  maxCredentialIdLength: 0x08,
  transports: 0x09,
  algorithms: 0x0a,
  maxSerializedLargeBlobArray: 0x0b,
  forcePINChange: 0x0c,
  minPINLength: 0x0d,
  firmwareVersion: 0x0e,
  maxCredBlobLength: 0x0f,
  maxRPIDsForSetMinPINLength: 0x10,
  preferredPlatformUvAttempts: 0x11,
  uvModality: 0x12,
  certifications: 0x13,
  remainingDiscoverableCredentials: 0x14,
  vendorPrototypeConfigCommands: 0x15,
  attestationFormats: 0x16,
  uvCountSinceLastPinEntry: 0x17,
  longTouchForReset: 0x18,
  encIdentifier: 0x19,
  transportsForReset: 0x1a,
  pinComplexityPolicy: 0x1b,
  pinComplexityPolicyURL: 0x1c,
  maxPINLength: 0x1d,
  encCredStoreState: 0x1e,
  authenticatorConfigCommands: 0x1f,
} as const;

/** The default maxMsgSize when the authenticator names none (CTAP 2.1 §6.4). */
export const DEFAULT_MAX_MSG_SIZE = 1024;

/** A PublicKeyCredentialParameters entry (WebAuthn §5.3). */
export interface PublicKeyCredentialParameters {
  type: string;
  alg: number;
}

/**
 * The authenticator's getInfo response, every CTAP 2.1 §6.4 member typed. Defaults the spec
 * gives are applied (`forcePINChange` false, `minPINLength` 4, `maxMsgSize` 1024).
 */
export interface AuthenticatorInfo {
  /** 0x01: "FIDO_2_0", "FIDO_2_1_PRE", "FIDO_2_1", "U2F_V2", … */
  versions: string[];
  /** 0x02: extension identifiers. */
  extensions: string[];
  /** 0x03: the AAGUID as a lower-case UUID string. */
  aaguid: string;
  /** 0x03 as bytes. */
  aaguidBytes: Uint8Array;
  /** 0x04: options (rk, up, uv, plat, clientPin, pinUvAuthToken, credMgmt, bioEnroll, …). */
  options: Record<string, boolean>;
  /** 0x05: largest message; 1024 when absent. */
  maxMsgSize: number;
  /** 0x06: PIN/UV auth protocols, most preferred first. */
  pinUvAuthProtocols: number[];
  /** 0x07 */
  maxCredentialCountInList?: number;
  /** 0x08 */
  maxCredentialIdLength?: number;
  /** 0x09: "usb", "nfc", "ble", "internal", "hybrid". */
  transports: string[];
  /** 0x0A: supported algorithms, most preferred first. */
  algorithms?: PublicKeyCredentialParameters[];
  /** 0x0B */
  maxSerializedLargeBlobArray?: number;
  /** 0x0C: false when absent. */
  forcePINChange: boolean;
  /** 0x0D: 4 when absent. */
  minPINLength: number;
  /** 0x0E */
  firmwareVersion?: number;
  /** 0x0F */
  maxCredBlobLength?: number;
  /** 0x10 */
  maxRPIDsForSetMinPINLength?: number;
  /** 0x11 */
  preferredPlatformUvAttempts?: number;
  /** 0x12: a FIDO Registry USER_VERIFY_* bit set. */
  uvModality?: number;
  /** 0x13: certification name → level. */
  certifications?: Record<string, number>;
  /** 0x14 */
  remainingDiscoverableCredentials?: number;
  /** 0x15 */
  vendorPrototypeConfigCommands?: number[];
  /** 0x16 (CTAP 2.2) */
  attestationFormats?: string[];
  /** 0x17 (CTAP 2.2) */
  uvCountSinceLastPinEntry?: number;
  /** 0x18 (CTAP 2.2) */
  longTouchForReset?: boolean;
  /** 0x19 (CTAP 2.2) */
  encIdentifier?: Uint8Array;
  /** 0x1A (CTAP 2.2) */
  transportsForReset?: string[];
  /** 0x1B (CTAP 2.2) */
  pinComplexityPolicy?: boolean;
  /** 0x1C (CTAP 2.2) */
  pinComplexityPolicyURL?: Uint8Array;
  /** 0x1D (CTAP 2.2) */
  maxPINLength?: number;
  /**
   * 0x1E (CTAP 2.2): the credential store's state, encrypted under a key derived from the
   * persistentPinUvAuthToken (permission pcmr); it changes when discoverable credentials do.
   */
  encCredStoreState?: Uint8Array;
  /** 0x1F (CTAP 2.2): the authenticatorConfig subcommands the key supports. */
  authenticatorConfigCommands?: number[];
  /** Members this client does not know, by key. */
  unknown: Map<CborValue, CborValue>;
}

const KNOWN = new Set<CborValue>(Object.values(GET_INFO_KEYS));

function algorithm(v: CborValue): PublicKeyCredentialParameters | undefined {
  if (!(v instanceof Map)) return undefined;
  const type = v.get('type');
  const alg = v.get('alg');
  if (typeof type !== 'string' || typeof alg !== 'number' || !Number.isInteger(alg)) return undefined;
  return { type, alg };
}

/**
 * Parses a getInfo response map into {@link AuthenticatorInfo}.
 *
 * Spec: CTAP 2.1 §6.4 authenticatorGetInfo.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE` when a member has the wrong type or a
 *   required one (versions, aaguid) is missing
 * @example
 * ```ts
 * const info = parseAuthenticatorInfo(decode(body));
 * info.options.clientPin; info.pinUvAuthProtocols; info.aaguid;
 * ```
 */
export function parseAuthenticatorInfo(value: unknown): AuthenticatorInfo {
  const r = new ResponseReader(value, 'getInfo');
  const K = GET_INFO_KEYS;
  const strings = (k: number) => r.arrayOf(k, isString, 'text strings');
  const uints = (k: number) => r.arrayOf(k, isUint, 'unsigned integers');
  const versions = strings(K.versions);
  if (versions === undefined) invalidResponse('getInfo lacks versions (0x01)');
  const aaguidBytes = r.bytes(K.aaguid, true);
  if (aaguidBytes.length !== 16)
    invalidResponse(`getInfo aaguid expected 16 bytes, got ${aaguidBytes.length}`);
  const options: Record<string, boolean> = {};
  for (const [k, v] of r.cborMap(K.options) ?? new Map()) {
    if (typeof k !== 'string' || typeof v !== 'boolean')
      invalidResponse('getInfo options must map text to booleans');
    options[k] = v;
  }
  let certifications: Record<string, number> | undefined;
  const certs = r.cborMap(K.certifications);
  if (certs !== undefined) {
    certifications = {};
    for (const [k, v] of certs) {
      if (typeof k !== 'string' || isUint(v) === undefined)
        invalidResponse('getInfo certifications must map text to integers');
      certifications[k] = v as number;
    }
  }
  const unknown = new Map<CborValue, CborValue>();
  for (const [k, v] of r.map) if (!KNOWN.has(k)) unknown.set(k, v);
  const info: AuthenticatorInfo = {
    versions,
    extensions: strings(K.extensions) ?? [],
    aaguid: formatUuid(aaguidBytes),
    aaguidBytes: aaguidBytes.slice(),
    options,
    maxMsgSize: r.uint(K.maxMsgSize) ?? DEFAULT_MAX_MSG_SIZE,
    pinUvAuthProtocols: uints(K.pinUvAuthProtocols) ?? [],
    transports: strings(K.transports) ?? [],
    forcePINChange: r.bool(K.forcePINChange) ?? false,
    minPINLength: r.uint(K.minPINLength) ?? 4,
    unknown,
  };
  const optional: Partial<AuthenticatorInfo> = {
    maxCredentialCountInList: r.uint(K.maxCredentialCountInList),
    maxCredentialIdLength: r.uint(K.maxCredentialIdLength),
    algorithms: r.arrayOf(K.algorithms, algorithm, 'PublicKeyCredentialParameters'),
    maxSerializedLargeBlobArray: r.uint(K.maxSerializedLargeBlobArray),
    firmwareVersion: r.uint(K.firmwareVersion),
    maxCredBlobLength: r.uint(K.maxCredBlobLength),
    maxRPIDsForSetMinPINLength: r.uint(K.maxRPIDsForSetMinPINLength),
    preferredPlatformUvAttempts: r.uint(K.preferredPlatformUvAttempts),
    uvModality: r.uint(K.uvModality),
    certifications,
    remainingDiscoverableCredentials: r.uint(K.remainingDiscoverableCredentials),
    vendorPrototypeConfigCommands: uints(K.vendorPrototypeConfigCommands),
    attestationFormats: strings(K.attestationFormats),
    uvCountSinceLastPinEntry: r.uint(K.uvCountSinceLastPinEntry),
    longTouchForReset: r.bool(K.longTouchForReset),
    encIdentifier: r.bytes(K.encIdentifier)?.slice(),
    transportsForReset: strings(K.transportsForReset),
    pinComplexityPolicy: r.bool(K.pinComplexityPolicy),
    pinComplexityPolicyURL: r.bytes(K.pinComplexityPolicyURL)?.slice(),
    maxPINLength: r.uint(K.maxPINLength),
    encCredStoreState: r.bytes(K.encCredStoreState)?.slice(),
    authenticatorConfigCommands: uints(K.authenticatorConfigCommands),
  };
  for (const [k, v] of Object.entries(optional)) {
    if (v !== undefined) (info as unknown as Record<string, unknown>)[k] = v;
  }
  return info;
}

/**
 * True when the authenticator speaks CTAP 2.1 (or its preview, or 2.2).
 * @example
 * ```ts
 * if (isCtap21(ctap.info)) await ctap.selection();
 * ```
 */
export function isCtap21(info: AuthenticatorInfo): boolean {
  return info.versions.some((v) => v === 'FIDO_2_1' || v === 'FIDO_2_1_PRE' || v.startsWith('FIDO_2_2'));
}

export type { CborMap };
