/**
 * authenticatorMakeCredential and authenticatorGetAssertion mapped onto CTAP1/U2F messages, as a
 * platform does for a key that speaks only U2F (CTAP 2.1 §10.3 "Interoperating with CTAP1/U2F
 * authenticators"): U2F_REGISTER becomes a `fido-u2f` attestation object, U2F_AUTHENTICATE an
 * assertion whose authenticator data is built from the user-presence byte and the counter.
 */
import {
  type CborValue,
  concatBytes as concat,
  encode,
  InvalidArgumentError,
  sha256,
  utf8Encode,
} from '@fido2kit/cose';
import { describe } from './_assert.js';
import { CTAP_STATUS } from './constants.js';
import type { Ctap1, Ctap1CallOptions } from './ctap1.js';
import {
  type GetAssertionResult,
  type MakeCredentialResult,
  type PublicKeyCredentialDescriptor,
  parseGetAssertionResponse,
  parseMakeCredentialResponse,
} from './ctap2-messages.js';
import { Ctap2ClientError, CtapError } from './errors.js';
import type { PublicKeyCredentialParameters } from './info.js';

/** The challenge and application parameters of the "wait for a touch" U2F_REGISTER (§10.3). */
const DUMMY_CHALLENGE = new Uint8Array(32).fill(0x42);
const DUMMY_APPLICATION = new Uint8Array(32).fill(0x41);

/** Parameters of {@link u2fMakeCredential}: the CTAP2 request members U2F can carry. */
export interface U2fMakeCredentialParams {
  clientDataHash: Uint8Array;
  /** The RP ID; its SHA-256 is the application parameter. */
  rpId: string;
  pubKeyCredParams: PublicKeyCredentialParameters[];
  excludeList?: PublicKeyCredentialDescriptor[];
  options?: { rk?: boolean; uv?: boolean };
}

/** Parameters of {@link u2fGetAssertion}. */
export interface U2fGetAssertionParams {
  clientDataHash: Uint8Array;
  /** RP IDs (or AppIDs) to try in order; each one's SHA-256 is an application parameter. */
  rpIds: string[];
  allowList: PublicKeyCredentialDescriptor[];
  options?: { up?: boolean; uv?: boolean };
}

function unsupported(message: string, status: string): never {
  throw new Ctap2ClientError('ERR_NOT_SUPPORTED', message, { details: { status } });
}

/** The COSE_Key of a 65-byte uncompressed P-256 point: {1: 2, 3: -7, -1: 1, -2: x, -3: y}. */
export function u2fPublicKeyToCose(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new InvalidArgumentError(
      `"publicKey" expected an uncompressed P-256 point of 65 bytes, got ${describe(publicKey)}`,
    );
  }
  return encode(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, publicKey.slice(1, 33)],
      [-3, publicKey.slice(33, 65)],
    ]),
  );
}

/** Waits for a touch with a U2F_REGISTER nobody will use, so a refusal cannot be told from absence. */
async function waitForTouch(ctap1: Ctap1, call: Ctap1CallOptions): Promise<void> {
  await ctap1.register(DUMMY_CHALLENGE, DUMMY_APPLICATION, call);
}

/**
 * The excludeList check of CTAP 2.1 §10.3.1 step 3 (and WebAuthn L3 §10.1.2 appidExclude): a
 * check-only U2F_AUTHENTICATE per credential under `application`; a key handle the key owns
 * waits for a touch (so the user consents to revealing it) and fails CREDENTIAL_EXCLUDED.
 * @param ctap1 the key, over CTAP1
 * @param clientDataHash the challenge parameter of the check-only requests
 * @param application SHA-256 of the RP ID or AppID the credentials would be under
 * @param excludeList the credentials to look for; IDs over 255 bytes cannot be U2F key handles
 * @param call signal and keepalive callback
 * @throws {CtapError} `CTAP2_ERR_CREDENTIAL_EXCLUDED` when the key holds one of them
 * @example
 * ```ts
 * await u2fCheckExcluded(new Ctap1(device), clientDataHash, sha256(utf8Encode(appid)), excludeList);
 * ```
 */
export async function u2fCheckExcluded(
  ctap1: Ctap1,
  clientDataHash: Uint8Array,
  application: Uint8Array,
  excludeList: readonly PublicKeyCredentialDescriptor[],
  call: Ctap1CallOptions = {},
): Promise<void> {
  for (const d of excludeList) {
    if (d.type !== 'public-key' || d.id.length > 255) continue;
    if (await ctap1.authenticate(clientDataHash, application, d.id, { ...call, checkOnly: true })) {
      await waitForTouch(ctap1, call);
      throw new CtapError(CTAP_STATUS.CTAP2_ERR_CREDENTIAL_EXCLUDED);
    }
  }
}

/**
 * authenticatorMakeCredential on a U2F key (CTAP 2.1 §10.3.1): ES256 only, no discoverable
 * credential, no user verification; each excludeList entry is checked with a check-only
 * U2F_AUTHENTICATE, and a match waits for a touch and fails CTAP2_ERR_CREDENTIAL_EXCLUDED.
 * The result is what a CTAP2 key would answer: fmt `fido-u2f`, attStmt {sig, x5c: [cert]},
 * authData with flags UP|AT, counter 0, the zero AAGUID and the COSE form of the U2F key.
 *
 * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` (ES256 not offered, rk or uv asked),
 *   `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_INVALID_RESPONSE`
 * @throws {CtapError} `CTAP2_ERR_CREDENTIAL_EXCLUDED`
 * @example
 * ```ts
 * const made = await u2fMakeCredential(new Ctap1(device), { clientDataHash, rpId: 'example.com',
 *   pubKeyCredParams: [{ type: 'public-key', alg: -7 }] });
 * made.fmt; // 'fido-u2f'
 * ```
 */
export async function u2fMakeCredential(
  ctap1: Ctap1,
  params: U2fMakeCredentialParams,
  call: Ctap1CallOptions = {},
): Promise<MakeCredentialResult> {
  if (!params.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === -7)) {
    unsupported('a U2F authenticator makes ES256 (-7) credentials only', 'CTAP2_ERR_UNSUPPORTED_ALGORITHM');
  }
  if (params.options?.rk === true) {
    unsupported('a U2F authenticator cannot store discoverable credentials', 'CTAP2_ERR_UNSUPPORTED_OPTION');
  }
  if (params.options?.uv === true) {
    unsupported('a U2F authenticator cannot verify the user', 'CTAP2_ERR_UNSUPPORTED_OPTION');
  }
  const application = sha256(utf8Encode(params.rpId));
  await u2fCheckExcluded(ctap1, params.clientDataHash, application, params.excludeList ?? [], call);
  const reg = await ctap1.register(params.clientDataHash, application, call);
  const keyHandle = reg.keyHandle;
  const head = new Uint8Array(37 + 16 + 2);
  head.set(application, 0);
  head[32] = 0x41; // UP | AT
  // signCount 0 (bytes 33..36), AAGUID all zero (37..52)
  head[53] = keyHandle.length >> 8;
  head[54] = keyHandle.length & 0xff;
  const authData = concat(head, keyHandle, u2fPublicKeyToCose(reg.publicKey));
  return parseMakeCredentialResponse(
    new Map<CborValue, CborValue>([
      [1, 'fido-u2f'],
      [2, authData],
      [
        3,
        new Map<CborValue, CborValue>([
          ['sig', reg.signature],
          ['x5c', [reg.certificate]],
        ]),
      ],
    ]),
  );
}

/**
 * authenticatorGetAssertion on a U2F key (CTAP 2.1 §10.3.2): for each application parameter in
 * turn, each allowList entry is checked with a check-only U2F_AUTHENTICATE; the first the key
 * owns is signed with enforce-user-presence. The authenticator data is application ‖ flags (the
 * user-presence byte) ‖ counter, so the U2F signature verifies as a WebAuthn assertion's.
 * With no match the key still waits for a touch, then CTAP2_ERR_NO_CREDENTIALS.
 *
 * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` (uv asked), `ERR_TIMEOUT`, `ERR_ABORTED`
 * @throws {CtapError} `CTAP2_ERR_NO_CREDENTIALS`
 * @example
 * ```ts
 * const got = await u2fGetAssertion(new Ctap1(device), { clientDataHash,
 *   rpIds: ['example.com', 'https://example.com/appid.json'], allowList });
 * ```
 */
export async function u2fGetAssertion(
  ctap1: Ctap1,
  params: U2fGetAssertionParams,
  call: Ctap1CallOptions = {},
): Promise<GetAssertionResult> {
  if (params.options?.uv === true) {
    unsupported('a U2F authenticator cannot verify the user', 'CTAP2_ERR_UNSUPPORTED_OPTION');
  }
  const list = params.allowList.filter((d) => d.type === 'public-key' && d.id.length <= 255);
  for (const rpId of params.rpIds) {
    const application = sha256(utf8Encode(rpId));
    for (const d of list) {
      const mine = await ctap1.authenticate(params.clientDataHash, application, d.id, {
        ...call,
        checkOnly: true,
      });
      if (!mine) continue;
      const sig = await ctap1.authenticate(params.clientDataHash, application, d.id, {
        ...call,
        enforceUserPresence: params.options?.up !== false,
      });
      const authData = new Uint8Array(37);
      authData.set(application, 0);
      authData[32] = sig.userPresence & 0x01;
      new DataView(authData.buffer).setUint32(33, sig.counter, false);
      return parseGetAssertionResponse(
        new Map<CborValue, CborValue>([
          [
            1,
            new Map<CborValue, CborValue>([
              ['id', d.id],
              ['type', 'public-key'],
            ]),
          ],
          [2, authData],
          [3, sig.signature],
        ]),
      );
    }
  }
  if (params.options?.up !== false) await waitForTouch(ctap1, call);
  throw new CtapError(CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS);
}
