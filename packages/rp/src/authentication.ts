/** `verifyAuthenticationResponse` (WebAuthn L3 §7.2). */
import {
  type AuthenticationResponseJSON,
  base64url,
  type CosePublicKey,
  concatBytes,
  decodeCoseKey,
  equalBytes,
  isFido2kitError,
  sha256,
  verifySignature,
} from '@fido2kit/cose';
import { aObject, argFail } from './_assert.js';
import { assertAlgorithmAllowed } from './algorithms.js';
import { type CommonVerifyOptions, checkFlags, matchRpIdHash, verifyClientData } from './checks.js';
import { fail, SIGNATURE_INVALID_MESSAGE } from './errors.js';
import { type AuthenticatorExtensionResults, checkExtensionOutputs } from './extensions.js';
import { b64, envelope } from './response.js';
import { readAssertionAuthenticatorData } from './structures.js';

/** What to do when a check finds something suspicious but not necessarily fatal. */
export type FlagPolicy = 'reject' | 'flag' | 'ignore';

/** The stored credential a response claims to come from. */
export interface StoredCredential {
  /** The credential ID (base64url, as `credential.id` at registration, or bytes). */
  id: string | Uint8Array;
  /** The COSE public key bytes stored at registration. */
  publicKey: Uint8Array;
  /** The signature counter stored after the last ceremony. */
  counter: number;
  /** The BE flag stored at registration; when given, a change is handled by `backupEligibilityPolicy`. */
  backupEligible?: boolean;
  /** The user handle (user.id, base64url or bytes); when given, a response's userHandle must match it. */
  userHandle?: string | Uint8Array;
  /** Stored transports (not checked; accepted so a stored record can be passed as is). */
  transports?: readonly string[];
}

/** Options of {@link verifyAuthenticationResponse}. */
export interface VerifyAuthenticationResponseOpts extends CommonVerifyOptions {
  /** The browser's JSON (`PublicKeyCredential.toJSON()`), as an object or a JSON string. */
  response: AuthenticationResponseJSON | string;
  /** The stored credential whose ID is `response.id`. */
  credential: StoredCredential;
  /**
   * When given, the stored key's algorithm must be in this list (fully-specified synonyms count).
   * Include -65535 to verify RS1 (legacy) credentials.
   */
  supportedAlgorithmIDs?: readonly number[];
  /**
   * The signature counter did not increase (WebAuthn L3 §6.1.1). `reject` throws
   * `ERR_COUNTER_REGRESSION`; `flag` returns `counterRegression: true`; `ignore` does neither.
   * Default: `flag` for backup-eligible (synced) credentials, `reject` otherwise. Two zero
   * counters mean the authenticator has no counter and are never a regression.
   */
  counterPolicy?: FlagPolicy;
  /**
   * BE differs from `credential.backupEligible` (WebAuthn L3 §7.2 step 19). Default `reject`
   * (`ERR_BACKUP_ELIGIBILITY_CHANGED`).
   */
  backupEligibilityPolicy?: FlagPolicy;
  /** Accepted for symmetry with registration; authentication judges no certificates. */
  now?: Date;
}

/** The result of a successful {@link verifyAuthenticationResponse}. */
export interface VerifiedAuthentication {
  readonly verified: true;
  /** The credential ID (base64url). */
  readonly credentialId: string;
  /** The user handle (base64url) the authenticator returned, when it returned one. */
  readonly userHandle: string | undefined;
  /** The signature counter to store. */
  readonly newCounter: number;
  readonly userVerified: boolean;
  readonly userPresent: boolean;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  /** `singleDevice` or `multiDevice` (backup eligible), as SimpleWebAuthn names it. */
  readonly credentialDeviceType: 'singleDevice' | 'multiDevice';
  /** The counter did not increase and the policy flagged it (possible cloned authenticator). */
  readonly counterRegression: boolean;
  /** BE differs from the stored value and the policy flagged it. */
  readonly backupEligibilityChanged: boolean;
  /** The RP ID whose hash matched. */
  readonly rpID: string;
  readonly origin: string;
  readonly authenticatorAttachment: string | undefined;
  readonly clientExtensionResults: Record<string, unknown>;
  readonly authenticatorExtensionResults: AuthenticatorExtensionResults;
}

/** The stored key's algorithm and curve, read by cose's decodeCoseKey (one COSE key reader). */
function storedKey(publicKey: Uint8Array): CosePublicKey {
  try {
    return decodeCoseKey(publicKey, { minRsaBits: 1024 });
  } catch (e) {
    fail(
      'ERR_CREDENTIAL_KEY_INVALID',
      `the stored public key is not a usable COSE key: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

function idBytes(id: string | Uint8Array, name: string): Uint8Array {
  if (id instanceof Uint8Array) return id;
  try {
    return base64url.decode(id);
  } catch {
    argFail(name, 'a base64url string or Uint8Array', id);
  }
}

/**
 * Verifies a sign-in (WebAuthn L3 §7.2): the JSON shape (id = rawId, type, base64url), the
 * credential ID and user handle against the stored credential, clientData type, challenge
 * (constant time), origin, crossOrigin and topOrigin, the rpIdHash against each expected RP ID,
 * UP, UV (required by default), BS without BE, backup eligibility, AT absent, no trailing
 * bytes, extension outputs, the signature, and the signature counter.
 *
 * Returns on success; throws on any failure.
 *
 * @throws {WebAuthnVerificationError} with the failed check's `code` (`ERR_CHALLENGE_MISMATCH`,
 *   `ERR_ORIGIN_MISMATCH`, `ERR_RPID_MISMATCH`, `ERR_USER_VERIFICATION_REQUIRED`,
 *   `ERR_SIGNATURE_INVALID`, `ERR_COUNTER_REGRESSION`, …)
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for malformed options
 * @example
 * ```ts
 * const stored = await db.credentials.get(body.id);
 * const result = await verifyAuthenticationResponse({
 *   response: body,
 *   expectedChallenge: session.challenge,
 *   expectedOrigin: 'https://example.com',
 *   expectedRPID: 'example.com',
 *   credential: { id: stored.id, publicKey: stored.publicKey, counter: stored.counter, backupEligible: stored.backupEligible },
 * });
 * await db.credentials.update(stored.id, { counter: result.newCounter, backedUp: result.backedUp });
 * ```
 */
export async function verifyAuthenticationResponse(
  options: VerifyAuthenticationResponseOpts,
): Promise<VerifiedAuthentication> {
  const o = aObject(options, 'options') as unknown as VerifyAuthenticationResponseOpts;
  const cred = aObject(o.credential, 'credential') as unknown as StoredCredential;
  let publicKey = cred.publicKey as unknown;
  if (typeof publicKey === 'string') publicKey = idBytes(publicKey, 'credential.publicKey');
  if (!(publicKey instanceof Uint8Array)) argFail('credential.publicKey', 'COSE key bytes', publicKey);
  if (
    typeof cred.counter !== 'number' ||
    !Number.isInteger(cred.counter) ||
    cred.counter < 0 ||
    cred.counter > 0xffffffff
  )
    argFail('credential.counter', 'an integer from 0 to 2^32-1', cred.counter);
  if (o.expectedRPID === undefined) argFail('expectedRPID', 'a string or a list of strings', undefined);

  // §7.2 steps 1–6: the JSON shape, the credential ID and the user handle.
  const env = envelope(o.response);
  const inner = env.inner;
  const clientDataJSON = b64(inner.clientDataJSON, 'response.clientDataJSON');
  const authData = b64(inner.authenticatorData, 'response.authenticatorData');
  const signature = b64(inner.signature, 'response.signature');
  let userHandle: string | undefined;
  if (inner.userHandle !== undefined && inner.userHandle !== null && inner.userHandle !== '') {
    b64(inner.userHandle, 'response.userHandle');
    userHandle = inner.userHandle as string;
  }
  if (env.id !== cred.id && !equalBytes(env.rawId, idBytes(cred.id, 'credential.id')))
    fail('ERR_CREDENTIAL_ID_MISMATCH', 'the response is for a different credential than the stored one', {
      details: { received: env.id },
    });
  if (userHandle !== undefined && cred.userHandle !== undefined) {
    const want = idBytes(cred.userHandle, 'credential.userHandle');
    if (!equalBytes(base64url.decode(userHandle), want))
      fail('ERR_USER_HANDLE_MISMATCH', "the response's userHandle is not the stored credential's user", {
        details: { received: userHandle },
      });
  }

  // Steps 7–14: client data.
  const cd = await verifyClientData(clientDataJSON, 'webauthn.get', o);

  // Steps 15–19: authenticator data.
  const ad = readAssertionAuthenticatorData(authData);
  const flags = ad.flags;
  const rpID = matchRpIdHash(ad.rpIdHash, o.expectedRPID);
  checkFlags(flags, o);
  let backupEligibilityChanged = false;
  if (cred.backupEligible !== undefined && cred.backupEligible !== flags.be) {
    const policy = o.backupEligibilityPolicy ?? 'reject';
    if (policy === 'reject')
      fail('ERR_BACKUP_ELIGIBILITY_CHANGED', 'the BE flag differs from the stored credential', {
        details: { stored: cred.backupEligible, received: flags.be },
      });
    backupEligibilityChanged = policy === 'flag';
  }

  // The stored key's algorithm, when the caller restricts algorithms.
  const supported = o.supportedAlgorithmIDs;
  if (supported !== undefined) assertAlgorithmAllowed(storedKey(publicKey), supported);

  // Step 20: extension outputs.
  const authenticatorExtensionResults = checkExtensionOutputs(
    ad.extensions,
    'authentication',
    env.clientExtensionResults,
    o.expectedExtensions,
  );

  // Steps 21–22: the signature over authenticatorData ‖ SHA-256(clientDataJSON).
  let ok: boolean;
  try {
    ok = await verifySignature({
      publicKey,
      data: concatBytes(authData, sha256(clientDataJSON)),
      signature,
      allowLegacy: supported?.includes(-65535) === true,
    });
  } catch (e) {
    if (isFido2kitError(e) && e.code === 'ERR_COSE_ALG_UNSUPPORTED')
      fail('ERR_ALGORITHM_NOT_ALLOWED', `the credential's algorithm cannot be used: ${e.message}`, {
        cause: e,
      });
    fail('ERR_CREDENTIAL_KEY_INVALID', `the stored public key cannot verify: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!ok) fail('ERR_SIGNATURE_INVALID', SIGNATURE_INVALID_MESSAGE);

  // Step 23: the signature counter.
  let counterRegression = false;
  const stored = cred.counter;
  const received = ad.signCount;
  if ((received !== 0 || stored !== 0) && received <= stored) {
    const policy = o.counterPolicy ?? (cred.backupEligible === true || flags.be ? 'flag' : 'reject');
    if (policy === 'reject')
      fail(
        'ERR_COUNTER_REGRESSION',
        'the signature counter did not increase: the authenticator may be cloned',
        {
          details: { stored, received },
        },
      );
    counterRegression = policy === 'flag';
  }

  return {
    verified: true,
    credentialId: env.id,
    userHandle,
    newCounter: received,
    userVerified: flags.uv,
    userPresent: flags.up,
    backupEligible: flags.be,
    backedUp: flags.bs,
    credentialDeviceType: flags.be ? 'multiDevice' : 'singleDevice',
    counterRegression,
    backupEligibilityChanged,
    rpID,
    origin: cd.origin,
    authenticatorAttachment: env.authenticatorAttachment,
    clientExtensionResults: env.clientExtensionResults,
    authenticatorExtensionResults,
  };
}
