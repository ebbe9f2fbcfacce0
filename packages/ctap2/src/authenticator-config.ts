/**
 * authenticatorConfig (CTAP 2.1 §6.11, 0x0D): enterprise attestation, alwaysUv and the minimum
 * PIN length.
 */
import { type CborValue, concatBytes as concat, encode, InvalidArgumentError } from '@fido2kit/cose';
import { argString } from './_assert.js';
import { checkToken, FF32, type ManagementOpenOptions, obtainToken } from './_management.js';
import { CTAP2_COMMANDS } from './constants.js';
import type { Ctap2 } from './ctap2.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError } from './errors.js';
import type { PinUvAuthProtocol } from './pin-protocol.js';

/** authenticatorConfig subcommands (CTAP 2.1 §6.11). */
export const CONFIG_SUBCOMMANDS = {
  enableEnterpriseAttestation: 0x01,
  toggleAlwaysUv: 0x02,
  setMinPINLength: 0x03,
  vendorPrototype: 0xff,
} as const;

/** authenticatorConfig parameter keys (CTAP 2.1 §6.11). */
export const CONFIG_KEYS = {
  subCommand: 0x01,
  subCommandParams: 0x02,
  pinUvAuthProtocol: 0x03,
  pinUvAuthParam: 0x04,
} as const;

/** setMinPINLength subCommandParams keys (CTAP 2.1 §6.11.4). */
export const SET_MIN_PIN_LENGTH_KEYS = {
  newMinPINLength: 0x01,
  minPinLengthRPIDs: 0x02,
  forceChangePin: 0x03,
} as const;

/** What setMinPINLength may change; every member is optional. */
export interface SetMinPinLengthParams {
  /** The new minimum in Unicode code points; it can only grow. */
  newMinPINLength?: number;
  /** RP IDs allowed to read the minimum through the minPinLength extension. */
  minPinLengthRPIDs?: string[];
  /** Make the user change the PIN before its next use. */
  forceChangePin?: boolean;
}

/**
 * authenticatorConfig on a key. On a key protected by a PIN or built-in UV every subcommand
 * needs a pinUvAuthToken with the `acfg` permission; on an unprotected key none is needed
 * (`new AuthenticatorConfig(ctap)`). After each change {@link Ctap2.info} is refreshed.
 *
 * Spec: CTAP 2.1 §6.11.
 * @example
 * ```ts
 * const config = await AuthenticatorConfig.open(ctap, { pin: '1234' });
 * await config.setMinPINLength({ newMinPINLength: 6, minPinLengthRPIDs: ['example.com'] });
 * ctap.info.minPINLength; // 6
 * ```
 */
export class AuthenticatorConfig {
  readonly ctap: Ctap2;
  readonly protocol: PinUvAuthProtocol | undefined;
  readonly #token: Uint8Array | undefined;

  /**
   * @param ctap the opened authenticator
   * @param protocol the PIN/UV auth protocol `pinUvAuthToken` was obtained with
   * @param pinUvAuthToken a token with the `acfg` permission (leave both out on a key with
   *   neither PIN nor UV)
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when the key has no authenticatorConfig
   */
  constructor(ctap: Ctap2, protocol?: PinUvAuthProtocol, pinUvAuthToken?: Uint8Array) {
    if (protocol !== undefined || pinUvAuthToken !== undefined) checkToken(protocol!, pinUvAuthToken!);
    if (!AuthenticatorConfig.isSupported(ctap)) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        'the authenticator does not support authenticatorConfig',
      );
    }
    this.ctap = ctap;
    this.protocol = protocol;
    this.#token = pinUvAuthToken?.slice();
  }

  /** True when getInfo has option authnrCfg. */
  static isSupported(ctap: Ctap2): boolean {
    return ctap.info.options.authnrCfg === true;
  }

  /**
   * A ready instance: with a token (`acfg`) when the key is protected by a PIN or UV, or
   * `options.pin` is given; without one otherwise.
   * @example
   * ```ts
   * const config = await AuthenticatorConfig.open(ctap, { pin });
   * ```
   */
  static async open(ctap: Ctap2, options: ManagementOpenOptions = {}): Promise<AuthenticatorConfig> {
    const o = ctap.info.options;
    const isProtected = o.clientPin === true || o.uv === true;
    if (!isProtected && options.pin === undefined) return new AuthenticatorConfig(ctap);
    const { protocol, token } = await obtainToken(ctap, 'acfg', options);
    return new AuthenticatorConfig(ctap, protocol, token);
  }

  async #call(sub: number, params: Map<CborValue, CborValue> | undefined, options: CallOptions = {}) {
    const req = new Map<CborValue, CborValue>([[CONFIG_KEYS.subCommand, sub]]);
    if (params !== undefined) req.set(CONFIG_KEYS.subCommandParams, params);
    if (this.protocol !== undefined && this.#token !== undefined) {
      const head = concat(FF32, Uint8Array.of(CTAP2_COMMANDS.config, sub));
      const message = params === undefined ? head : concat(head, encode(params));
      req.set(CONFIG_KEYS.pinUvAuthProtocol, this.protocol.version);
      req.set(CONFIG_KEYS.pinUvAuthParam, this.protocol.authenticate(this.#token, message));
    }
    await this.ctap.send(CTAP2_COMMANDS.config, req, options);
    await this.ctap.getInfo(options).catch(() => undefined);
  }

  /**
   * enableEnterpriseAttestation: lets makeCredential return enterprise attestation (getInfo ep).
   * @throws {CtapError} `CTAP2_ERR_INVALID_SUBCOMMAND` on keys without it, `CTAP2_ERR_PUAT_REQUIRED`, `CTAP2_ERR_PIN_AUTH_INVALID`
   * @example
   * ```ts
   * await config.enableEnterpriseAttestation();
   * ctap.info.options.ep; // true
   * ```
   */
  async enableEnterpriseAttestation(options?: CallOptions): Promise<void> {
    await this.#call(CONFIG_SUBCOMMANDS.enableEnterpriseAttestation, undefined, options);
  }

  /**
   * toggleAlwaysUv: turns alwaysUv on or off.
   * @example
   * ```ts
   * await config.toggleAlwaysUv();
   * ctap.info.options.alwaysUv; // true
   * ```
   */
  async toggleAlwaysUv(options?: CallOptions): Promise<void> {
    await this.#call(CONFIG_SUBCOMMANDS.toggleAlwaysUv, undefined, options);
  }

  /**
   * setMinPINLength: raises the minimum PIN length, names the RPs that may read it, and/or forces
   * a PIN change.
   * @throws {CtapError} `CTAP2_ERR_PIN_POLICY_VIOLATION` (a smaller minimum), `CTAP2_ERR_PIN_NOT_SET`
   *   (forceChangePin without a PIN), `CTAP1_ERR_INVALID_LENGTH` (too many RP IDs)
   * @example
   * ```ts
   * await config.setMinPINLength({ newMinPINLength: 8, forceChangePin: true });
   * ```
   */
  async setMinPINLength(params: SetMinPinLengthParams = {}, options?: CallOptions): Promise<void> {
    const m = new Map<CborValue, CborValue>();
    const K = SET_MIN_PIN_LENGTH_KEYS;
    if (params.newMinPINLength !== undefined) {
      const n = params.newMinPINLength;
      if (!Number.isInteger(n) || n < 4 || n > 63) {
        throw new InvalidArgumentError(`"newMinPINLength" expected an integer in 4..63, got ${String(n)}`);
      }
      m.set(K.newMinPINLength, n);
    }
    if (params.minPinLengthRPIDs !== undefined) {
      if (!Array.isArray(params.minPinLengthRPIDs))
        throw new InvalidArgumentError('"minPinLengthRPIDs" expected an array of strings');
      m.set(
        K.minPinLengthRPIDs,
        params.minPinLengthRPIDs.map((id, i) => argString(id, `minPinLengthRPIDs[${i}]`)),
      );
    }
    if (params.forceChangePin !== undefined) {
      if (typeof params.forceChangePin !== 'boolean')
        throw new InvalidArgumentError('"forceChangePin" expected a boolean');
      m.set(K.forceChangePin, params.forceChangePin);
    }
    await this.#call(CONFIG_SUBCOMMANDS.setMinPINLength, m.size > 0 ? m : undefined, options);
  }
}
