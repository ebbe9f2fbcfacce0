/**
 * The messages of the raw CTAP 2.1 commands (§6.1 makeCredential, §6.2 getAssertion, §6.3
 * getNextAssertion): key tables, parameter and result types, the one request encoder and the
 * response parsers. {@link Ctap2} sends them.
 */
import { type AuthenticatorData, type CborValue, encode, parseAuthenticatorData } from '@fido2kit/cose';
import { type CborMap, invalidResponse, ResponseReader } from './_assert.js';
import type { PublicKeyCredentialParameters } from './info.js';

/** authenticatorMakeCredential parameter keys (CTAP 2.1 §6.1; 0x0B is CTAP 2.2). */
export const MAKE_CREDENTIAL_KEYS = {
  clientDataHash: 0x01,
  rp: 0x02,
  user: 0x03,
  pubKeyCredParams: 0x04,
  excludeList: 0x05,
  extensions: 0x06,
  options: 0x07,
  pinUvAuthParam: 0x08,
  pinUvAuthProtocol: 0x09,
  enterpriseAttestation: 0x0a,
  attestationFormatsPreference: 0x0b,
} as const;

/** authenticatorMakeCredential response keys (CTAP 2.1 §6.1; 0x06 is CTAP 2.2). */
export const MAKE_CREDENTIAL_RESPONSE_KEYS = {
  fmt: 0x01,
  authData: 0x02,
  attStmt: 0x03,
  epAtt: 0x04,
  largeBlobKey: 0x05,
  unsignedExtensionOutputs: 0x06,
} as const;

/** authenticatorGetAssertion parameter keys (CTAP 2.1 §6.2). */
export const GET_ASSERTION_KEYS = {
  rpId: 0x01,
  clientDataHash: 0x02,
  allowList: 0x03,
  extensions: 0x04,
  options: 0x05,
  pinUvAuthParam: 0x06,
  pinUvAuthProtocol: 0x07,
} as const;

/** authenticatorGetAssertion / GetNextAssertion response keys (CTAP 2.1 §6.2; 0x08 is CTAP 2.2). */
export const GET_ASSERTION_RESPONSE_KEYS = {
  credential: 0x01,
  authData: 0x02,
  signature: 0x03,
  user: 0x04,
  numberOfCredentials: 0x05,
  userSelected: 0x06,
  largeBlobKey: 0x07,
  unsignedExtensionOutputs: 0x08,
} as const;

/** PublicKeyCredentialRpEntity (WebAuthn §5.4.2). */
export interface PublicKeyCredentialRpEntity {
  id: string;
  name?: string;
  icon?: string;
}

/** PublicKeyCredentialUserEntity (WebAuthn §5.4.3), `id` as bytes. */
export interface PublicKeyCredentialUserEntity {
  id: Uint8Array;
  name?: string;
  displayName?: string;
  icon?: string;
}

/** PublicKeyCredentialDescriptor (WebAuthn §5.8.3), `id` as bytes. */
export interface PublicKeyCredentialDescriptor {
  type: string;
  id: Uint8Array;
  transports?: string[];
}

export type { PublicKeyCredentialParameters };

/** Authenticator options of a request (CTAP 2.1 §6.1 "options"). */
export interface RequestOptions {
  rk?: boolean;
  up?: boolean;
  uv?: boolean;
}

/** Extension inputs or outputs: identifier → CBOR value. */
export type ExtensionMap = Record<string, CborValue>;

/** authenticatorMakeCredential parameters (CTAP 2.1 §6.1), named as the spec names them. */
export interface MakeCredentialParams {
  clientDataHash: Uint8Array;
  rp: PublicKeyCredentialRpEntity;
  user: PublicKeyCredentialUserEntity;
  pubKeyCredParams: PublicKeyCredentialParameters[];
  excludeList?: PublicKeyCredentialDescriptor[];
  extensions?: ExtensionMap;
  options?: RequestOptions;
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
  enterpriseAttestation?: number;
  attestationFormatsPreference?: string[];
}

/** authenticatorMakeCredential response (CTAP 2.1 §6.1), with parsed authenticator data. */
export interface MakeCredentialResult {
  fmt: string;
  authData: Uint8Array;
  /** The attestation statement, as decoded (text keys). */
  attStmt: CborMap;
  epAtt?: boolean;
  largeBlobKey?: Uint8Array;
  unsignedExtensionOutputs?: CborMap;
  authenticatorData: AuthenticatorData;
  /** The WebAuthn attestation object {fmt, attStmt, authData} in canonical CBOR. */
  attestationObject: Uint8Array;
}

/** authenticatorGetAssertion parameters (CTAP 2.1 §6.2). */
export interface GetAssertionParams {
  rpId: string;
  clientDataHash: Uint8Array;
  allowList?: PublicKeyCredentialDescriptor[];
  extensions?: ExtensionMap;
  options?: RequestOptions;
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
}

/** authenticatorGetAssertion / GetNextAssertion response (CTAP 2.1 §6.2, §6.3). */
export interface GetAssertionResult {
  credential: PublicKeyCredentialDescriptor;
  authData: Uint8Array;
  signature: Uint8Array;
  user?: PublicKeyCredentialUserEntity;
  numberOfCredentials?: number;
  userSelected?: boolean;
  largeBlobKey?: Uint8Array;
  unsignedExtensionOutputs?: CborMap;
  authenticatorData: AuthenticatorData;
}

function toMap(record: Record<string, unknown> | undefined): Map<string, unknown> | undefined {
  if (record === undefined) return undefined;
  const m = new Map<string, unknown>();
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (v !== undefined) m.set(k, v);
  }
  return m;
}

function descriptor(d: PublicKeyCredentialDescriptor): Map<string, unknown> {
  const m = new Map<string, unknown>([
    ['id', d.id],
    ['type', d.type],
  ]);
  if (d.transports !== undefined) m.set('transports', d.transports);
  return m;
}

function entity(e: object): Map<string, unknown> {
  return toMap(e as Record<string, unknown>) as Map<string, unknown>;
}

/** How one request member is carried in CBOR, by its CTAP name. */
function cborMember(name: string, v: unknown): unknown {
  if (v === undefined) return undefined;
  switch (name) {
    case 'rp':
    case 'user':
      return entity(v as object);
    case 'pubKeyCredParams':
      return (v as PublicKeyCredentialParameters[]).map(
        (p) =>
          new Map<string, unknown>([
            ['alg', p.alg],
            ['type', p.type],
          ]),
      );
    case 'excludeList':
    case 'allowList': {
      const list = v as PublicKeyCredentialDescriptor[];
      return list.length > 0 ? list.map(descriptor) : undefined;
    }
    case 'extensions':
    case 'options':
      return Object.keys(v as object).length > 0 ? toMap(v as Record<string, unknown>) : undefined;
    default:
      return v;
  }
}

// The key tables are constants: their entries are listed once, not on every request.
const entriesOf = new WeakMap<object, [string, number][]>();
function tableEntries(keys: Readonly<Record<string, number>>): [string, number][] {
  let entries = entriesOf.get(keys);
  if (entries === undefined) {
    entries = Object.entries(keys);
    entriesOf.set(keys, entries);
  }
  return entries;
}

/**
 * Builds a command's parameter map from its members named as the spec names them: the one
 * encoder of makeCredential and getAssertion requests (CTAP 2.1 §6.1, §6.2). Empty lists,
 * extensions and options are left out, as CTAP 2.1 §6.1 asks.
 * @param keys the command's key table ({@link MAKE_CREDENTIAL_KEYS}, {@link GET_ASSERTION_KEYS})
 * @param params the members, by name
 * @returns the request map for {@link Ctap2.send}
 * @example
 * ```ts
 * const req = encodeRequest(GET_ASSERTION_KEYS, { rpId: 'example.com', clientDataHash });
 * ```
 */
export function encodeRequest<K extends Readonly<Record<string, number>>>(
  keys: K,
  params: { readonly [P in keyof K]?: unknown },
): Map<CborValue, CborValue> {
  const req = new Map<CborValue, CborValue>();
  for (const [name, key] of tableEntries(keys)) {
    const v = cborMember(name, (params as Record<string, unknown>)[name]);
    if (v !== undefined) req.set(key, v as CborValue);
  }
  return req;
}

function parseDescriptor(v: unknown): PublicKeyCredentialDescriptor {
  const r = new ResponseReader(v, 'credential descriptor');
  const d: PublicKeyCredentialDescriptor = { type: r.string('type', true), id: r.bytes('id', true).slice() };
  const transports = r.arrayOf('transports', (t) => (typeof t === 'string' ? t : undefined), 'text strings');
  if (transports !== undefined) d.transports = transports;
  return d;
}

function parseUser(v: unknown): PublicKeyCredentialUserEntity {
  const r = new ResponseReader(v, 'user entity');
  const u: PublicKeyCredentialUserEntity = { id: r.bytes('id', true).slice() };
  for (const k of ['name', 'displayName', 'icon'] as const) {
    const s = r.string(k);
    if (s !== undefined) u[k] = s;
  }
  return u;
}

function authenticatorData(bytes: Uint8Array): AuthenticatorData {
  try {
    return parseAuthenticatorData(bytes);
  } catch (e) {
    return invalidResponse(`authenticator data is malformed: ${(e as Error).message}`, e);
  }
}

/** The members both responses end with: largeBlobKey (32 bytes) and unsignedExtensionOutputs. */
function readLargeBlobKeyAndUnsignedOutputs(
  r: ResponseReader,
  K: { readonly largeBlobKey: number; readonly unsignedExtensionOutputs: number },
  result: { largeBlobKey?: Uint8Array; unsignedExtensionOutputs?: CborMap },
): void {
  const lbk = r.bytes(K.largeBlobKey);
  if (lbk !== undefined) {
    if (lbk.length !== 32) invalidResponse(`largeBlobKey expected 32 bytes, got ${lbk.length}`);
    result.largeBlobKey = lbk.slice();
  }
  const ueo = r.cborMap(K.unsignedExtensionOutputs);
  if (ueo !== undefined) result.unsignedExtensionOutputs = ueo;
}

/**
 * Parses an authenticatorMakeCredential response map (CTAP 2.1 §6.1).
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const result = parseMakeCredentialResponse(decode(body));
 * ```
 */
export function parseMakeCredentialResponse(value: unknown): MakeCredentialResult {
  const K = MAKE_CREDENTIAL_RESPONSE_KEYS;
  const r = new ResponseReader(value, 'makeCredential');
  const fmt = r.string(K.fmt, true);
  const authData = r.bytes(K.authData, true).slice();
  const attStmt = r.cborMap(K.attStmt, true);
  for (const k of attStmt.keys()) if (typeof k !== 'string') invalidResponse('attStmt keys must be text');
  const ad = authenticatorData(authData);
  if (ad.attestedCredentialData === undefined)
    invalidResponse('makeCredential authData lacks attested credential data');
  let attestationObject: Uint8Array;
  try {
    attestationObject = encode(
      new Map<CborValue, CborValue>([
        ['fmt', fmt],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
  } catch (e) {
    return invalidResponse('attStmt cannot be re-encoded', e);
  }
  const result: MakeCredentialResult = { fmt, authData, attStmt, authenticatorData: ad, attestationObject };
  const epAtt = r.bool(K.epAtt);
  if (epAtt !== undefined) result.epAtt = epAtt;
  readLargeBlobKeyAndUnsignedOutputs(r, K, result);
  return result;
}

/**
 * Parses an authenticatorGetAssertion / GetNextAssertion response map (CTAP 2.1 §6.2). When the
 * authenticator leaves out `credential` (allowed when the allowList had exactly one entry),
 * `allowListSingle` fills it in.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const assertion = parseGetAssertionResponse(decode(body));
 * ```
 */
export function parseGetAssertionResponse(
  value: unknown,
  allowListSingle?: PublicKeyCredentialDescriptor,
): GetAssertionResult {
  const K = GET_ASSERTION_RESPONSE_KEYS;
  const r = new ResponseReader(value, 'getAssertion');
  let credential: PublicKeyCredentialDescriptor;
  if (r.has(K.credential)) credential = parseDescriptor(r.map.get(K.credential));
  else if (allowListSingle !== undefined)
    credential = { type: allowListSingle.type, id: allowListSingle.id.slice() };
  else invalidResponse('getAssertion response lacks the credential (0x01)');
  const authData = r.bytes(K.authData, true).slice();
  const signature = r.bytes(K.signature, true).slice();
  const ad = authenticatorData(authData);
  const result: GetAssertionResult = { credential, authData, signature, authenticatorData: ad };
  if (r.has(K.user)) result.user = parseUser(r.map.get(K.user));
  const n = r.uint(K.numberOfCredentials);
  if (n !== undefined) {
    if (n < 1) invalidResponse('numberOfCredentials must be at least 1');
    result.numberOfCredentials = n;
  }
  const sel = r.bool(K.userSelected);
  if (sel !== undefined) result.userSelected = sel;
  readLargeBlobKeyAndUnsignedOutputs(r, K, result);
  return result;
}
