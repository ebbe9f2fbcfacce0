/** Steps makeCredential and getAssertion share (CTAP 2.1 §6.1.2 and §6.2.2). */

import { type CborValue, concatBytes } from '@fido2kit/cose';
import type { CallOptions } from '@fido2kit/ctap2';
import { PIN_UV_AUTH_PERMISSIONS } from '@fido2kit/ctap2';
import type { AuthenticatorCore } from '../core.js';
import { fail } from '../errors.js';
import type { TokenState } from '../state.js';

/** Authenticator data flags. */
export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

/**
 * Step 1 (zero-length pinUvAuthParam: the platform asks which key the user means) and step 2
 * (pinUvAuthProtocol present and supported).
 */
export async function checkPinUvAuthParam(
  core: AuthenticatorCore,
  call: CallOptions | undefined,
  command: string,
  rpId: string,
  param: Uint8Array | undefined,
  protocol: number | undefined,
): Promise<void> {
  if (param !== undefined && param.length === 0 && (core.config.clientPin || core.config.sensor)) {
    const r = await core.requestPresence(call, { command, rpId });
    if (r !== 'yes') fail('CTAP2_ERR_OPERATION_DENIED');
    fail(core.pinSet ? 'CTAP2_ERR_PIN_INVALID' : 'CTAP2_ERR_PIN_NOT_SET');
  }
  if (param !== undefined) {
    if (protocol === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    if (!core.protocols.has(protocol)) fail('CTAP1_ERR_INVALID_PARAMETER');
  }
}

/** The error when UV is required and no pinUvAuthParam or built-in UV was used. */
export function uvRequired(core: AuthenticatorCore): never {
  fail(core.config.clientPin && core.pinSet ? 'CTAP2_ERR_PUAT_REQUIRED' : 'CTAP2_ERR_OPERATION_DENIED');
}

/** Checks pinUvAuthParam against the token: MAC, permission, RP ID, UV flag. */
export function checkToken(
  core: AuthenticatorCore,
  protocol: number,
  clientDataHash: Uint8Array,
  param: Uint8Array,
  permission: number,
  rpId: string,
): TokenState {
  const t = core.verifyToken(protocol, clientDataHash, param);
  if (t === undefined) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  if ((t.permissions & permission) === 0) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  if (t.rpId !== undefined && t.rpId !== rpId) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  if (!t.userVerified) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  return t;
}

/** Built-in UV in makeCredential/getAssertion (internalRetry), with the spec's error mapping. */
export async function builtInUv(
  core: AuthenticatorCore,
  call: CallOptions | undefined,
  command: string,
  rpId: string,
): Promise<void> {
  if (core.state.uvRetries === 0) fail('CTAP2_ERR_PIN_BLOCKED');
  const r = await core.builtInUv(call, { command, rpId });
  if (r === 'timeout') fail('CTAP2_ERR_USER_ACTION_TIMEOUT');
  if (r === 'no') fail(core.state.uvRetries === 0 ? 'CTAP2_ERR_PIN_BLOCKED' : 'CTAP2_ERR_OPERATION_DENIED');
}

/** After a use with user presence: clearUserPresentFlag, clearUserVerifiedFlag, permissions except lbw. */
export function consumeToken(t: TokenState, rpId: string, presence: boolean): void {
  t.used = true;
  if (t.rpId === undefined) t.rpId = rpId;
  if (presence) {
    t.userPresent = false;
    t.userVerified = false;
    t.permissions &= PIN_UV_AUTH_PERMISSIONS.lbw;
  }
}

/** rpIdHash ‖ flags ‖ signCount ‖ [attestedCredentialData] ‖ [extensions]. */
export function authenticatorData(
  rpIdHash: Uint8Array,
  flags: number,
  counter: number,
  attested: Uint8Array | undefined,
  extensions: Uint8Array | undefined,
): Uint8Array {
  const head = new Uint8Array(37);
  head.set(rpIdHash, 0);
  head[32] = flags;
  new DataView(head.buffer).setUint32(33, counter >>> 0, false);
  return concatBytes(head, attested ?? new Uint8Array(0), extensions ?? new Uint8Array(0));
}

/** aaguid ‖ credentialIdLength ‖ credentialId ‖ credentialPublicKey. */
export function attestedCredentialData(
  aaguid: Uint8Array,
  id: Uint8Array,
  publicKey: Uint8Array,
): Uint8Array {
  const len = Uint8Array.of(id.length >> 8, id.length & 0xff);
  return concatBytes(aaguid, len, id, publicKey);
}

/** The `type: 'public-key'` descriptor of a credential ID. */
export function descriptor(id: Uint8Array): Map<string, CborValue> {
  return new Map<string, CborValue>([
    ['id', id],
    ['type', 'public-key'],
  ]);
}
