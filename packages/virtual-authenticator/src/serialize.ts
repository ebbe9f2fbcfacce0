/** exportState / fromState: the authenticator's persistent state as JSON-serialisable data. */
import { base64url, formatUuid } from '@fido2kit/cose';
import { VirtualAuthenticatorError } from './errors.js';
import type { ExtensionName, ResolvedConfig } from './options.js';
import type { PersistentState } from './state.js';

/**
 * The configuration part of an exported state: the resolved configuration, less the attestation
 * CA (its key and certificate are kept in the state's attestation member), with the extensions
 * as a list.
 */
export type SerializedConfig = Omit<ResolvedConfig, 'attestationCa' | 'extensions'> & {
  extensions: ExtensionName[];
};

/**
 * The JSON form of a runtime type: byte strings become base64url strings, maps with string keys
 * become records. The saved state is this of the runtime `PersistentState`, so its shape is written
 * once (state.ts) and the compiler keeps the two in step.
 */
export type JsonForm<T> = T extends Uint8Array
  ? string
  : T extends Map<string, infer V>
    ? Record<string, JsonForm<V>>
    : T extends readonly (infer E)[]
      ? JsonForm<E>[]
      : T extends object
        ? { [K in keyof T]: JsonForm<T[K]> }
        : T;

/**
 * Everything a virtual authenticator needs to come back as the same key: JSON-serialisable,
 * byte strings as base64url (the AAGUID as a UUID string). Treat it as a secret: it holds every
 * credential's key material.
 */
export type VirtualAuthenticatorState = {
  format: 'fido2kit-virtual-authenticator';
  version: 1;
  config: SerializedConfig;
} & JsonForm<PersistentState>;

const b = base64url.encode;

/** A deep copy of the configuration's data (it holds no functions), ready for JSON. */
function serializedConfig(config: ResolvedConfig): SerializedConfig {
  const { attestationCa: _ca, extensions, ...data } = config;
  return { ...structuredClone(data), extensions: [...extensions] };
}

export function serializeState(config: ResolvedConfig, s: PersistentState): VirtualAuthenticatorState {
  const attestation: VirtualAuthenticatorState['attestation'] = {};
  for (const [k, v] of Object.entries(s.attestation)) {
    if (v instanceof Uint8Array) attestation[k as keyof typeof attestation] = b(v);
  }
  return {
    format: 'fido2kit-virtual-authenticator',
    version: 1,
    config: serializedConfig(config),
    aaguid: formatUuid(s.aaguid),
    secret: b(s.secret),
    ...(s.pinHash === undefined ? {} : { pinHash: b(s.pinHash) }),
    ...(s.pinCodePoints === undefined ? {} : { pinCodePoints: s.pinCodePoints }),
    pinRetries: s.pinRetries,
    forcePinChange: s.forcePinChange,
    minPinLength: s.minPinLength,
    minPinLengthRpIds: [...s.minPinLengthRpIds],
    uvRetries: s.uvRetries,
    alwaysUv: s.alwaysUv,
    ...(s.largeBlobArray === undefined ? {} : { largeBlobArray: b(s.largeBlobArray) }),
    ...(s.enterpriseAttestation === true ? { enterpriseAttestation: true } : {}),
    ...(s.persistentToken === undefined ? {} : { persistentToken: b(s.persistentToken) }),
    fingerprints: s.fingerprints.map((f) => ({
      id: b(f.id),
      ...(f.name === undefined ? {} : { name: f.name }),
    })),
    credentials: s.credentials.map((c) => ({
      id: b(c.id),
      rpId: c.rpId,
      ...(c.rpName === undefined ? {} : { rpName: c.rpName }),
      user: {
        id: b(c.user.id),
        ...(c.user.name === undefined ? {} : { name: c.user.name }),
        ...(c.user.displayName === undefined ? {} : { displayName: c.user.displayName }),
      },
      created: c.created,
    })),
    counters: Object.fromEntries(s.counters),
    sequence: s.sequence,
    attestation,
  };
}

function bad(message: string, cause?: unknown): never {
  throw new VirtualAuthenticatorError(
    'ERR_INVALID_STATE',
    `invalid virtual authenticator state: ${message}`,
    {
      cause,
    },
  );
}

/** Parses a UUID string ("xxxxxxxx-xxxx-…") into 16 bytes; undefined when malformed. */
export function parseUuid(text: string): Uint8Array | undefined {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function deserializeState(input: unknown): {
  config: Omit<ResolvedConfig, 'extensions'> & { extensions: ExtensionName[] };
  state: PersistentState;
} {
  if (input === null || typeof input !== 'object') bad('expected an object');
  const j = input as VirtualAuthenticatorState;
  if (j.format !== 'fido2kit-virtual-authenticator' || j.version !== 1) bad('unknown format or version');
  try {
    const d = (v: unknown, what: string): Uint8Array => {
      if (typeof v !== 'string') bad(`${what} expected a base64url string`);
      return base64url.decode(v);
    };
    const n = (v: unknown, what: string): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        bad(`${what} expected a non-negative integer`);
      return v;
    };
    const aaguid = typeof j.aaguid === 'string' ? parseUuid(j.aaguid) : undefined;
    if (aaguid === undefined) bad('aaguid expected a UUID');
    const attestation: PersistentState['attestation'] = {};
    for (const [k, v] of Object.entries(j.attestation ?? {})) {
      if (['caKey', 'caCert', 'leafKey', 'leafCert', 'u2fKey', 'u2fCert'].includes(k)) {
        attestation[k as keyof typeof attestation] = d(v, `attestation.${k}`);
      }
    }
    const c = j.config;
    if (c === null || typeof c !== 'object') bad('config expected an object');
    const state: PersistentState = {
      aaguid,
      secret: d(j.secret, 'secret'),
      ...(j.pinHash === undefined ? {} : { pinHash: d(j.pinHash, 'pinHash') }),
      ...(j.pinCodePoints === undefined ? {} : { pinCodePoints: n(j.pinCodePoints, 'pinCodePoints') }),
      pinRetries: n(j.pinRetries, 'pinRetries'),
      forcePinChange: j.forcePinChange === true,
      minPinLength: n(j.minPinLength, 'minPinLength'),
      minPinLengthRpIds: Array.isArray(j.minPinLengthRpIds) ? j.minPinLengthRpIds.map(String) : [],
      uvRetries: n(j.uvRetries, 'uvRetries'),
      alwaysUv: j.alwaysUv === true,
      ...(j.largeBlobArray === undefined ? {} : { largeBlobArray: d(j.largeBlobArray, 'largeBlobArray') }),
      ...(j.enterpriseAttestation === true ? { enterpriseAttestation: true } : {}),
      ...(j.persistentToken === undefined
        ? {}
        : { persistentToken: d(j.persistentToken, 'persistentToken') }),
      fingerprints: (j.fingerprints ?? []).map((f) => ({
        id: d(f.id, 'fingerprint id'),
        ...(typeof f.name === 'string' ? { name: f.name } : {}),
      })),
      credentials: (j.credentials ?? []).map((r) => {
        if (typeof r.rpId !== 'string' || r.user === null || typeof r.user !== 'object') bad('credential');
        return {
          id: d(r.id, 'credential id'),
          rpId: r.rpId,
          ...(typeof r.rpName === 'string' ? { rpName: r.rpName } : {}),
          user: {
            id: d(r.user.id, 'user id'),
            ...(typeof r.user.name === 'string' ? { name: r.user.name } : {}),
            ...(typeof r.user.displayName === 'string' ? { displayName: r.user.displayName } : {}),
          },
          created: n(r.created, 'created'),
        };
      }),
      counters: new Map(Object.entries(j.counters ?? {}).map(([k, v]) => [k, n(v, 'counter')])),
      sequence: n(j.sequence, 'sequence'),
      attestation,
    };
    if (state.secret.length !== 32) bad('secret expected 32 bytes');
    return { config: { ...c, quirks: { ...(c.quirks ?? {}) } }, state };
  } catch (e) {
    if (e instanceof VirtualAuthenticatorError) throw e;
    bad('malformed', e);
  }
}
