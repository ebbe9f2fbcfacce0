/**
 * CTAP1 / FIDO U2F raw messages (FIDO U2F Raw Message Formats v1.2): U2F_REGISTER,
 * U2F_AUTHENTICATE (check-only, enforce-user-presence, dont-enforce) and U2F_VERSION, sent as
 * extended-length ISO 7816-4 APDUs through {@link CtapDevice.msg}.
 */
import { Fido2kitError, type Fido2kitErrorOptions, InvalidArgumentError } from '@fido2kit/cose';
import { argBytes, invalidResponse, throwIfAborted } from './_assert.js';
import { decodeResponseApdu, EXTENDED_MAX_LE, encodeCommandApdu } from './apdu.js';
import { U2F_SW } from './constants.js';
import type { CallOptions, CtapDevice } from './device.js';
import { Ctap2ClientError } from './errors.js';

/** U2F instruction bytes. */
export const U2F_INS = { register: 0x01, authenticate: 0x02, version: 0x03 } as const;

/** U2F_AUTHENTICATE control bytes (P1). */
export const U2F_AUTH_CONTROL = {
  checkOnly: 0x07,
  enforceUserPresenceAndSign: 0x03,
  dontEnforceUserPresenceAndSign: 0x08,
} as const;

/** Codes of {@link ApduError}. */
export type ApduErrorCode =
  | 'ERR_CONDITIONS_NOT_SATISFIED'
  | 'ERR_WRONG_DATA'
  | 'ERR_WRONG_LENGTH'
  | 'ERR_CLA_NOT_SUPPORTED'
  | 'ERR_INS_NOT_SUPPORTED'
  | 'ERR_APDU';

const SW_CODES: Record<number, ApduErrorCode> = {
  [U2F_SW.CONDITIONS_NOT_SATISFIED]: 'ERR_CONDITIONS_NOT_SATISFIED',
  [U2F_SW.WRONG_DATA]: 'ERR_WRONG_DATA',
  [U2F_SW.WRONG_LENGTH]: 'ERR_WRONG_LENGTH',
  [U2F_SW.CLA_NOT_SUPPORTED]: 'ERR_CLA_NOT_SUPPORTED',
  [U2F_SW.INS_NOT_SUPPORTED]: 'ERR_INS_NOT_SUPPORTED',
};

/**
 * A U2F status word other than 9000: `code` names it (`ERR_CONDITIONS_NOT_SATISFIED` for 6985:
 * no touch yet, or in check-only mode "this key handle is mine"; `ERR_WRONG_DATA` for 6A80:
 * not my key handle) and `sw` is the word.
 */
export class ApduError extends Fido2kitError<ApduErrorCode> {
  readonly sw: number;
  constructor(sw: number, options?: Fido2kitErrorOptions) {
    super(
      SW_CODES[sw] ?? 'ERR_APDU',
      `the U2F authenticator answered SW ${sw.toString(16).padStart(4, '0')}`,
      options,
    );
    this.sw = sw;
  }
}

/** A parsed U2F_REGISTER response. */
export interface U2fRegistrationData {
  /** The uncompressed P-256 public key (65 bytes). */
  publicKey: Uint8Array;
  keyHandle: Uint8Array;
  /** The attestation certificate (DER). */
  certificate: Uint8Array;
  /** ECDSA signature (DER) over 0x00 ‖ appParam ‖ challengeParam ‖ keyHandle ‖ publicKey. */
  signature: Uint8Array;
  /** The response as received (without the status word). */
  raw: Uint8Array;
}

/** A parsed U2F_AUTHENTICATE response. */
export interface U2fSignatureData {
  /** The user-presence byte (bit 0 set when the user touched the key). */
  userPresence: number;
  counter: number;
  /** ECDSA signature (DER) over appParam ‖ userPresence ‖ counter ‖ challengeParam. */
  signature: Uint8Array;
  raw: Uint8Array;
}

/** Options of the U2F calls that wait for a touch. */
export interface Ctap1CallOptions extends CallOptions {
  /** How often to ask again while the key answers "touch me" (6985), in ms. Default 100. */
  pollIntervalMs?: number;
  /** Give up after this long, in ms (then `ERR_TIMEOUT`). Default 30 000. */
  timeoutMs?: number;
}

function derLength(bytes: Uint8Array, offset: number): number {
  // the length of a DER element starting at offset (tag, length, contents)
  if (offset + 2 > bytes.length || bytes[offset] !== 0x30)
    invalidResponse('U2F attestation certificate is not a DER SEQUENCE');
  const first = bytes[offset + 1] as number;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 3 || offset + 2 + n > bytes.length)
    invalidResponse('U2F attestation certificate has a bad DER length');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (bytes[offset + 2 + i] as number);
  return 2 + n + len;
}

/**
 * Parses a U2F_REGISTER response body: 0x05 ‖ publicKey(65) ‖ L ‖ keyHandle(L) ‖ certificate ‖ signature.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const { publicKey, keyHandle, certificate } = parseU2fRegistration(body);
 * ```
 */
export function parseU2fRegistration(body: Uint8Array): U2fRegistrationData {
  argBytes(body, 'body');
  if (body.length < 67 || body[0] !== 0x05)
    invalidResponse('U2F register response lacks the reserved 0x05 byte');
  const publicKey = body.slice(1, 66);
  if (publicKey[0] !== 0x04) invalidResponse('U2F public key is not an uncompressed point');
  const l = body[66] as number;
  if (67 + l > body.length) invalidResponse('U2F key handle runs past the response');
  const keyHandle = body.slice(67, 67 + l);
  const certLen = derLength(body, 67 + l);
  const certEnd = 67 + l + certLen;
  if (certEnd >= body.length) invalidResponse('U2F register response lacks the signature');
  return {
    publicKey,
    keyHandle,
    certificate: body.slice(67 + l, certEnd),
    signature: body.slice(certEnd),
    raw: body.slice(),
  };
}

/**
 * Parses a U2F_AUTHENTICATE response body: userPresence ‖ counter(4, big-endian) ‖ signature.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const { userPresence, counter, signature } = parseU2fSignature(body);
 * ```
 */
export function parseU2fSignature(body: Uint8Array): U2fSignatureData {
  argBytes(body, 'body');
  if (body.length < 6) invalidResponse('U2F authenticate response is too short');
  const counter = new DataView(body.buffer, body.byteOffset, body.length).getUint32(1, false);
  return { userPresence: body[0] as number, counter, signature: body.slice(5), raw: body.slice() };
}

/**
 * A U2F request APDU in extended form (FIDO U2F Raw Message Formats v1.2 §3.1.2): CLA 00 ‖ INS ‖
 * P1 ‖ P2 ‖ 00 ‖ Lc(2) ‖ data ‖ Le 00 00 (case 2E `00 00 00` without data), through the shared
 * ISO 7816-4 codec.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when a byte is out of range or `data` exceeds 65535 bytes
 * @example
 * ```ts
 * encodeU2fApdu(U2F_INS.version, 0, 0, new Uint8Array(0)); // 00 03 00 00 00 00 00
 * ```
 */
export function encodeU2fApdu(ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array {
  return encodeCommandApdu({ cla: 0x00, ins, p1, p2, data, le: EXTENDED_MAX_LE }, 'extended');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A CTAP1/U2F authenticator on a {@link CtapDevice} (python-fido2's `Ctap1`). `register` and
 * enforcing `authenticate` poll while the key waits for a touch (6985), calling `onKeepalive`.
 *
 * Spec: FIDO U2F Raw Message Formats v1.2 §4–§6; CTAP 2.1 §10 (interoperating with CTAP1).
 * @example
 * ```ts
 * const u2f = new Ctap1(device);
 * await u2f.getVersion(); // 'U2F_V2'
 * const reg = await u2f.register(sha256(clientData), sha256(utf8Encode('https://example.com')));
 * const sig = await u2f.authenticate(challenge, appParam, reg.keyHandle);
 * ```
 */
export class Ctap1 {
  readonly device: CtapDevice;
  constructor(device: CtapDevice) {
    if (device === null || typeof device !== 'object' || typeof device.msg !== 'function') {
      throw new InvalidArgumentError('"device" expected a CtapDevice');
    }
    this.device = device;
  }

  /**
   * Sends one APDU; returns the data when the status word is 9000.
   * @throws {ApduError} any other status word
   * @throws {Ctap2ClientError} `ERR_TRANSPORT`, `ERR_INVALID_RESPONSE`, `ERR_ABORTED`
   * @example
   * ```ts
   * const data = await u2f.send(U2F_INS.version, 0, 0, new Uint8Array(0));
   * ```
   */
  async send(
    ins: number,
    p1: number,
    p2: number,
    data: Uint8Array,
    options: CallOptions = {},
  ): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    let res: Uint8Array;
    try {
      res = await this.device.msg(encodeU2fApdu(ins, p1, p2, data), options);
    } catch (e) {
      if (e instanceof Fido2kitError) throw e;
      if (options.signal?.aborted)
        throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
      throw new Ctap2ClientError(
        'ERR_TRANSPORT',
        `the device failed: ${(e as Error)?.message ?? String(e)}`,
        { cause: e },
      );
    }
    if (!(res instanceof Uint8Array) || res.length < 2)
      invalidResponse('the U2F response lacks a status word');
    const { data: body, sw } = decodeResponseApdu(res);
    if (sw !== U2F_SW.NO_ERROR) throw new ApduError(sw);
    return body;
  }

  async #poll(send: () => Promise<Uint8Array>, options: Ctap1CallOptions): Promise<Uint8Array> {
    const interval = options.pollIntervalMs ?? 100;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        return await send();
      } catch (e) {
        if (!(e instanceof ApduError) || e.sw !== U2F_SW.CONDITIONS_NOT_SATISFIED) throw e;
        try {
          options.onKeepalive?.('user-presence-needed');
        } catch {
          // a caller's callback failing must not break the call
        }
        if (Date.now() >= deadline)
          throw new Ctap2ClientError('ERR_TIMEOUT', 'the user did not touch the key in time', { cause: e });
        await sleep(interval, options.signal);
      }
    }
  }

  /**
   * U2F_VERSION.
   * @example
   * ```ts
   * await u2f.getVersion(); // 'U2F_V2'
   * ```
   */
  async getVersion(options: CallOptions = {}): Promise<string> {
    const data = await this.send(U2F_INS.version, 0, 0, new Uint8Array(0), options);
    return new TextDecoder().decode(data);
  }

  /**
   * U2F_REGISTER, polling until the user touches the key.
   * @param challengeParameter SHA-256 of the client data (32 bytes)
   * @param applicationParameter SHA-256 of the AppID or RP ID (32 bytes)
   * @throws {Ctap2ClientError} `ERR_TIMEOUT`, `ERR_ABORTED`
   * @example
   * ```ts
   * const { publicKey, keyHandle, certificate, signature } = await u2f.register(challenge, appParam, { signal });
   * ```
   */
  async register(
    challengeParameter: Uint8Array,
    applicationParameter: Uint8Array,
    options: Ctap1CallOptions = {},
  ): Promise<U2fRegistrationData> {
    argBytes(challengeParameter, 'challengeParameter', 32);
    argBytes(applicationParameter, 'applicationParameter', 32);
    const data = new Uint8Array(64);
    data.set(challengeParameter);
    data.set(applicationParameter, 32);
    const body = await this.#poll(() => this.send(U2F_INS.register, 0x00, 0, data, options), options);
    return parseU2fRegistration(body);
  }

  /**
   * U2F_AUTHENTICATE. `checkOnly` asks only whether the key handle is this key's: it resolves
   * `true` (SW 6985) or `false` (SW 6A80). Otherwise it signs, polling for a touch unless
   * `enforceUserPresence` is false.
   * @throws {ApduError} `ERR_WRONG_DATA` when the key handle is not this key's
   * @example
   * ```ts
   * if (await u2f.authenticate(challenge, appParam, keyHandle, { checkOnly: true })) {
   *   const { counter, signature } = await u2f.authenticate(challenge, appParam, keyHandle);
   * }
   * ```
   */
  authenticate(
    challengeParameter: Uint8Array,
    applicationParameter: Uint8Array,
    keyHandle: Uint8Array,
    options: Ctap1CallOptions & { checkOnly: true },
  ): Promise<boolean>;
  authenticate(
    challengeParameter: Uint8Array,
    applicationParameter: Uint8Array,
    keyHandle: Uint8Array,
    options?: Ctap1CallOptions & { checkOnly?: false; enforceUserPresence?: boolean },
  ): Promise<U2fSignatureData>;
  async authenticate(
    challengeParameter: Uint8Array,
    applicationParameter: Uint8Array,
    keyHandle: Uint8Array,
    options: Ctap1CallOptions & { checkOnly?: boolean; enforceUserPresence?: boolean } = {},
  ): Promise<U2fSignatureData | boolean> {
    argBytes(challengeParameter, 'challengeParameter', 32);
    argBytes(applicationParameter, 'applicationParameter', 32);
    argBytes(keyHandle, 'keyHandle');
    if (keyHandle.length > 255)
      throw new InvalidArgumentError(
        `"keyHandle" expected at most 255 bytes, got length=${keyHandle.length}`,
      );
    const data = new Uint8Array(65 + keyHandle.length);
    data.set(challengeParameter);
    data.set(applicationParameter, 32);
    data[64] = keyHandle.length;
    data.set(keyHandle, 65);
    if (options.checkOnly) {
      try {
        await this.send(U2F_INS.authenticate, U2F_AUTH_CONTROL.checkOnly, 0, data, options);
      } catch (e) {
        if (e instanceof ApduError && e.sw === U2F_SW.CONDITIONS_NOT_SATISFIED) return true;
        if (e instanceof ApduError && e.sw === U2F_SW.WRONG_DATA) return false;
        throw e;
      }
      invalidResponse('U2F check-only answered 9000');
    }
    if (options.enforceUserPresence === false) {
      return parseU2fSignature(
        await this.send(
          U2F_INS.authenticate,
          U2F_AUTH_CONTROL.dontEnforceUserPresenceAndSign,
          0,
          data,
          options,
        ),
      );
    }
    const body = await this.#poll(
      () => this.send(U2F_INS.authenticate, U2F_AUTH_CONTROL.enforceUserPresenceAndSign, 0, data, options),
      options,
    );
    return parseU2fSignature(body);
  }
}
