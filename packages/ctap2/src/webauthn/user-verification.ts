/**
 * Deciding and performing user verification for a ceremony (WebAuthn L3 §5.1.3 step 20ff,
 * §5.1.4; CTAP 2.1 §6.1.2 step 1, §6.5.5.7): built-in UV, a PIN token, or none.
 */
import type { UserVerificationRequirement } from '@fido2kit/cose';
import { ClientPin, type PinUvAuthPermission, type PinUvAuthToken } from '../client-pin.js';
import { CTAP_STATUS } from '../constants.js';
import type { Ctap2 } from '../ctap2.js';
import type { CallOptions } from '../device.js';
import { Ctap2ClientError, CtapError } from '../errors.js';
import { fail } from './dom-errors.js';

/** What {@link WebAuthnClientOptions.onPinRequired} is told. */
export interface PinRequest {
  /** PIN retries left, when known. */
  retries?: number;
  /** 1 for the first ask, 2 after a wrong PIN, … */
  attempt: number;
  /** The RP ID the token is for. */
  rpId: string;
}

/** Asks the user for the PIN; undefined cancels. */
export type PinPrompt = (request: PinRequest) => Promise<string | undefined> | string | undefined;

/** The outcome: a token to authenticate the request with, or the CTAP 2.0 `uv` option. */
export interface UvPlan {
  token?: PinUvAuthToken;
  /** options.uv = true (CTAP 2.0 built-in UV without tokens). */
  uvOption: boolean;
}

/** What a ceremony asks of user verification. */
export interface UvRequest {
  requirement: UserVerificationRequirement;
  kind: 'create' | 'get';
  /** A discoverable credential is being made (UV is then due even with makeCredUvNotRqd). */
  rk: boolean;
  permissions: PinUvAuthPermission[];
  rpId: string;
  signal: AbortSignal;
  call: CallOptions;
  onPinRequired: PinPrompt | undefined;
}

/** Decides and performs user verification. */
export async function userVerification(ctap: Ctap2, r: UvRequest): Promise<UvPlan> {
  const o = ctap.info.options;
  const builtIn = o.uv === true;
  const pinSet = o.clientPin === true;
  const isProtected = builtIn || pinSet;
  const mustUv =
    r.requirement === 'required' ||
    o.alwaysUv === true ||
    (r.kind === 'create' && isProtected && (o.makeCredUvNotRqd !== true || r.rk));
  const wantUv = mustUv || (r.requirement === 'preferred' && isProtected);
  if (!wantUv) return { uvOption: false };
  if (!isProtected) {
    fail(
      'ERR_UV_REQUIRED',
      'NotAllowedError',
      o.clientPin === false
        ? 'user verification is required but the key has no PIN set: set a PIN first'
        : 'user verification is required but the key can neither verify a PIN nor a fingerprint',
    );
  }
  if (builtIn) {
    if (o.pinUvAuthToken !== true) return { uvOption: true };
    try {
      const pin = new ClientPin(ctap);
      return {
        uvOption: false,
        token: await pin.getPinUvAuthTokenUsingUvWithPermissions(r.permissions, r.rpId, r.call),
      };
    } catch (e) {
      // built-in UV blocked or failing: fall back to the PIN where there is one (CTAP 2.1 §6.5.5.7.3)
      const fallback =
        e instanceof CtapError &&
        (e.status === CTAP_STATUS.CTAP2_ERR_UV_BLOCKED || e.status === CTAP_STATUS.CTAP2_ERR_UV_INVALID);
      if (!fallback || !pinSet) throw e;
    }
  }
  if (r.onPinRequired === undefined) {
    if (!mustUv) return { uvOption: false };
    fail(
      'ERR_PIN_REQUIRED',
      'NotAllowedError',
      'the key needs its PIN and no onPinRequired callback was given',
    );
  }
  return { uvOption: false, token: await pinToken(ctap, r, r.onPinRequired) };
}

/** Asks for the PIN until the key accepts one, the user cancels or the retries run out. */
async function pinToken(ctap: Ctap2, r: UvRequest, ask: PinPrompt): Promise<PinUvAuthToken> {
  const { signal, permissions, rpId } = r;
  const clientPin = new ClientPin(ctap);
  let retries: number | undefined;
  try {
    retries = (await clientPin.getRetries({ signal })).retries;
  } catch {
    retries = undefined;
  }
  for (let attempt = 1; ; attempt++) {
    const request: PinRequest = { attempt, rpId };
    if (retries !== undefined) request.retries = retries;
    const pin = await ask(request);
    if (signal.aborted) throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted');
    if (pin === undefined) fail('ERR_NOT_ALLOWED', 'NotAllowedError', 'the user did not enter a PIN');
    try {
      return await clientPin.getPinUvAuthToken({ pin, permissions, rpId, signal });
    } catch (e) {
      if (!(e instanceof CtapError) || e.status !== CTAP_STATUS.CTAP2_ERR_PIN_INVALID) throw e;
      retries = retries === undefined ? undefined : retries - 1;
      try {
        retries = (await clientPin.getRetries({ signal })).retries;
      } catch {
        // keep the estimate
      }
      if (retries === 0) throw e;
    }
  }
}
