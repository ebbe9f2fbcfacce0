/** The attestation object (WebAuthn Level 3 §6.5.4). */
import { abytes, describe, isBytes } from './_assert.js';
import { type AuthenticatorData, parseAuthenticatorData } from './authenticator-data.js';
import { type CborValue, decode } from './cbor.js';
import { AttestationObjectError, isFido2kitError } from './errors.js';

/** A parsed attestation object. */
export interface AttestationObject {
  /** The attestation statement format identifier, e.g. `packed`. */
  readonly fmt: string;
  /** The attestation statement (a CBOR map). */
  readonly attStmt: Map<CborValue, CborValue>;
  /** The authenticator data bytes. */
  readonly authData: Uint8Array;
  /** The parsed authenticator data. */
  readonly authenticatorData: AuthenticatorData;
}

function malformed(message: string, cause?: unknown): never {
  throw new AttestationObjectError(message, cause === undefined ? undefined : { cause });
}

/**
 * Parses an attestation object: a CBOR map with `fmt` (text), `attStmt` (map) and `authData`
 * (bytes), the authenticator data parsed and required to carry attested credential data.
 *
 * @throws {AttestationObjectError} `ERR_ATTESTATION_OBJECT_MALFORMED` (authenticator data
 *   problems come as its `cause`, an `ERR_AUTHDATA_MALFORMED` error)
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array over a live
 *   (not detached) ArrayBuffer
 * @example
 * ```ts
 * const { fmt, attStmt, authenticatorData } = parseAttestationObject(base64url.decode(response.attestationObject));
 * ```
 */
export function parseAttestationObject(bytes: Uint8Array): AttestationObject {
  const b = abytes(bytes, 'bytes');
  let m: unknown;
  try {
    m = decode(b, { canonical: false, maxDepth: 16 });
  } catch (e) {
    malformed(`attestation object is not valid CBOR: ${(e as Error).message}`, e);
  }
  if (!(m instanceof Map)) malformed(`attestation object expected a CBOR map, got ${describe(m)}`);
  const fmt = m.get('fmt');
  const attStmt = m.get('attStmt');
  const authData = m.get('authData');
  if (typeof fmt !== 'string' || fmt.length === 0)
    malformed(`attestation object "fmt" expected text, got ${describe(fmt)}`);
  if (!(attStmt instanceof Map))
    malformed(`attestation object "attStmt" expected a map, got ${describe(attStmt)}`);
  if (!isBytes(authData))
    malformed(`attestation object "authData" expected bytes, got ${describe(authData)}`);
  let authenticatorData: AuthenticatorData;
  try {
    authenticatorData = parseAuthenticatorData(authData);
  } catch (e) {
    if (isFido2kitError(e)) {
      throw new AttestationObjectError(`attestation object authData is malformed: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
  if (!authenticatorData.attestedCredentialData)
    malformed('attestation object authData has no attested credential data (AT flag clear)');
  return Object.freeze({ fmt, attStmt: attStmt as Map<CborValue, CborValue>, authData, authenticatorData });
}
