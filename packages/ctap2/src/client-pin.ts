/**
 * authenticatorClientPIN (CTAP 2.1 §6.5): retries, setting and changing the PIN, and
 * pinUvAuthTokens with permissions.
 */
import { type CborValue, sha256, utf8Encode } from '@fido2kit/cose';
import { argString, type CborMap, invalidResponse, ResponseReader } from './_assert.js';
import { CTAP2_COMMANDS } from './constants.js';
import type { Ctap2 } from './ctap2.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError } from './errors.js';
import { type PinUvAuthProtocol, pinUvAuthProtocol } from './pin-protocol.js';

/** ClientPIN subcommands (CTAP 2.1 §6.5.5). */
export const CLIENT_PIN_SUBCOMMANDS = {
  getPINRetries: 0x01,
  getKeyAgreement: 0x02,
  setPIN: 0x03,
  changePIN: 0x04,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingUvWithPermissions: 0x06,
  getUVRetries: 0x07,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

/** ClientPIN parameter keys (CTAP 2.1 §6.5.5). */
export const CLIENT_PIN_KEYS = {
  pinUvAuthProtocol: 0x01,
  subCommand: 0x02,
  keyAgreement: 0x03,
  pinUvAuthParam: 0x04,
  newPinEnc: 0x05,
  pinHashEnc: 0x06,
  permissions: 0x09,
  rpId: 0x0a,
} as const;

/** ClientPIN response keys (CTAP 2.1 §6.5.5). */
export const CLIENT_PIN_RESPONSE_KEYS = {
  keyAgreement: 0x01,
  pinUvAuthToken: 0x02,
  pinRetries: 0x03,
  powerCycleState: 0x04,
  uvRetries: 0x05,
} as const;

/** pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7). */
export const PIN_UV_AUTH_PERMISSIONS = {
  /** makeCredential */
  mc: 0x01,
  /** getAssertion */
  ga: 0x02,
  /** credentialManagement */
  cm: 0x04,
  /** bioEnrollment */
  be: 0x08,
  /** largeBlobWrite */
  lbw: 0x10,
  /** authenticatorConfig */
  acfg: 0x20,
  /**
   * persistentCredentialManagementReadOnly (CTAP 2.2 §6.5.5.7): the persistent
   * pinUvAuthToken, which survives power cycles, for credential-management reads only
   * (getCredsMetadata, enumerateRPs*, enumerateCredentials*). Asked for alone; offered when
   * getInfo has the `perCredMgmtRO` option.
   */
  pcmr: 0x40,
} as const;

/** A permission name. */
export type PinUvAuthPermission = keyof typeof PIN_UV_AUTH_PERMISSIONS;

/** A pinUvAuthToken and the protocol it was obtained with. */
export interface PinUvAuthToken {
  token: Uint8Array;
  protocol: PinUvAuthProtocol;
  /** The permission bits asked for (all of them for a CTAP 2.0 getPinToken). */
  permissions: number;
  rpId?: string;
}

/** Options of {@link ClientPin.getPinUvAuthToken}. */
export interface GetPinUvAuthTokenOptions extends CallOptions {
  /** The PIN; without it, built-in user verification is used. */
  pin?: string;
  /** Permission names or bits; default `['mc', 'ga']`. */
  permissions?: PinUvAuthPermission[] | number;
  /** The RP ID to bind the token to (required for mc and ga). */
  rpId?: string;
}

/** The largest PIN in bytes (CTAP 2.1 §6.5.5.5: at most 63 bytes of UTF-8). */
export const MAX_PIN_BYTES = 63;

/**
 * The bits of a permission list (CTAP 2.1 §6.5.5.7).
 * @example
 * ```ts
 * permissionBits(['mc', 'ga']); // 3
 * ```
 */
export function permissionBits(permissions: PinUvAuthPermission[] | number): number {
  if (typeof permissions === 'number') {
    if (!Number.isInteger(permissions) || permissions <= 0 || permissions > 0xff) {
      throw new RangeError(`"permissions" expected a non-zero byte, got ${permissions}`);
    }
    return permissions;
  }
  let bits = 0;
  for (const p of permissions) {
    const bit = PIN_UV_AUTH_PERMISSIONS[p];
    if (bit === undefined) throw new RangeError(`"permissions" has an unknown permission ${String(p)}`);
    bits |= bit;
  }
  if (bits === 0) throw new RangeError('"permissions" expected at least one permission');
  return bits;
}

/**
 * Checks a new PIN against CTAP 2.1 §6.5.5.5 and pads it to 64 bytes: at least `minLength`
 * Unicode code points (after NFC normalisation), at most 63 bytes of UTF-8.
 * @throws {Ctap2ClientError} `ERR_PIN_POLICY`
 * @example
 * ```ts
 * padPin('1234'); // 31 32 33 34 00 … (64 bytes)
 * ```
 */
export function padPin(pin: string, minLength = 4): Uint8Array {
  const bytes = pinBytes(pin);
  const codePoints = [...pin.normalize('NFC')].length;
  if (codePoints < minLength) {
    throw new Ctap2ClientError('ERR_PIN_POLICY', `the PIN must have at least ${minLength} characters`, {
      details: { minLength, length: codePoints },
    });
  }
  const out = new Uint8Array(64);
  out.set(bytes);
  return out;
}

function pinBytes(pin: string): Uint8Array {
  argString(pin, 'pin');
  const bytes = utf8Encode(pin.normalize('NFC'));
  if (bytes.length > MAX_PIN_BYTES) {
    throw new Ctap2ClientError('ERR_PIN_POLICY', `the PIN must be at most ${MAX_PIN_BYTES} bytes of UTF-8`, {
      details: { maxBytes: MAX_PIN_BYTES, length: bytes.length },
    });
  }
  if (bytes.includes(0)) throw new Ctap2ClientError('ERR_PIN_POLICY', 'the PIN must not contain NUL');
  return bytes;
}

/** LEFT(SHA-256(PIN), 16): the PIN as the token subcommands and changePin send it (CTAP 2.1 §6.5.5.5). */
function pinHash(pin: string): Uint8Array {
  return sha256(pinBytes(pin)).subarray(0, 16);
}

/**
 * The ClientPIN command on a {@link Ctap2}: PIN retries, setPin, changePin and tokens.
 *
 * Spec: CTAP 2.1 §6.5.
 * @example
 * ```ts
 * const pin = new ClientPin(ctap);
 * await pin.setPin('1234');
 * const { token, protocol } = await pin.getPinUvAuthToken({ pin: '1234', permissions: ['mc'], rpId: 'example.com' });
 * const pinUvAuthParam = protocol.authenticate(token, clientDataHash);
 * ```
 */
export class ClientPin {
  readonly ctap: Ctap2;
  /** The protocol used: the authenticator's most preferred one that this client knows. */
  readonly protocol: PinUvAuthProtocol;

  /**
   * @param protocol 1 or 2 (or a protocol object); default the first of getInfo's
   *   pinUvAuthProtocols that this client supports, else 1.
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when the authenticator has no ClientPIN or
   *   not the protocol asked for
   */
  constructor(ctap: Ctap2, protocol?: 1 | 2 | PinUvAuthProtocol) {
    this.ctap = ctap;
    if (!ClientPin.isSupported(ctap)) {
      throw new Ctap2ClientError('ERR_NOT_SUPPORTED', 'the authenticator supports no PIN/UV auth protocol');
    }
    const offered = ctap.info.pinUvAuthProtocols.length ? ctap.info.pinUvAuthProtocols : [1];
    if (protocol === undefined) {
      const v = offered.find((p) => p === 1 || p === 2);
      if (v === undefined) {
        throw new Ctap2ClientError(
          'ERR_NOT_SUPPORTED',
          `the authenticator offers only protocols ${offered.join(', ')}`,
        );
      }
      this.protocol = pinUvAuthProtocol(v);
    } else {
      this.protocol = typeof protocol === 'number' ? pinUvAuthProtocol(protocol) : protocol;
      if (!offered.includes(this.protocol.version)) {
        throw new Ctap2ClientError(
          'ERR_NOT_SUPPORTED',
          `the authenticator does not offer protocol ${this.protocol.version}`,
        );
      }
    }
  }

  /** True when the authenticator has ClientPIN or pinUvAuthToken at all. */
  static isSupported(ctap: Ctap2): boolean {
    const o = ctap.info.options;
    return o.clientPin !== undefined || o.pinUvAuthToken === true || ctap.info.pinUvAuthProtocols.length > 0;
  }

  async #call(
    sub: number,
    extra: [number, CborValue | undefined][],
    options: CallOptions = {},
  ): Promise<ResponseReader> {
    const K = CLIENT_PIN_KEYS;
    const req = new Map<CborValue, CborValue>([
      [K.pinUvAuthProtocol, this.protocol.version],
      [K.subCommand, sub],
    ]);
    for (const [k, v] of extra) if (v !== undefined) req.set(k, v);
    const res = await this.ctap.send(CTAP2_COMMANDS.clientPIN, req, options);
    return new ResponseReader(res ?? new Map(), 'clientPIN');
  }

  /**
   * The token subcommands (getPinToken, …UsingPinWithPermissions, …UsingUvWithPermissions):
   * one key agreement, then pinHashEnc when a PIN is given, permissions and rpId when asked for.
   * A token without permissions (getPinToken) is good for everything (0xff).
   */
  async #getToken(
    sub: number,
    hash: Uint8Array | undefined,
    permissions: number | undefined,
    rpId: string | undefined,
    options: CallOptions | undefined,
  ): Promise<PinUvAuthToken> {
    const { keyAgreement, sharedSecret } = await this.#sharedSecret(options);
    const K = CLIENT_PIN_KEYS;
    const r = await this.#call(
      sub,
      [
        [K.keyAgreement, keyAgreement],
        [K.pinHashEnc, hash === undefined ? undefined : this.protocol.encrypt(sharedSecret, hash)],
        [K.permissions, permissions],
        [K.rpId, rpId],
      ],
      options,
    );
    const out: PinUvAuthToken = {
      token: this.#token(r, sharedSecret),
      protocol: this.protocol,
      permissions: permissions ?? 0xff,
    };
    if (rpId !== undefined) out.rpId = rpId;
    return out;
  }

  /**
   * getKeyAgreement (CTAP 2.1 §6.5.5.4), then encapsulate: the platform key to send and the
   * shared secret (used by hmac-secret and by every PIN subcommand).
   * @example
   * ```ts
   * const { keyAgreement, sharedSecret } = await pin.getSharedSecret();
   * ```
   */
  getSharedSecret(options?: CallOptions): Promise<{ keyAgreement: CborMap; sharedSecret: Uint8Array }> {
    return this.#sharedSecret(options);
  }

  async #sharedSecret(options?: CallOptions): Promise<{ keyAgreement: CborMap; sharedSecret: Uint8Array }> {
    const r = await this.#call(CLIENT_PIN_SUBCOMMANDS.getKeyAgreement, [], options);
    const peer = r.cborMap(CLIENT_PIN_RESPONSE_KEYS.keyAgreement, true);
    return this.protocol.encapsulate(peer);
  }

  /**
   * getPINRetries (CTAP 2.1 §6.5.5.2).
   * @example
   * ```ts
   * const { retries, powerCycleState } = await pin.getRetries();
   * ```
   */
  async getRetries(options?: CallOptions): Promise<{ retries: number; powerCycleState?: boolean }> {
    const r = await this.#call(CLIENT_PIN_SUBCOMMANDS.getPINRetries, [], options);
    const out: { retries: number; powerCycleState?: boolean } = {
      retries: r.uint(CLIENT_PIN_RESPONSE_KEYS.pinRetries, true),
    };
    const pcs = r.bool(CLIENT_PIN_RESPONSE_KEYS.powerCycleState);
    if (pcs !== undefined) out.powerCycleState = pcs;
    return out;
  }

  /**
   * getUVRetries (CTAP 2.1 §6.5.5.3).
   * @example
   * ```ts
   * const { retries } = await pin.getUvRetries();
   * ```
   */
  async getUvRetries(options?: CallOptions): Promise<{ retries: number }> {
    const r = await this.#call(CLIENT_PIN_SUBCOMMANDS.getUVRetries, [], options);
    return { retries: r.uint(CLIENT_PIN_RESPONSE_KEYS.uvRetries, true) };
  }

  /**
   * setPIN (CTAP 2.1 §6.5.5.5) on a key without a PIN.
   * @throws {Ctap2ClientError} `ERR_PIN_POLICY` (too short for minPINLength, over 63 bytes)
   * @throws {CtapError} `CTAP2_ERR_PIN_AUTH_INVALID` when a PIN is already set, `CTAP2_ERR_PIN_POLICY_VIOLATION`
   * @example
   * ```ts
   * await pin.setPin('123456');
   * ```
   */
  async setPin(pin: string, options?: CallOptions): Promise<void> {
    const padded = padPin(pin, this.ctap.info.minPINLength);
    const { keyAgreement, sharedSecret } = await this.#sharedSecret(options);
    const newPinEnc = this.protocol.encrypt(sharedSecret, padded);
    const pinUvAuthParam = this.protocol.authenticate(sharedSecret, newPinEnc);
    const K = CLIENT_PIN_KEYS;
    await this.#call(
      CLIENT_PIN_SUBCOMMANDS.setPIN,
      [
        [K.keyAgreement, keyAgreement],
        [K.pinUvAuthParam, pinUvAuthParam],
        [K.newPinEnc, newPinEnc],
      ],
      options,
    );
  }

  /**
   * changePIN (CTAP 2.1 §6.5.5.6).
   * @throws {CtapError} `CTAP2_ERR_PIN_INVALID` (a retry is used), `CTAP2_ERR_PIN_BLOCKED`, …
   * @example
   * ```ts
   * await pin.changePin('123456', '654321');
   * ```
   */
  async changePin(currentPin: string, newPin: string, options?: CallOptions): Promise<void> {
    const current = pinHash(currentPin);
    const padded = padPin(newPin, this.ctap.info.minPINLength);
    const { keyAgreement, sharedSecret } = await this.#sharedSecret(options);
    const pinHashEnc = this.protocol.encrypt(sharedSecret, current);
    const newPinEnc = this.protocol.encrypt(sharedSecret, padded);
    const message = new Uint8Array(newPinEnc.length + pinHashEnc.length);
    message.set(newPinEnc);
    message.set(pinHashEnc, newPinEnc.length);
    const pinUvAuthParam = this.protocol.authenticate(sharedSecret, message);
    const K = CLIENT_PIN_KEYS;
    await this.#call(
      CLIENT_PIN_SUBCOMMANDS.changePIN,
      [
        [K.keyAgreement, keyAgreement],
        [K.pinUvAuthParam, pinUvAuthParam],
        [K.newPinEnc, newPinEnc],
        [K.pinHashEnc, pinHashEnc],
      ],
      options,
    );
  }

  #token(r: ResponseReader, sharedSecret: Uint8Array): Uint8Array {
    const enc = r.bytes(CLIENT_PIN_RESPONSE_KEYS.pinUvAuthToken, true);
    const token = this.protocol.decrypt(sharedSecret, enc);
    if (token.length !== 16 && token.length !== 32)
      invalidResponse(`pinUvAuthToken has ${token.length} bytes`);
    return token;
  }

  /**
   * getPinToken (CTAP 2.0 / CTAP 2.1 §6.5.5.7.1): a token with every permission, for keys
   * without pinUvAuthToken.
   * @throws {CtapError} `CTAP2_ERR_PIN_INVALID`, `CTAP2_ERR_PIN_BLOCKED`, `CTAP2_ERR_PIN_AUTH_BLOCKED`, `CTAP2_ERR_PIN_NOT_SET`
   * @example
   * ```ts
   * const { token } = await pin.getPinToken('1234');
   * ```
   */
  async getPinToken(pin: string, options?: CallOptions): Promise<PinUvAuthToken> {
    return this.#getToken(CLIENT_PIN_SUBCOMMANDS.getPinToken, pinHash(pin), undefined, undefined, options);
  }

  /**
   * getPinUvAuthTokenUsingPinWithPermissions (CTAP 2.1 §6.5.5.7.2).
   * @example
   * ```ts
   * const t = await pin.getPinUvAuthTokenUsingPinWithPermissions('1234', ['cm']);
   * ```
   */
  async getPinUvAuthTokenUsingPinWithPermissions(
    pin: string,
    permissions: PinUvAuthPermission[] | number,
    rpId?: string,
    options?: CallOptions,
  ): Promise<PinUvAuthToken> {
    const sub = CLIENT_PIN_SUBCOMMANDS.getPinUvAuthTokenUsingPinWithPermissions;
    return this.#getToken(sub, pinHash(pin), permissionBits(permissions), rpId, options);
  }

  /**
   * getPinUvAuthTokenUsingUvWithPermissions (CTAP 2.1 §6.5.5.7.3): built-in UV (fingerprint).
   * @throws {CtapError} `CTAP2_ERR_UV_INVALID`, `CTAP2_ERR_UV_BLOCKED`, `CTAP2_ERR_OPERATION_DENIED`
   * @example
   * ```ts
   * const t = await pin.getPinUvAuthTokenUsingUvWithPermissions(['ga'], 'example.com', { onKeepalive });
   * ```
   */
  async getPinUvAuthTokenUsingUvWithPermissions(
    permissions: PinUvAuthPermission[] | number,
    rpId?: string,
    options?: CallOptions,
  ): Promise<PinUvAuthToken> {
    const sub = CLIENT_PIN_SUBCOMMANDS.getPinUvAuthTokenUsingUvWithPermissions;
    return this.#getToken(sub, undefined, permissionBits(permissions), rpId, options);
  }

  /**
   * A pinUvAuthToken by the best method the key has: with a PIN, …UsingPinWithPermissions on
   * CTAP 2.1 keys (option pinUvAuthToken) or getPinToken on CTAP 2.0 keys; without a PIN,
   * …UsingUvWithPermissions. Management commands use `{ token, protocol }`.
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when no PIN is given and the key cannot do
   *   built-in UV tokens
   * @example
   * ```ts
   * const { token, protocol } = await pin.getPinUvAuthToken({ pin: '1234', permissions: ['cm'] });
   * ```
   */
  async getPinUvAuthToken(options: GetPinUvAuthTokenOptions = {}): Promise<PinUvAuthToken> {
    const { pin, rpId, signal, onKeepalive } = options;
    const call: CallOptions = {};
    if (signal) call.signal = signal;
    if (onKeepalive) call.onKeepalive = onKeepalive;
    const permissions = options.permissions ?? ['mc', 'ga'];
    const o = this.ctap.info.options;
    if (pin !== undefined) {
      if (o.pinUvAuthToken === true)
        return this.getPinUvAuthTokenUsingPinWithPermissions(pin, permissions, rpId, call);
      return this.getPinToken(pin, call);
    }
    if (o.pinUvAuthToken === true && o.uv === true) {
      return this.getPinUvAuthTokenUsingUvWithPermissions(permissions, rpId, call);
    }
    throw new Ctap2ClientError(
      'ERR_NOT_SUPPORTED',
      'the authenticator cannot issue a token by built-in user verification',
    );
  }
}
