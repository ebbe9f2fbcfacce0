/**
 * The raw CTAP 2.1 commands (§6): makeCredential, getAssertion, getNextAssertion, getInfo,
 * reset, selection, and the low-level `send` that the management classes build on. Their
 * messages (key tables, types, encoder, parsers) are in ctap2-messages.ts.
 */
import {
  type CborValue,
  decode,
  encode,
  equalBytes,
  InvalidArgumentError,
  isFido2kitError,
} from '@fido2kit/cose';
import { argBytes, argString, describe, invalidResponse, throwIfAborted } from './_assert.js';
import { CTAP_STATUS, CTAP2_COMMANDS } from './constants.js';
import {
  encodeRequest,
  GET_ASSERTION_KEYS,
  type GetAssertionParams,
  type GetAssertionResult,
  MAKE_CREDENTIAL_KEYS,
  type MakeCredentialParams,
  type MakeCredentialResult,
  type PublicKeyCredentialDescriptor,
  parseGetAssertionResponse,
  parseMakeCredentialResponse,
  type RequestOptions,
} from './ctap2-messages.js';
import type { CallOptions, CtapDevice } from './device.js';
import { Ctap2ClientError, CtapError } from './errors.js';
import {
  type AuthenticatorInfo,
  isCtap21,
  type PublicKeyCredentialParameters,
  parseAuthenticatorInfo,
} from './info.js';

/** Options of {@link Ctap2.open}. */
export interface Ctap2Options extends CallOptions {
  /**
   * Require CTAP2 canonical CBOR in responses (CTAP 2.1 §8). Default true; set false for keys
   * known to answer in non-canonical CBOR (the values are still checked).
   */
  canonical?: boolean;
  /**
   * Check requests against getInfo before sending (algorithms, options, PIN/UV protocol,
   * maxMsgSize). Default true. False sends what it is given, so tests can see the
   * authenticator's own answer.
   */
  checkRequests?: boolean;
}

/**
 * A CTAP2 authenticator: the raw commands of CTAP 2.1 §6, checked against its getInfo.
 *
 * Spec: CTAP 2.1 §6 (authenticator API), §8 (message encoding).
 * @example
 * ```ts
 * const ctap = await Ctap2.open(device);
 * ctap.info.versions; // ['FIDO_2_0', 'FIDO_2_1']
 * const made = await ctap.makeCredential({
 *   clientDataHash: sha256(clientDataJSON),
 *   rp: { id: 'example.com', name: 'Example' },
 *   user: { id: userId, name: 'alice' },
 *   pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
 * }, { onKeepalive: (s) => s === 'user-presence-needed' && show('touch your key') });
 * made.authenticatorData.attestedCredentialData?.credentialId;
 * ```
 */
export class Ctap2 {
  /** The device underneath. */
  readonly device: CtapDevice;
  #info: AuthenticatorInfo;
  readonly #canonical: boolean;
  readonly #check: boolean;
  #lastAllowListSingle: PublicKeyCredentialDescriptor | undefined;

  private constructor(device: CtapDevice, info: AuthenticatorInfo, options: Ctap2Options) {
    this.device = device;
    this.#info = info;
    this.#canonical = options.canonical ?? true;
    this.#check = options.checkRequests ?? true;
  }

  /**
   * Opens a device: reads authenticatorGetInfo once.
   *
   * @throws {CtapError} when getInfo fails (e.g. `CTAP1_ERR_INVALID_COMMAND` on a U2F-only key)
   * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`, `ERR_TRANSPORT`, `ERR_ABORTED`
   * @example
   * ```ts
   * const ctap = await Ctap2.open(new VirtualAuthenticator().device());
   * ```
   */
  static async open(device: CtapDevice, options: Ctap2Options = {}): Promise<Ctap2> {
    const ctap = new Ctap2(device, parseAuthenticatorInfo(INFO_PLACEHOLDER), options);
    await ctap.getInfo(options);
    return ctap;
  }

  /** The getInfo answer read by {@link Ctap2.open} (refreshed by {@link Ctap2.getInfo}). */
  get info(): AuthenticatorInfo {
    return this.#info;
  }

  /** True when the authenticator speaks CTAP 2.1. */
  get isCtap21(): boolean {
    return isCtap21(this.info);
  }

  /**
   * Sends one command: encode → device.cbor → status check → canonical decode.
   *
   * Spec: CTAP 2.1 §8.1 (command byte ‖ CBOR; status byte ‖ CBOR).
   * @returns the response map, or undefined when the authenticator answered with status only
   * @throws {CtapError} for any status other than CTAP2_OK (code = the spec's name)
   * @throws {Ctap2ClientError} `ERR_ABORTED` (signal fired, or KEEPALIVE_CANCEL after abort),
   *   `ERR_REQUEST_TOO_LARGE`, `ERR_TRANSPORT`, `ERR_INVALID_RESPONSE`
   * @example
   * ```ts
   * const res = await ctap.send(CTAP2_COMMANDS.clientPIN, new Map([[1, 2], [2, 1]]));
   * ```
   */
  async send(command: number, params?: Map<CborValue, CborValue> | undefined, options: CallOptions = {}) {
    if (!Number.isInteger(command) || command < 0 || command > 0xff) {
      throw new InvalidArgumentError(`"command" expected a byte (0..255), got ${String(command)}`);
    }
    throwIfAborted(options.signal);
    let body: Uint8Array;
    try {
      body = params === undefined ? new Uint8Array(0) : encode(params);
    } catch (e) {
      throw new Ctap2ClientError(
        'ERR_INVALID_ARGUMENT',
        `the request cannot be encoded: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    const request = new Uint8Array(1 + body.length);
    request[0] = command;
    request.set(body, 1);
    if (request.length > this.info.maxMsgSize) {
      throw new Ctap2ClientError(
        'ERR_REQUEST_TOO_LARGE',
        `the request is ${request.length} bytes; the authenticator accepts at most ${this.info.maxMsgSize}`,
      );
    }
    let response: Uint8Array;
    try {
      response = await this.device.cbor(request, options);
    } catch (e) {
      if (isFido2kitError(e)) {
        if (
          e instanceof CtapError &&
          e.status === CTAP_STATUS.CTAP2_ERR_KEEPALIVE_CANCEL &&
          options.signal?.aborted
        ) {
          throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
        }
        throw e;
      }
      if (options.signal?.aborted)
        throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
      throw new Ctap2ClientError(
        'ERR_TRANSPORT',
        `the device failed: ${(e as Error)?.message ?? String(e)}`,
        {
          cause: e,
        },
      );
    }
    if (!(response instanceof Uint8Array) || response.length === 0)
      invalidResponse('the device answered nothing');
    const status = response[0] as number;
    if (status !== CTAP_STATUS.CTAP2_OK) {
      const error = new CtapError(status);
      if (status === CTAP_STATUS.CTAP2_ERR_KEEPALIVE_CANCEL && options.signal?.aborted) {
        throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: error });
      }
      throw error;
    }
    if (response.length === 1) return undefined;
    let value: CborValue;
    try {
      value = decode(response.subarray(1), { canonical: this.#canonical, maxDepth: 16 });
    } catch (e) {
      return invalidResponse(
        `the response is not ${this.#canonical ? 'canonical ' : ''}CBOR: ${(e as Error).message}`,
        e,
      );
    }
    if (!(value instanceof Map)) invalidResponse('the response is not a CBOR map');
    return value;
  }

  /**
   * authenticatorGetInfo (CTAP 2.1 §6.4); also refreshes {@link Ctap2.info}.
   * @example
   * ```ts
   * const { remainingDiscoverableCredentials } = await ctap.getInfo();
   * ```
   */
  async getInfo(options: CallOptions = {}): Promise<AuthenticatorInfo> {
    const res = await this.send(CTAP2_COMMANDS.getInfo, undefined, options);
    this.#info = parseAuthenticatorInfo(res);
    return this.#info;
  }

  /**
   * authenticatorMakeCredential (CTAP 2.1 §6.1). Checks the request against getInfo; an
   * excludeList longer than maxCredentialCountInList is probed in batches with silent
   * (`up: false`) getAssertion calls, as CTAP 2.1 §6.1.2 and §6.2.2 describe for platforms, and
   * only a matching credential is sent.
   *
   * @throws {CtapError} the authenticator's status (`CTAP2_ERR_CREDENTIAL_EXCLUDED`, …)
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` (algorithm, option or protocol the
   *   authenticator lacks), `ERR_REQUEST_TOO_LARGE`, `ERR_INVALID_RESPONSE`, `ERR_ABORTED`
   * @example
   * ```ts
   * const { fmt, attStmt, authenticatorData } = await ctap.makeCredential(params, { signal });
   * ```
   */
  async makeCredential(
    params: MakeCredentialParams,
    options: CallOptions = {},
  ): Promise<MakeCredentialResult> {
    argBytes(params?.clientDataHash, 'clientDataHash', 32);
    argString(params.rp?.id, 'rp.id');
    argBytes(params.user?.id, 'user.id');
    if (!Array.isArray(params.pubKeyCredParams))
      throw new InvalidArgumentError(
        `"pubKeyCredParams" expected an array, got ${describe(params.pubKeyCredParams)}`,
      );
    let pubKeyCredParams = params.pubKeyCredParams;
    let excludeList = params.excludeList;
    if (this.#check) {
      pubKeyCredParams = this.#checkAlgorithms(pubKeyCredParams);
      this.#checkOptions(params.options, true);
      this.#checkProtocol(params.pinUvAuthParam, params.pinUvAuthProtocol);
      if (params.enterpriseAttestation !== undefined && this.info.options.ep === undefined) {
        throw new Ctap2ClientError(
          'ERR_NOT_SUPPORTED',
          'the authenticator does not support enterprise attestation',
        );
      }
      if (excludeList !== undefined && excludeList.length > 0) {
        excludeList = this.#filterIds(excludeList);
        if (excludeList.length > this.#maxList()) {
          const found = await this.#preflight(
            params.rp.id,
            params.clientDataHash,
            excludeList,
            params,
            options,
          );
          excludeList = found === undefined ? undefined : [found];
        }
      }
    }
    const req = encodeRequest(MAKE_CREDENTIAL_KEYS, { ...params, pubKeyCredParams, excludeList });
    const res = await this.send(CTAP2_COMMANDS.makeCredential, req, options);
    return parseMakeCredentialResponse(res);
  }

  /**
   * authenticatorGetAssertion (CTAP 2.1 §6.2). An allowList longer than
   * maxCredentialCountInList is probed in batches with silent (`up: false`) assertions; the
   * real request then names the one credential found.
   *
   * @throws {CtapError} `CTAP2_ERR_NO_CREDENTIALS`, …
   * @throws {Ctap2ClientError} as {@link Ctap2.makeCredential}
   * @example
   * ```ts
   * const first = await ctap.getAssertion({ rpId: 'example.com', clientDataHash });
   * for (let i = 1; i < (first.numberOfCredentials ?? 1); i++) await ctap.getNextAssertion();
   * ```
   */
  async getAssertion(params: GetAssertionParams, options: CallOptions = {}): Promise<GetAssertionResult> {
    argString(params?.rpId, 'rpId');
    argBytes(params.clientDataHash, 'clientDataHash', 32);
    let allowList = params.allowList;
    if (this.#check) {
      this.#checkOptions(params.options, false);
      this.#checkProtocol(params.pinUvAuthParam, params.pinUvAuthProtocol);
      if (allowList !== undefined && allowList.length > 0) {
        allowList = this.#filterIds(allowList);
        if (allowList.length === 0) throw new CtapError(CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS);
        if (allowList.length > this.#maxList()) {
          const found = await this.#preflight(params.rpId, params.clientDataHash, allowList, params, options);
          if (found === undefined) throw new CtapError(CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS);
          allowList = [found];
        }
      }
    }
    const res = await this.#getAssertionRaw({ ...params, allowList }, options);
    return res;
  }

  async #getAssertionRaw(params: GetAssertionParams, options: CallOptions): Promise<GetAssertionResult> {
    const req = encodeRequest(GET_ASSERTION_KEYS, params);
    const single = params.allowList?.length === 1 ? params.allowList[0] : undefined;
    this.#lastAllowListSingle = single;
    const res = await this.send(CTAP2_COMMANDS.getAssertion, req, options);
    return parseGetAssertionResponse(res, single);
  }

  /**
   * authenticatorGetNextAssertion (CTAP 2.1 §6.3): the next of `numberOfCredentials`.
   * @throws {CtapError} `CTAP2_ERR_NOT_ALLOWED` when there is no pending assertion
   * @example
   * ```ts
   * const second = await ctap.getNextAssertion();
   * ```
   */
  async getNextAssertion(options: CallOptions = {}): Promise<GetAssertionResult> {
    const res = await this.send(CTAP2_COMMANDS.getNextAssertion, undefined, options);
    return parseGetAssertionResponse(res, this.#lastAllowListSingle);
  }

  /**
   * authenticatorReset (CTAP 2.1 §6.6): erases every credential and the PIN. Keys accept it
   * only within seconds of power-up and need a touch.
   * @example
   * ```ts
   * await ctap.reset({ onKeepalive: () => show('touch your key') });
   * ```
   */
  async reset(options: CallOptions = {}): Promise<void> {
    await this.send(CTAP2_COMMANDS.reset, undefined, options);
  }

  /**
   * authenticatorSelection (CTAP 2.1 §6.9): waits for a touch so the user can pick this key.
   * On a CTAP 2.0 key, sends the dummy makeCredential (empty pinUvAuthParam) that makes it
   * blink and answer after a touch (CTAP 2.1 §6.1.2 step 1.1).
   * @throws {CtapError} `CTAP2_ERR_OPERATION_DENIED`, `CTAP2_ERR_USER_ACTION_TIMEOUT`
   * @example
   * ```ts
   * await ctap.selection({ signal });
   * ```
   */
  async selection(options: CallOptions = {}): Promise<void> {
    if (this.isCtap21) {
      await this.send(CTAP2_COMMANDS.selection, undefined, options);
      return;
    }
    const req = encodeRequest(MAKE_CREDENTIAL_KEYS, {
      clientDataHash: new Uint8Array(32),
      rp: { id: '.dummy' },
      user: { id: new Uint8Array([1]), name: 'dummy' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      pinUvAuthParam: new Uint8Array(0),
      pinUvAuthProtocol: 1,
    });
    try {
      await this.send(CTAP2_COMMANDS.makeCredential, req, options);
    } catch (e) {
      if (
        e instanceof CtapError &&
        (e.status === CTAP_STATUS.CTAP2_ERR_PIN_INVALID || e.status === CTAP_STATUS.CTAP2_ERR_PIN_NOT_SET)
      ) {
        return;
      }
      throw e;
    }
  }

  #maxList(): number {
    return this.info.maxCredentialCountInList ?? Number.POSITIVE_INFINITY;
  }

  #filterIds(list: PublicKeyCredentialDescriptor[]): PublicKeyCredentialDescriptor[] {
    const max = this.info.maxCredentialIdLength;
    return list.filter((d) => {
      argBytes(d?.id, 'credential descriptor id');
      return max === undefined || d.id.length <= max;
    });
  }

  #checkAlgorithms(params: PublicKeyCredentialParameters[]): PublicKeyCredentialParameters[] {
    const supported = this.info.algorithms;
    if (supported === undefined) return params;
    const ok = params.filter((p) => supported.some((s) => s.type === p.type && s.alg === p.alg));
    if (ok.length === 0) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        `the authenticator supports none of the algorithms ${params.map((p) => p.alg).join(', ')} (it offers ${supported.map((s) => s.alg).join(', ')})`,
        { details: { status: 'CTAP2_ERR_UNSUPPORTED_ALGORITHM' } },
      );
    }
    return ok;
  }

  #checkOptions(opts: RequestOptions | undefined, make: boolean): void {
    if (opts === undefined) return;
    const o = this.info.options;
    if (!make && opts.rk !== undefined) {
      throw new Ctap2ClientError('ERR_NOT_SUPPORTED', 'getAssertion takes no rk option', {
        details: { status: 'CTAP2_ERR_UNSUPPORTED_OPTION' },
      });
    }
    if (opts.rk === true && make && o.rk !== true) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        'the authenticator cannot store discoverable credentials (rk)',
        {
          details: { status: 'CTAP2_ERR_UNSUPPORTED_OPTION' },
        },
      );
    }
    if (opts.uv === true && o.uv !== true) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        o.uv === false
          ? 'the authenticator has built-in user verification but none is enrolled (uv)'
          : 'the authenticator has no built-in user verification (uv)',
        { details: { status: 'CTAP2_ERR_UNSUPPORTED_OPTION' } },
      );
    }
  }

  #checkProtocol(param: Uint8Array | undefined, protocol: number | undefined): void {
    if (param === undefined || param.length === 0 || protocol === undefined) return;
    const list = this.info.pinUvAuthProtocols;
    if (list.length > 0 && !list.includes(protocol)) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        `the authenticator does not offer PIN/UV auth protocol ${protocol}`,
      );
    }
  }

  async #preflight(
    rpId: string,
    clientDataHash: Uint8Array,
    list: PublicKeyCredentialDescriptor[],
    auth: { pinUvAuthParam?: Uint8Array | undefined; pinUvAuthProtocol?: number | undefined },
    options: CallOptions,
  ): Promise<PublicKeyCredentialDescriptor | undefined> {
    const max = this.#maxList();
    for (let i = 0; i < list.length; i += max) {
      const chunk = list.slice(i, i + max);
      const base: GetAssertionParams = { rpId, clientDataHash, allowList: chunk, options: { up: false } };
      try {
        const r = await this.#getAssertionRaw(
          { ...base, pinUvAuthParam: auth.pinUvAuthParam, pinUvAuthProtocol: auth.pinUvAuthProtocol },
          options,
        );
        return chunk.find((d) => equalBytes(d.id, r.credential.id)) ?? r.credential;
      } catch (e) {
        if (e instanceof CtapError && e.status === CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS) continue;
        throw e;
      }
    }
    return undefined;
  }
}

// a minimal getInfo so the instance exists before the first getInfo call
const INFO_PLACEHOLDER = new Map<CborValue, CborValue>([
  [1, ['FIDO_2_0']],
  [3, new Uint8Array(16)],
]);
