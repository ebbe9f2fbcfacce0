/**
 * The binary structures of a response, read once by `@fido2kit/cose`'s strict parsers (one
 * parser per structure: rp parses nothing itself). cose's failures become the relying-party
 * check that failed; where the failure is the same, the code is the same
 * (`ERR_AUTHDATA_MALFORMED`, `ERR_ATTESTATION_OBJECT_MALFORMED`), with cose's error as `cause`.
 */
import {
  type AttestationObject,
  type AuthenticatorData,
  isFido2kitError,
  parseAttestationObject,
  parseAuthenticatorData,
} from '@fido2kit/cose';
import { fail } from './errors.js';

function reasonOf(e: { details?: Record<string, unknown> }): unknown {
  return e.details?.reason;
}

/** Maps cose's `ERR_AUTHDATA_MALFORMED` to the check that failed, else rethrows. */
function authenticatorDataFailure(e: unknown): never {
  if (!isFido2kitError(e) || e.code !== 'ERR_AUTHDATA_MALFORMED') throw e;
  const reason = reasonOf(e);
  if (reason === 'trailing-bytes')
    fail('ERR_AUTHENTICATOR_DATA_TRAILING_BYTES', e.message, {
      cause: e,
      details: { trailing: e.details?.trailing },
    });
  if (
    reason === 'credential-key' &&
    (e.cause as { code?: unknown } | undefined)?.code === 'ERR_COSE_KEY_INVALID'
  )
    fail('ERR_CREDENTIAL_KEY_INVALID', e.message, { cause: e.cause });
  fail('ERR_AUTHDATA_MALFORMED', e.message, { cause: e, details: { reason } });
}

function attestedDataUnexpected(): never {
  fail(
    'ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED',
    'authentication authenticator data must not carry attested credential data (AT set)',
  );
}

/**
 * Authenticator data of an authentication response (WebAuthn L3 §7.2 step 15): parsed by cose,
 * and AT must be clear.
 * @throws {WebAuthnVerificationError} `ERR_AUTHDATA_MALFORMED`, `ERR_AUTHENTICATOR_DATA_TRAILING_BYTES`,
 *   `ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED`
 * @internal
 */
export function readAssertionAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  let ad: AuthenticatorData;
  try {
    ad = parseAuthenticatorData(bytes);
  } catch (e) {
    // AT set is the failure to name, before what it makes cose look for and not find
    if (bytes.length >= 37 && ((bytes[32] as number) & 0x40) !== 0) attestedDataUnexpected();
    authenticatorDataFailure(e);
  }
  if (ad.flags.at) attestedDataUnexpected();
  return ad;
}

/**
 * The attestation object of a registration response (WebAuthn L3 §7.1 step 12), parsed by cose
 * with its authenticator data, which must carry attested credential data.
 * @throws {WebAuthnVerificationError} `ERR_ATTESTATION_OBJECT_MALFORMED` (a duplicate key comes as
 *   an `ERR_CBOR_DUPLICATE_KEY` cause), `ERR_AUTHDATA_MALFORMED`,
 *   `ERR_AUTHENTICATOR_DATA_TRAILING_BYTES`, `ERR_CREDENTIAL_KEY_INVALID`,
 *   `ERR_ATTESTED_CREDENTIAL_DATA_MISSING`
 * @internal
 */
export function readAttestationObject(bytes: Uint8Array): AttestationObject {
  try {
    return parseAttestationObject(bytes, { allowCompound: true });
  } catch (e) {
    if (!isFido2kitError(e) || e.code !== 'ERR_ATTESTATION_OBJECT_MALFORMED') throw e;
    const reason = reasonOf(e);
    if (reason === 'authenticator-data') authenticatorDataFailure(e.cause);
    if (reason === 'no-attested-credential-data')
      fail(
        'ERR_ATTESTED_CREDENTIAL_DATA_MISSING',
        'registration authenticator data has no attested credential data (AT clear)',
      );
    fail('ERR_ATTESTATION_OBJECT_MALFORMED', e.message, { cause: e.cause ?? e, details: { reason } });
  }
}
