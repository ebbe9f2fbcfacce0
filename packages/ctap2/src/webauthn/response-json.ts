/**
 * The JSON a browser's `PublicKeyCredential.toJSON()` gives (WebAuthn L3 §5.1), built from CTAP
 * results: RegistrationResponseJSON after makeCredential, AuthenticationResponseJSON after
 * getAssertion.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorAttachment,
  type AuthenticatorTransport,
  base64url,
  coseKeyToSpki,
  encode,
  type RegistrationResponseJSON,
} from '@fido2kit/cose';
import { Ctap1 } from '../ctap1.js';
import type { GetAssertionResult, MakeCredentialResult } from '../ctap2-messages.js';
import { fail } from './dom-errors.js';
import type { Key } from './keys.js';

const TRANSPORTS: readonly string[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/** The transports to report for a key: its getInfo list and the one it is connected over. */
export function transportsOf(key: Key): AuthenticatorTransport[] {
  const listed = key instanceof Ctap1 ? [] : key.info.transports;
  const set = new Set(listed.filter((t) => TRANSPORTS.includes(t)) as AuthenticatorTransport[]);
  if (TRANSPORTS.includes(key.device.transport)) set.add(key.device.transport as AuthenticatorTransport);
  return [...set].sort();
}

/** platform for a key that lists only `internal`, else cross-platform. */
export function attachmentOf(key: Key): AuthenticatorAttachment {
  if (key instanceof Ctap1) return 'cross-platform';
  return key.info.transports.length === 1 && key.info.transports[0] === 'internal'
    ? 'platform'
    : 'cross-platform';
}

function noneAttestation(authData: Uint8Array): Uint8Array {
  return encode(
    new Map<string, unknown>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]),
  );
}

/** RegistrationResponseJSON from a makeCredential result (WebAuthn L3 §5.1.3 steps 22ff). */
export function registrationJSON(
  result: MakeCredentialResult,
  conveyance: string,
  clientDataJSON: Uint8Array,
  key: Key,
  clientExtensionResults: Record<string, unknown>,
): RegistrationResponseJSON {
  let attestationObject = result.attestationObject;
  let authData = result.authData;
  if (conveyance === 'none' && result.fmt !== 'none') {
    // WebAuthn §5.1.3 step 22: replace identifying information (AAGUID, attestation statement)
    authData = authData.slice();
    authData.fill(0, 37, 53);
    attestationObject = noneAttestation(authData);
  }
  const acd = result.authenticatorData.attestedCredentialData;
  if (acd === undefined) fail('ERR_NOT_ALLOWED', 'NotAllowedError', 'the key returned no credential');
  let publicKey: string | undefined;
  try {
    publicKey = base64url.encode(coseKeyToSpki(acd.publicKey));
  } catch {
    publicKey = undefined;
  }
  const response: RegistrationResponseJSON['response'] = {
    clientDataJSON: base64url.encode(clientDataJSON),
    attestationObject: base64url.encode(attestationObject),
    authenticatorData: base64url.encode(authData),
    transports: transportsOf(key),
    publicKeyAlgorithm: acd.publicKey.alg ?? -7,
  };
  if (publicKey !== undefined) response.publicKey = publicKey;
  return credentialJSON(acd.credentialId, key, clientExtensionResults, response);
}

/** The members every PublicKeyCredential JSON has around its `response`. */
function credentialJSON<R>(
  credentialId: Uint8Array,
  key: Key,
  clientExtensionResults: Record<string, unknown>,
  response: R,
): {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: AuthenticatorAttachment;
  clientExtensionResults: Record<string, unknown>;
  response: R;
} {
  const id = base64url.encode(credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: attachmentOf(key),
    clientExtensionResults,
    response,
  };
}

/** AuthenticationResponseJSON from a getAssertion result (WebAuthn L3 §5.1.4). */
export function assertionJSON(
  result: GetAssertionResult,
  clientDataJSON: Uint8Array,
  key: Key,
  clientExtensionResults: Record<string, unknown>,
): AuthenticationResponseJSON {
  const response: AuthenticationResponseJSON['response'] = {
    clientDataJSON: base64url.encode(clientDataJSON),
    authenticatorData: base64url.encode(result.authData),
    signature: base64url.encode(result.signature),
  };
  if (result.user?.id !== undefined) response.userHandle = base64url.encode(result.user.id);
  return credentialJSON(result.credential.id, key, clientExtensionResults, response);
}
