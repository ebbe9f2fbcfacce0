/** The attestation object (WebAuthn Level 3 §6.5.4). */
import { abytes, describe, isBytes } from './_assert.js';
import { type AuthenticatorData, parseAuthenticatorData } from './authenticator-data.js';
import { type CborValue, decode } from './cbor.js';
import { AttestationObjectError, isFido2kitError } from './errors.js';

/** A parsed attestation object. */
export interface AttestationObject {
  /** The attestation statement format identifier, e.g. `packed`. */
  readonly fmt: string;
  /** The attestation statement (a CBOR map); empty for `compound`, see `compoundStatements`. */
  readonly attStmt: Map<CborValue, CborValue>;
  /**
   * For `fmt: "compound"` (WebAuthn L3 §8.9) only: the statements of its array-valued attStmt,
   * each a map with `fmt` and `attStmt` (checked by the compound format, not here).
   */
  readonly compoundStatements?: readonly CborValue[];
  /** The authenticator data bytes. */
  readonly authData: Uint8Array;
  /** The parsed authenticator data. */
  readonly authenticatorData: AuthenticatorData;
}

/**
 * Why an attestation object was refused, in `details.reason` of its
 * `ERR_ATTESTATION_OBJECT_MALFORMED`: not CBOR (`cbor`, the CBOR error as `cause`), a member of
 * the wrong shape (`shape`), authenticator data that does not parse (`authenticator-data`, its
 * `ERR_AUTHDATA_MALFORMED` as `cause`) or that carries no attested credential data
 * (`no-attested-credential-data`).
 */
export type AttestationObjectFailure =
  | 'cbor'
  | 'shape'
  | 'authenticator-data'
  | 'no-attested-credential-data';

function malformed(reason: AttestationObjectFailure, message: string, cause?: unknown): never {
  throw new AttestationObjectError(message, {
    ...(cause === undefined ? {} : { cause }),
    details: { reason },
  });
}

/** Options of {@link parseAttestationObject}. */
export interface ParseAttestationObjectOptions {
  /**
   * Accept `fmt: "compound"` (WebAuthn L3 §8.9), whose attStmt is an array: it is returned as
   * `compoundStatements` beside an empty `attStmt`. Default `false` (refused as `shape`), the
   * behaviour callers written before compound support rely on.
   */
  allowCompound?: boolean;
}

function noAttestedData(): never {
  malformed(
    'no-attested-credential-data',
    'attestation object authData has no attested credential data (AT flag clear)',
  );
}

/**
 * Parses an attestation object: a CBOR map with `fmt` (text), `attStmt` (a map, or for
 * `compound` with `allowCompound` an array) and `authData` (bytes), the authenticator data parsed and required to
 * carry attested credential data. Read through the strict CBOR scan, so a member given twice —
 * `fmt` as `63 666d74` and again as `78 03 666d74` — is refused, never resolved.
 *
 * @throws {AttestationObjectError} `ERR_ATTESTATION_OBJECT_MALFORMED` with `details.reason` (an
 *   {@link AttestationObjectFailure}); authenticator data problems come as its `cause`, an
 *   `ERR_AUTHDATA_MALFORMED` error, duplicate keys as an `ERR_CBOR_DUPLICATE_KEY` cause
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array over a live
 *   (not detached) ArrayBuffer
 * @example
 * ```ts
 * const { fmt, attStmt, authenticatorData } = parseAttestationObject(base64url.decode(response.attestationObject));
 * ```
 */
export function parseAttestationObject(
  bytes: Uint8Array,
  options: ParseAttestationObjectOptions = {},
): AttestationObject {
  const b = abytes(bytes, 'bytes');
  let m: unknown;
  try {
    m = decode(b, { canonical: false, maxDepth: 16 });
  } catch (e) {
    malformed('cbor', `attestation object is not valid CBOR: ${(e as Error).message}`, e);
  }
  if (!(m instanceof Map)) malformed('shape', `attestation object expected a CBOR map, got ${describe(m)}`);
  const fmt = m.get('fmt');
  const attStmt = m.get('attStmt');
  const authData = m.get('authData');
  if (typeof fmt !== 'string' || fmt.length === 0)
    malformed('shape', `attestation object "fmt" expected text, got ${describe(fmt)}`);
  const compound = options.allowCompound === true && fmt === 'compound' && Array.isArray(attStmt);
  if (!(attStmt instanceof Map) && !compound)
    malformed('shape', `attestation object "attStmt" expected a map, got ${describe(attStmt)}`);
  if (!isBytes(authData))
    malformed('shape', `attestation object "authData" expected bytes, got ${describe(authData)}`);
  // AT is what an attestation object is for: a clear AT flag is named as such, before the
  // attested data it then lacks would be reported as trailing bytes.
  if (authData.length >= 37 && ((authData[32] as number) & 0x40) === 0) noAttestedData();
  let authenticatorData: AuthenticatorData;
  try {
    authenticatorData = parseAuthenticatorData(authData);
  } catch (e) {
    if (isFido2kitError(e))
      malformed('authenticator-data', `attestation object authData is malformed: ${e.message}`, e);
    throw e;
  }
  if (!authenticatorData.attestedCredentialData) noAttestedData();
  return Object.freeze({
    fmt,
    attStmt: compound ? new Map<CborValue, CborValue>() : (attStmt as Map<CborValue, CborValue>),
    ...(compound ? { compoundStatements: Object.freeze([...(attStmt as CborValue[])]) } : {}),
    authData,
    authenticatorData,
  });
}
