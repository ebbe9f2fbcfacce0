/**
 * CTAP1 / FIDO U2F raw messages (FIDO U2F Raw Message Formats v1.2) for a virtual authenticator
 * configured `u2f: 'dual'` or `'u2f-only'`. Key handles are sealed credential IDs bound to the
 * application parameter, so a U2F registration also answers CTAP2 getAssertion for the RP ID
 * (or AppID) whose SHA-256 is that parameter, and a CTAP2 credential answers U2F_AUTHENTICATE.
 */
import { concatBytes, type Ec2PublicKey, equalBytes } from '@fido2kit/cose';
import {
  type CallOptions,
  type DecodedCommandApdu,
  decodeCommandApdu,
  encodeResponseApdu,
  U2F_AUTH_CONTROL,
  U2F_INS,
  U2F_SW,
} from '@fido2kit/ctap2';
import type { AuthenticatorCore } from './core.js';
import { type CredentialPayload, unwrapCredentialId, wrapCredentialId } from './credential-id.js';
import { managementConfig } from './management-config.js';

function sw(word: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return encodeResponseApdu(data, word);
}

/**
 * Answers one U2F APDU: response data ‖ SW1 SW2. Never throws.
 */
export async function handleU2f(
  core: AuthenticatorCore,
  apdu: Uint8Array,
  call: CallOptions | undefined,
): Promise<Uint8Array> {
  if (managementConfig(core.config).u2f === false) return sw(U2F_SW.INS_NOT_SUPPORTED);
  let a: DecodedCommandApdu;
  try {
    // ISO 7816-4 short or extended, through ctap2's one codec; U2F hosts' `00 0000 Le` too
    a = decodeCommandApdu(apdu, { allowEmptyExtendedLc: true });
  } catch {
    return sw(U2F_SW.WRONG_LENGTH);
  }
  if (a.cla !== 0) return sw(U2F_SW.CLA_NOT_SUPPORTED);
  try {
    switch (a.ins) {
      case U2F_INS.version:
        if (a.data.length !== 0) return sw(U2F_SW.WRONG_LENGTH);
        return sw(U2F_SW.NO_ERROR, new TextEncoder().encode('U2F_V2'));
      case U2F_INS.register:
        return await register(core, a.data, call);
      case U2F_INS.authenticate:
        return await authenticate(core, a.p1, a.data, call);
      default:
        return sw(U2F_SW.INS_NOT_SUPPORTED);
    }
  } catch {
    return sw(0x6f00);
  }
}

async function presence(
  core: AuthenticatorCore,
  call: CallOptions | undefined,
  command: string,
): Promise<boolean> {
  try {
    return (await core.requestPresence(call, { command })) === 'yes';
  } catch {
    return false;
  }
}

async function register(core: AuthenticatorCore, data: Uint8Array, call: CallOptions | undefined) {
  if (data.length !== 64) return sw(U2F_SW.WRONG_LENGTH);
  const challenge = data.subarray(0, 32);
  const app = data.subarray(32, 64);
  if (!(await presence(core, call, 'u2fRegister'))) return sw(U2F_SW.CONDITIONS_NOT_SATISFIED);
  const made = await core.newCredentialKey(-7);
  const payload: CredentialPayload = {
    alg: -7,
    seed: made.seed,
    credProtect: 1,
    hmacSecret: false,
    rk: false,
    ...(made.rawKey ? { rawKey: true } : {}),
  };
  const keyHandle = wrapCredentialId(core.state.secret, app, payload, core.random(12));
  const credentialKey = made.key.publicKey as Ec2PublicKey;
  const publicKey = concatBytes(Uint8Array.of(4), credentialKey.x, credentialKey.y);
  const leaf = core.u2fLeaf();
  const signed = concatBytes(Uint8Array.of(0), app, challenge, keyHandle, publicKey);
  const signature = await (await core.keys.get(-7, leaf.key)).sign(signed);
  const body = concatBytes(
    Uint8Array.of(0x05),
    publicKey,
    Uint8Array.of(keyHandle.length),
    keyHandle,
    leaf.cert,
    signature,
  );
  return sw(U2F_SW.NO_ERROR, body);
}

async function authenticate(
  core: AuthenticatorCore,
  p1: number,
  data: Uint8Array,
  call: CallOptions | undefined,
) {
  if (data.length < 65) return sw(U2F_SW.WRONG_LENGTH);
  const challenge = data.subarray(0, 32);
  const app = data.subarray(32, 64);
  const l = data[64] as number;
  if (data.length !== 65 + l) return sw(U2F_SW.WRONG_LENGTH);
  const keyHandle = data.slice(65);
  const payload = unwrapCredentialId(core.state.secret, app, keyHandle);
  const usable =
    payload !== undefined &&
    payload.alg === -7 &&
    payload.credProtect !== 3 &&
    (!payload.rk || core.state.credentials.some((c) => equalBytes(c.id, keyHandle)));
  if (!usable) return sw(U2F_SW.WRONG_DATA);
  let up = 0;
  if (p1 === U2F_AUTH_CONTROL.checkOnly) return sw(U2F_SW.CONDITIONS_NOT_SATISFIED);
  if (p1 === U2F_AUTH_CONTROL.enforceUserPresenceAndSign) {
    if (!(await presence(core, call, 'u2fAuthenticate'))) return sw(U2F_SW.CONDITIONS_NOT_SATISFIED);
    up = 1;
  } else if (p1 !== U2F_AUTH_CONTROL.dontEnforceUserPresenceAndSign) {
    return sw(U2F_SW.WRONG_DATA);
  }
  const counter = core.nextCounter(keyHandle);
  const c = new Uint8Array(4);
  new DataView(c.buffer).setUint32(0, counter, false);
  const signed = concatBytes(app, Uint8Array.of(up), c, challenge);
  const signature = await (await core.credentialKey(payload!)).sign(signed);
  return sw(U2F_SW.NO_ERROR, concatBytes(Uint8Array.of(up), c, signature));
}
