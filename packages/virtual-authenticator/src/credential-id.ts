/**
 * Credential IDs that carry the credential: the seed of its key pair and its policy, sealed with
 * AES-256-GCM under the authenticator's secret and bound to the RP by the RP ID hash as
 * associated data. A credential ID from another authenticator, another RP, a reset, or with any
 * byte changed fails to open and is simply "not ours".
 *
 * Layout: version (1 byte, 0x01) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */
import { type CborValue, decode, encode } from '@fido2kit/cose';
import { gcm } from '@noble/ciphers/aes.js';

/** What a credential ID holds. */
export interface CredentialPayload {
  /** COSE algorithm of the credential key. */
  alg: number;
  /** 32-byte seed the key pair and per-credential secrets derive from. */
  seed: Uint8Array;
  /** credProtect level 1, 2 or 3. */
  credProtect: number;
  /** Whether hmac-secret was requested at creation. */
  hmacSecret: boolean;
  /** Whether the credential is discoverable (also kept in the resident store). */
  rk: boolean;
  /** The credBlob given at creation, if any. */
  credBlob?: Uint8Array;
}

const VERSION = 0x01;
const HEADER = 1 + 12;
const TAG = 16;

/** Seals a credential payload into a credential ID. */
export function wrapCredentialId(
  secret: Uint8Array,
  rpIdHash: Uint8Array,
  payload: CredentialPayload,
  nonce: Uint8Array,
): Uint8Array {
  const m = new Map<number, CborValue>([
    [1, payload.alg],
    [2, payload.seed],
    [3, payload.credProtect],
    [4, payload.hmacSecret],
    [5, payload.rk],
  ]);
  if (payload.credBlob !== undefined) m.set(6, payload.credBlob);
  const sealed = gcm(secret, nonce, rpIdHash).encrypt(encode(m));
  const out = new Uint8Array(HEADER + sealed.length);
  out[0] = VERSION;
  out.set(nonce, 1);
  out.set(sealed, HEADER);
  return out;
}

/** Opens a credential ID; `undefined` when it is not one of ours for this RP. Never throws. */
export function unwrapCredentialId(
  secret: Uint8Array,
  rpIdHash: Uint8Array,
  id: Uint8Array,
): CredentialPayload | undefined {
  if (id.length < HEADER + TAG + 1 || id[0] !== VERSION) return undefined;
  try {
    const plain = gcm(secret, id.slice(1, HEADER), rpIdHash).decrypt(id.slice(HEADER));
    const m = decode(plain);
    if (!(m instanceof Map)) return undefined;
    const alg = m.get(1);
    const seed = m.get(2);
    const credProtect = m.get(3);
    const hmacSecret = m.get(4);
    const rk = m.get(5);
    const credBlob = m.get(6);
    if (
      typeof alg !== 'number' ||
      !(seed instanceof Uint8Array) ||
      typeof credProtect !== 'number' ||
      typeof hmacSecret !== 'boolean' ||
      typeof rk !== 'boolean' ||
      (credBlob !== undefined && !(credBlob instanceof Uint8Array))
    ) {
      return undefined;
    }
    return { alg, seed, credProtect, hmacSecret, rk, ...(credBlob === undefined ? {} : { credBlob }) };
  } catch {
    return undefined;
  }
}
