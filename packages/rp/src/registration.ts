/** `verifyRegistrationResponse` (WebAuthn L3 §7.1). */

import type { MetadataEntry } from '@fido2kit/attestation';
import {
  type AuthenticatorTransport,
  equalBytes,
  type RegistrationResponseJSON,
  sha256,
} from '@fido2kit/cose';
import { aObject, argFail } from './_assert.js';
import { assertAlgorithmAllowed, DEFAULT_SUPPORTED_ALGORITHM_IDS } from './algorithms.js';
import {
  type AttestationOutcome,
  type AttestationPolicy,
  applyAttestationPolicy,
  runAttestation,
} from './attestation.js';
import { type CommonVerifyOptions, checkFlags, matchRpIdHash, verifyClientData } from './checks.js';
import { fail } from './errors.js';
import { type AuthenticatorExtensionResults, checkExtensionOutputs } from './extensions.js';
import { b64, envelope } from './response.js';
import { readAttestationObject } from './structures.js';

/** Options of {@link verifyRegistrationResponse}. */
export interface VerifyRegistrationResponseOpts extends CommonVerifyOptions {
  /** The browser's JSON (`PublicKeyCredential.toJSON()`), as an object or a JSON string. */
  response: RegistrationResponseJSON | string;
  /** COSE algorithms accepted (fully-specified synonyms count). Default {@link DEFAULT_SUPPORTED_ALGORITHM_IDS}. */
  supportedAlgorithmIDs?: readonly number[];
  /** The attestation policy: metadata, trust anchors, trusted attestation required, AAGUID lists, status policy. */
  attestation?: AttestationPolicy;
  /** The time certificates and metadata are judged at. Default: the current time. */
  now?: Date;
}

/** The credential to store after a successful registration. */
export interface RegisteredCredential {
  /** The credential ID (base64url). */
  readonly id: string;
  /** The credential public key: its exact COSE bytes. */
  readonly publicKey: Uint8Array;
  /** The COSE algorithm of the key. */
  readonly algorithm: number;
  /** The signature counter to store. */
  readonly counter: number;
  /** Transports the client reported. */
  readonly transports: AuthenticatorTransport[];
  /** The authenticator model's AAGUID (UUID string). */
  readonly aaguid: string;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  /** `singleDevice` or `multiDevice` (backup eligible), as SimpleWebAuthn names it. */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly attestationFormat: string;
  readonly attestationType: string;
  /** Whether the credential is discoverable, when the client reported `credProps.rk`. */
  readonly discoverable: boolean | undefined;
  readonly userVerified: boolean;
}

/** The result of a successful {@link verifyRegistrationResponse}. */
export interface VerifiedRegistration {
  readonly verified: true;
  readonly credential: RegisteredCredential;
  /** The authenticator model from metadata, when the catalog knows it. */
  readonly authenticator: {
    readonly aaguid: string;
    readonly name: string | undefined;
    readonly icon: string | undefined;
  };
  readonly attestation: AttestationOutcome;
  readonly userVerified: boolean;
  readonly userPresent: boolean;
  /** The RP ID whose hash matched. */
  readonly rpID: string;
  readonly origin: string;
  readonly authenticatorAttachment: string | undefined;
  /** The attestation object bytes, for records or later re-verification. */
  readonly attestationObject: Uint8Array;
  readonly clientExtensionResults: Record<string, unknown>;
  readonly authenticatorExtensionResults: AuthenticatorExtensionResults;
}

/**
 * Verifies a registration (WebAuthn L3 §7.1): the JSON shape, clientData type, challenge
 * (constant time), origin, crossOrigin and topOrigin, the attestation object, the rpIdHash
 * against each expected RP ID, UP, UV (required by default), BS without BE, the key's
 * algorithm, AT present and no trailing bytes, extension outputs, the credential ID, then the
 * attestation statement (through `@fido2kit/attestation`) and the attestation policy.
 *
 * Returns the credential to store on success; throws on any failure.
 *
 * @throws {WebAuthnVerificationError} with the failed check's `code` (`ERR_CHALLENGE_MISMATCH`,
 *   `ERR_ORIGIN_MISMATCH`, `ERR_RPID_MISMATCH`, `ERR_ALGORITHM_NOT_ALLOWED`,
 *   `ERR_ATTESTATION_UNTRUSTED`, `ERR_AAGUID_NOT_ALLOWED`, …)
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for malformed options
 * @example
 * ```ts
 * const { credential, authenticator } = await verifyRegistrationResponse({
 *   response: body,
 *   expectedChallenge: session.challenge,
 *   expectedOrigin: 'https://example.com',
 *   expectedRPID: 'example.com',
 *   attestation: { metadata, requireTrustedAttestation: true, allowedAaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] },
 * });
 * await db.credentials.insert({ ...credential, model: authenticator.name });
 * ```
 */
export async function verifyRegistrationResponse(
  options: VerifyRegistrationResponseOpts,
): Promise<VerifiedRegistration> {
  const o = aObject(options, 'options') as unknown as VerifyRegistrationResponseOpts;
  if (o.expectedRPID === undefined) argFail('expectedRPID', 'a string or a list of strings', undefined);
  const policy: AttestationPolicy =
    o.attestation === undefined ? {} : (aObject(o.attestation, 'attestation') as AttestationPolicy);
  const now = o.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) argFail('now', 'a valid Date', o.now);
  const supported = o.supportedAlgorithmIDs ?? DEFAULT_SUPPORTED_ALGORITHM_IDS;

  // §7.1 steps 1–6: the JSON shape.
  const env = envelope(o.response);
  const inner = env.inner;
  const clientDataJSON = b64(inner.clientDataJSON, 'response.clientDataJSON');
  const attestationObject = b64(inner.attestationObject, 'response.attestationObject');
  let transports: AuthenticatorTransport[] = [];
  if (inner.transports !== undefined) {
    if (!Array.isArray(inner.transports) || inner.transports.some((t) => typeof t !== 'string'))
      fail('ERR_RESPONSE_MALFORMED', 'response.response.transports expected an array of strings');
    transports = [...(inner.transports as AuthenticatorTransport[])];
  }

  // Steps 7–11: client data.
  const cd = await verifyClientData(clientDataJSON, 'webauthn.create', o);
  const clientDataHash = sha256(clientDataJSON);

  // Step 12: the attestation object, and steps 13–19: its authenticator data (one parse, cose's).
  const ao = readAttestationObject(attestationObject);
  const fmt = ao.fmt;
  const ad = ao.authenticatorData;
  const att = ad.attestedCredentialData as NonNullable<typeof ad.attestedCredentialData>;
  const rpID = matchRpIdHash(ad.rpIdHash, o.expectedRPID);
  checkFlags(ad.flags, o);
  const alg = assertAlgorithmAllowed(att.publicKey, supported);

  // Step 20: extension outputs.
  const authenticatorExtensionResults = checkExtensionOutputs(
    ad.extensions,
    'registration',
    env.clientExtensionResults,
    o.expectedExtensions,
  );

  // The credential ID the authenticator attested is the one the client reported.
  if (!equalBytes(att.credentialId, env.rawId))
    fail('ERR_CREDENTIAL_ID_MISMATCH', 'the attested credential ID differs from response.rawId');

  // Steps 21–24: the attestation statement and the policy.
  if (policy.allowedFormats !== undefined && !policy.allowedFormats.includes(fmt))
    fail('ERR_ATTESTATION_FORMAT_NOT_ALLOWED', `attestation format "${fmt}" is not allowed`, {
      details: { fmt },
    });
  // One parse per ceremony: the attestation package takes the object parsed above.
  const outcome = await runAttestation(fmt, ao, clientDataHash, policy, now);
  applyAttestationPolicy(outcome, att.aaguidString, policy);

  const credProps = env.clientExtensionResults.credProps as { rk?: unknown } | undefined;
  const entry: MetadataEntry | undefined = outcome.metadata;
  return {
    verified: true,
    credential: {
      id: env.id,
      publicKey: att.credentialPublicKey.slice(),
      algorithm: alg,
      counter: ad.signCount,
      transports,
      aaguid: att.aaguidString,
      backupEligible: ad.flags.be,
      backedUp: ad.flags.bs,
      deviceType: ad.flags.be ? 'multiDevice' : 'singleDevice',
      attestationFormat: outcome.fmt,
      attestationType: outcome.type,
      discoverable: typeof credProps?.rk === 'boolean' ? credProps.rk : undefined,
      userVerified: ad.flags.uv,
    },
    authenticator: {
      aaguid: att.aaguidString,
      name: entry?.metadataStatement?.description,
      icon: entry?.metadataStatement?.icon,
    },
    attestation: outcome,
    userVerified: ad.flags.uv,
    userPresent: ad.flags.up,
    rpID,
    origin: cd.origin,
    authenticatorAttachment: env.authenticatorAttachment,
    attestationObject,
    clientExtensionResults: env.clientExtensionResults,
    authenticatorExtensionResults,
  };
}
