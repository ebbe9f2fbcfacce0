/**
 * CTAP1 / FIDO U2F raw messages (FIDO U2F Raw Message Formats v1.2) for a virtual authenticator
 * configured `u2f: 'dual'` or `'u2f-only'`. Key handles are sealed credential IDs bound to the
 * application parameter, so a U2F registration also answers CTAP2 getAssertion for the RP ID
 * (or AppID) whose SHA-256 is that parameter, and a CTAP2 credential answers U2F_AUTHENTICATE.
 */
import { concatBytes, type Ec2PublicKey, equalBytes } from '@fido2kit/cose';
import { type CallOptions, U2F_SW } from '@fido2kit/ctap2';
import type { AuthenticatorCore } from './core.js';
import { type CredentialPayload, unwrapCredentialId, wrapCredentialId } from './credential-id.js';
import { managementConfig } from './management-config.js';

const INS = { register: 0x01, authenticate: 0x02, version: 0x03 } as const;

function sw(word: number, data?: Uint8Array): Uint8Array {
  const tail = Uint8Array.of(word >> 8, word & 0xff);
  return data === undefined ? tail : concatBytes(data, tail);
}

/** The APDU's header and data (short or extended Lc). */
function parseApdu(apdu: Uint8Array): { cla: number; ins: number; p1: number; data: Uint8Array } | number {
  if (apdu.length < 4) return U2F_SW.WRONG_LENGTH;
  const [cla, ins, p1] = apdu as unknown as [number, number, number];
  if (apdu.length <= 5) return { cla, ins, p1, data: new Uint8Array(0) };
  let lc: number;
  let start: number;
  if (apdu[4] === 0) {
    if (apdu.length < 7) return U2F_SW.WRONG_LENGTH;
    // ISO 7816-4 case 2E: 00 Le1 Le2 and no data (not an Lc of Le1 Le2)
    if (apdu.length === 7) return { cla, ins, p1, data: new Uint8Array(0) };
    lc = ((apdu[5] as number) << 8) | (apdu[6] as number);
    start = 7;
  } else {
    lc = apdu[4] as number;
    start = 5;
  }
  if (lc === 0) return { cla, ins, p1, data: new Uint8Array(0) };
  const rest = apdu.length - start - lc;
  // Le: none, 1 byte (short), 2 bytes (extended) or 3 (00 Le1 Le2)
  if (rest < 0 || rest > 3) return U2F_SW.WRONG_LENGTH;
  return { cla, ins, p1, data: apdu.subarray(start, start + lc) };
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
  if (!(apdu instanceof Uint8Array)) return sw(U2F_SW.WRONG_LENGTH);
  const a = parseApdu(apdu);
  if (typeof a === 'number') return sw(a);
  if (a.cla !== 0) return sw(U2F_SW.CLA_NOT_SUPPORTED);
  try {
    switch (a.ins) {
      case INS.version:
        if (a.data.length !== 0) return sw(U2F_SW.WRONG_LENGTH);
        return sw(U2F_SW.NO_ERROR, new TextEncoder().encode('U2F_V2'));
      case INS.register:
        return await register(core, a.data, call);
      case INS.authenticate:
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
  if (p1 === 0x07) return sw(U2F_SW.CONDITIONS_NOT_SATISFIED);
  if (p1 === 0x03) {
    if (!(await presence(core, call, 'u2fAuthenticate'))) return sw(U2F_SW.CONDITIONS_NOT_SATISFIED);
    up = 1;
  } else if (p1 !== 0x08) {
    return sw(U2F_SW.WRONG_DATA);
  }
  const counter = core.nextCounter(keyHandle);
  const c = new Uint8Array(4);
  new DataView(c.buffer).setUint32(0, counter, false);
  const signed = concatBytes(app, Uint8Array.of(up), c, challenge);
  const signature = await (await core.credentialKey(payload!)).sign(signed);
  return sw(U2F_SW.NO_ERROR, concatBytes(Uint8Array.of(up), c, signature));
}
