/**
 * Authenticator data (WebAuthn Level 3 §6.1): parsed by walking an offset, never by
 * re-encoding, so the COSE key keeps its exact bytes.
 */
import { abytes } from './_assert.js';
import { bytesToHex } from './bytes.js';
import { type CborValue, decodeFirst } from './cbor.js';
import { type CosePublicKey, decodeCoseKey } from './cose-key.js';
import { AuthenticatorDataError, isFido2kitError } from './errors.js';

/** Authenticator data flags (WebAuthn §6.1 "flags"). */
export interface AuthenticatorDataFlags {
  /** User Present (bit 0). */
  readonly up: boolean;
  /** User Verified (bit 2). */
  readonly uv: boolean;
  /** Backup Eligible (bit 3). */
  readonly be: boolean;
  /** Backup State (bit 4). */
  readonly bs: boolean;
  /** Attested credential data included (bit 6). */
  readonly at: boolean;
  /** Extension data included (bit 7). */
  readonly ed: boolean;
  /** The flags byte. */
  readonly raw: number;
}

/** Attested credential data (WebAuthn §6.5.2). */
export interface AttestedCredentialData {
  readonly aaguid: Uint8Array;
  /** The AAGUID as a lower-case UUID string. */
  readonly aaguidString: string;
  readonly credentialId: Uint8Array;
  /** The credential public key's exact COSE bytes, as the authenticator wrote them. */
  readonly credentialPublicKey: Uint8Array;
  /** The credential public key, decoded and validated. */
  readonly publicKey: CosePublicKey;
}

/** Parsed authenticator data. */
export interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  readonly flags: AuthenticatorDataFlags;
  readonly signCount: number;
  readonly attestedCredentialData?: AttestedCredentialData;
  /** Authenticator extension outputs (a CBOR map), when the ED flag is set. */
  readonly extensions?: Map<CborValue, CborValue>;
  /** The bytes parsed (a copy). */
  readonly raw: Uint8Array;
}

/** The largest credential ID WebAuthn allows (§6.5.2: credentialIdLength ≤ 1023). */
export const MAX_CREDENTIAL_ID_LENGTH = 1023;

/** Formats 16 bytes as a UUID string. */
export function formatUuid(bytes: Uint8Array): string {
  const h = bytesToHex(abytes(bytes, 'uuid', 16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Why authenticator data was refused, in `details.reason` of its `ERR_AUTHDATA_MALFORMED`, so a
 * caller (the relying party) can name the failed check without reading messages.
 */
export type AuthenticatorDataFailure =
  | 'truncated'
  | 'credential-id-length'
  | 'credential-key'
  | 'extensions'
  | 'trailing-bytes';

function malformed(
  reason: AuthenticatorDataFailure,
  message: string,
  cause?: unknown,
  extra?: object,
): never {
  throw new AuthenticatorDataError(message, {
    ...(cause === undefined ? {} : { cause }),
    details: { reason, ...extra },
  });
}

/** Parses flags from the flags byte. */
export function parseFlags(raw: number): AuthenticatorDataFlags {
  return Object.freeze({
    up: (raw & 0x01) !== 0,
    uv: (raw & 0x04) !== 0,
    be: (raw & 0x08) !== 0,
    bs: (raw & 0x10) !== 0,
    at: (raw & 0x40) !== 0,
    ed: (raw & 0x80) !== 0,
    raw,
  });
}

/**
 * Parses authenticator data: rpIdHash, flags, signCount, attested credential data (AAGUID,
 * credential ID, the COSE key's exact bytes and the decoded key) and extensions. Nothing may
 * follow the last part the flags announce.
 *
 * @throws {AuthenticatorDataError} `ERR_AUTHDATA_MALFORMED` (with the CBOR or COSE error as
 *   `cause`, and `details.reason`: an {@link AuthenticatorDataFailure})
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array over a live
 *   (not detached) ArrayBuffer
 * @example
 * ```ts
 * const ad = parseAuthenticatorData(authDataBytes);
 * ad.flags.uv; ad.signCount; ad.attestedCredentialData?.aaguidString;
 * ```
 */
export function parseAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  const b = abytes(bytes, 'bytes').slice();
  if (b.length < 37) malformed('truncated', `authenticator data expected at least 37 bytes, got ${b.length}`);
  const rpIdHash = b.subarray(0, 32);
  const flags = parseFlags(b[32] as number);
  const signCount =
    (((b[33] as number) << 24) | ((b[34] as number) << 16) | ((b[35] as number) << 8) | (b[36] as number)) >>>
    0;
  let pos = 37;
  let attestedCredentialData: AttestedCredentialData | undefined;
  if (flags.at) {
    if (b.length < pos + 18)
      malformed('truncated', `attested credential data expected at least 18 bytes, got ${b.length - pos}`);
    const aaguid = b.subarray(pos, pos + 16);
    const idLen = ((b[pos + 16] as number) << 8) | (b[pos + 17] as number);
    pos += 18;
    if (idLen > MAX_CREDENTIAL_ID_LENGTH)
      malformed('credential-id-length', `credential ID length ${idLen} exceeds ${MAX_CREDENTIAL_ID_LENGTH}`);
    if (b.length < pos + idLen)
      malformed('truncated', `credential ID declares ${idLen} bytes but ${b.length - pos} remain`);
    const credentialId = b.subarray(pos, pos + idLen);
    pos += idLen;
    let keyLen: number;
    let publicKey: CosePublicKey;
    try {
      const r = decodeFirst(b.subarray(pos), { canonical: false, maxDepth: 4 });
      keyLen = r.bytesRead;
      if (!(r.value instanceof Map)) malformed('credential-key', 'credential public key is not a CBOR map');
      publicKey = decodeCoseKey(r.value, { minRsaBits: 1024 });
    } catch (e) {
      if (isFido2kitError(e) && e.code === 'ERR_AUTHDATA_MALFORMED') throw e;
      malformed('credential-key', `credential public key is invalid: ${(e as Error).message}`, e);
    }
    const credentialPublicKey = b.subarray(pos, pos + keyLen);
    pos += keyLen;
    attestedCredentialData = Object.freeze({
      aaguid,
      aaguidString: formatUuid(aaguid),
      credentialId,
      credentialPublicKey,
      publicKey,
    });
  }
  let extensions: Map<CborValue, CborValue> | undefined;
  if (flags.ed) {
    try {
      const r = decodeFirst(b.subarray(pos), { canonical: false, maxDepth: 16 });
      if (!(r.value instanceof Map)) malformed('extensions', 'extensions are not a CBOR map');
      extensions = r.value;
      pos += r.bytesRead;
    } catch (e) {
      if (isFido2kitError(e) && e.code === 'ERR_AUTHDATA_MALFORMED') throw e;
      malformed('extensions', `extensions are invalid: ${(e as Error).message}`, e);
    }
  }
  if (pos !== b.length)
    malformed(
      'trailing-bytes',
      `authenticator data has ${b.length - pos} unexpected trailing bytes`,
      undefined,
      {
        trailing: b.length - pos,
      },
    );
  const out: AuthenticatorData = { rpIdHash, flags, signCount, raw: b };
  if (attestedCredentialData)
    (out as { attestedCredentialData?: AttestedCredentialData }).attestedCredentialData =
      attestedCredentialData;
  if (extensions) (out as { extensions?: Map<CborValue, CborValue> }).extensions = extensions;
  return Object.freeze(out);
}
