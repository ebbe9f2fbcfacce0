/** `VirtualAuthenticator`: a software CTAP 2.1 authenticator for tests, demos and your own suites. */
import { type CborValue, concatBytes, decode, encode, formatUuid, randomBytes } from '@fido2kit/cose';
import {
  type CallOptions,
  CTAP_STATUS,
  CTAP2_COMMANDS,
  Ctap2ClientError,
  type CtapDevice,
  type CtapTransport,
} from '@fido2kit/ctap2';
import { buildInfo, GET_INFO } from './commands/get-info.js';
import { COMMANDS, type Command } from './commands/index.js';
import { AuthenticatorCore } from './core.js';
import { CtapStatusError, VirtualAuthenticatorError } from './errors.js';
import { managementVolatile } from './management.js';
import { legacyAttestationIdentity, resolveAttestationIdentity } from './model.js';
import {
  ALL_EXTENSIONS,
  type ExtensionName,
  type ResolvedConfig,
  type VirtualAuthenticatorOptions,
} from './options.js';
import type { PresenceBehaviour, UvBehaviour } from './presence.js';
import { initialState, resolveConfig } from './resolve-options.js';
import { type FingerprintSensor, sensorOf } from './sensor.js';
import { deserializeState, serializeState, type VirtualAuthenticatorState } from './serialize.js';
import { handleU2f } from './u2f.js';

/** The authenticatorGetInfo response (CTAP 2.1 §6.4) with the spec's member names. */
export interface VirtualAuthenticatorInfo {
  versions: string[];
  extensions: string[];
  /** The AAGUID as a UUID string. */
  aaguid: string;
  options: Record<string, boolean>;
  maxMsgSize: number;
  pinUvAuthProtocols: number[];
  maxCredentialCountInList: number;
  maxCredentialIdLength: number;
  transports: string[];
  algorithms: { alg: number; type: 'public-key' }[];
  forcePINChange?: boolean;
  minPINLength: number;
  firmwareVersion: number;
  maxCredBlobLength?: number;
  preferredPlatformUvAttempts?: number;
  uvModality?: number;
  remainingDiscoverableCredentials: number;
}

/** A discoverable credential held by the authenticator (see {@link VirtualAuthenticator.credentials}). */
export interface StoredCredential {
  credentialId: Uint8Array;
  rpId: string;
  rpName?: string;
  user: { id: Uint8Array; name?: string; displayName?: string };
  /** The credential's signature counter. */
  signCount: number;
}

/**
 * A software CTAP 2.1 authenticator that behaves like a good hardware security key: discoverable
 * and non-discoverable credentials (ES256, EdDSA), packed/self/none/fido-u2f attestation, PIN
 * with retries and power-cycle blocking, a simulated fingerprint sensor, PIN/UV auth protocols
 * one and two, the credProtect, hmac-secret, hmac-secret-mc, credBlob, largeBlobKey and
 * minPinLength extensions, scripted user presence with keepalives, and persistent state.
 *
 * A key built with no options behaves like a fresh security key: no PIN, packed attestation.
 *
 * @example
 * ```ts
 * import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
 * import { Ctap2 } from '@fido2kit/ctap2';
 *
 * const authenticator = new VirtualAuthenticator({ pin: '1234', presence: 'approve' });
 * const ctap = await Ctap2.open(authenticator.device());
 * show(ctap.info.options.clientPin); // true
 * ```
 */
export class VirtualAuthenticator {
  #core: AuthenticatorCore;
  readonly #commands = new Map<number, Command>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param options see {@link VirtualAuthenticatorOptions}
   * @throws {TypeError | RangeError} when an option has the wrong type or is out of range
   */
  constructor(options: VirtualAuthenticatorOptions = {}) {
    const random = options.random ?? randomBytes;
    const config = resolveConfig(options);
    const state = initialState(options, config, random);
    this.#core = new AuthenticatorCore(config, state, {
      presence: options.presence ?? 'approve',
      uv: options.uv ?? 'match',
      random,
      now: options.now ?? Date.now,
      injectedRandom: options.random !== undefined,
    });
    for (const c of COMMANDS) this.#commands.set(c.code, c);
  }

  /**
   * Restores an authenticator from {@link VirtualAuthenticator.exportState}. `options` may set
   * the behaviour that is not state: presence, uv, clock, randomness, timing and quirks.
   *
   * @throws {VirtualAuthenticatorError} `ERR_INVALID_STATE` when `state` is malformed
   * @example
   * ```ts
   * const saved = JSON.stringify(authenticator.exportState());
   * const again = VirtualAuthenticator.fromState(JSON.parse(saved), { presence: 'approve' });
   * ```
   */
  static fromState(
    state: VirtualAuthenticatorState,
    options: Pick<
      VirtualAuthenticatorOptions,
      | 'presence'
      | 'uv'
      | 'now'
      | 'random'
      | 'presenceTimeoutMs'
      | 'presenceDelayMs'
      | 'keepaliveIntervalMs'
      | 'quirks'
    > = {},
  ): VirtualAuthenticator {
    const { config: saved, state: persistent } = deserializeState(state);
    // a placeholder whose core is replaced below (zero randomness: nothing is drawn from the caller's source)
    const a = new VirtualAuthenticator({ random: (n) => new Uint8Array(n) });
    const extensions = (saved.extensions ?? []).filter((e) => ALL_EXTENSIONS.includes(e));
    const config: ResolvedConfig = {
      ...resolveConfig({}),
      ...saved,
      attestationIdentity:
        saved.attestationIdentity === undefined
          ? legacyAttestationIdentity(persistent)
          : resolveAttestationIdentity(saved.attestationIdentity, persistent.aaguid, false),
      extensions: new Set<ExtensionName>(extensions),
      quirks: { ...saved.quirks, ...(options.quirks ?? {}) },
    };
    if (options.presenceTimeoutMs !== undefined) config.presenceTimeoutMs = options.presenceTimeoutMs;
    if (options.presenceDelayMs !== undefined) config.presenceDelayMs = options.presenceDelayMs;
    if (options.keepaliveIntervalMs !== undefined) config.keepaliveIntervalMs = options.keepaliveIntervalMs;
    const core = new AuthenticatorCore(config, persistent, {
      presence: options.presence ?? 'approve',
      uv: options.uv ?? 'match',
      random: options.random ?? randomBytes,
      now: options.now ?? Date.now,
      injectedRandom: options.random !== undefined,
    });
    a.#core = core;
    return a;
  }

  /**
   * An in-memory {@link CtapDevice} (transport 'virtual') for `Ctap2.open(...)` and the
   * transports' simulated devices. Each call returns a new handle on the same authenticator.
   * @example
   * ```ts
   * const device = new VirtualAuthenticator().device();
   * const reply = await device.cbor(Uint8Array.of(0x04)); // getInfo: 0x00 ‖ CBOR
   * ```
   */
  device(): CtapDevice {
    let closed = false;
    const transport: CtapTransport = 'virtual';
    return {
      transport,
      cbor: (request, options) => {
        if (closed) return Promise.reject(new Ctap2ClientError('ERR_DEVICE_GONE', 'the device was closed'));
        return this.cbor(request, options);
      },
      msg: (apdu, options) => {
        if (closed) return Promise.reject(new Ctap2ClientError('ERR_DEVICE_GONE', 'the device was closed'));
        return this.msg(apdu, options);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  /**
   * Answers one CTAP2 request: the command byte followed by its CBOR parameters; the result is
   * the status byte followed by the CBOR response (CTAP 2.1 §8.1). Never rejects: malformed input
   * gets the status the spec names (CTAP2_ERR_INVALID_CBOR, CTAP2_ERR_MISSING_PARAMETER, …).
   * Requests run one at a time, in order.
   */
  cbor(request: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#handle(request, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Answers a CTAP1/U2F APDU (response data ‖ SW1 SW2) when configured `u2f: 'dual'` or
   * `'u2f-only'`; otherwise every APDU gets SW 6D00 (INS not supported), which tells a client to
   * use CTAP2. Never rejects; runs in order with CTAP2 requests.
   */
  msg(apdu: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    const run = this.#queue.then(() => handleU2f(this.#core, apdu, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #handle(request: unknown, call: CallOptions | undefined): Promise<Uint8Array> {
    const core = this.#core;
    try {
      if (!(request instanceof Uint8Array) || request.length === 0) {
        return Uint8Array.of(CTAP_STATUS.CTAP1_ERR_INVALID_LENGTH);
      }
      if (request.length > core.config.maxMsgSize)
        return Uint8Array.of(CTAP_STATUS.CTAP2_ERR_REQUEST_TOO_LARGE);
      const code = request[0] as number;
      const command = this.#commands.get(code);
      if (command === undefined || core.config.management?.u2f === 'u2f-only') {
        return Uint8Array.of(CTAP_STATUS.CTAP1_ERR_INVALID_COMMAND);
      }
      if (code !== CTAP2_COMMANDS.getNextAssertion) core.volatile.pending = undefined;
      // any other command ends a credential-management enumeration (CTAP 2.1 §6.8 state rules)
      if (
        code !== CTAP2_COMMANDS.credentialManagement &&
        code !== CTAP2_COMMANDS.credentialManagementPreview
      ) {
        managementVolatile(core).enumeration = undefined;
      }
      let params: Map<CborValue, CborValue> | undefined;
      if (request.length > 1) {
        let value: CborValue;
        try {
          value = decode(request.subarray(1), {
            canonical: core.config.quirks.strictCanonicalCbor === true,
            maxDepth: 16,
          });
        } catch {
          return Uint8Array.of(CTAP_STATUS.CTAP2_ERR_INVALID_CBOR);
        }
        if (!(value instanceof Map)) return Uint8Array.of(CTAP_STATUS.CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
        params = value;
      }
      if (call?.signal?.aborted) return Uint8Array.of(CTAP_STATUS.CTAP2_ERR_KEEPALIVE_CANCEL);
      const response = await command.handle(core, params, call);
      return response === undefined ? Uint8Array.of(0) : concatBytes(Uint8Array.of(0), encode(response));
    } catch (e) {
      if (e instanceof CtapStatusError) return Uint8Array.of(e.status);
      return Uint8Array.of(CTAP_STATUS.CTAP1_ERR_OTHER);
    }
  }

  /**
   * The authenticatorGetInfo response (CTAP 2.1 §6.4) as an object.
   * @example
   * ```ts
   * new VirtualAuthenticator({ fingerprints: 1 }).getInfo().options.uv; // true
   * ```
   */
  getInfo(): VirtualAuthenticatorInfo {
    const m = buildInfo(this.#core);
    const get = <T>(k: number) => m.get(k) as T;
    const info: VirtualAuthenticatorInfo = {
      versions: get(GET_INFO.versions),
      extensions: get<string[] | undefined>(GET_INFO.extensions) ?? [],
      aaguid: formatUuid(get(GET_INFO.aaguid)),
      options: Object.fromEntries(get<Map<string, boolean>>(GET_INFO.options)),
      maxMsgSize: get(GET_INFO.maxMsgSize),
      pinUvAuthProtocols: get<number[] | undefined>(GET_INFO.pinUvAuthProtocols) ?? [],
      maxCredentialCountInList: get(GET_INFO.maxCredentialCountInList),
      maxCredentialIdLength: get(GET_INFO.maxCredentialIdLength),
      transports: get(GET_INFO.transports),
      algorithms: get<Map<string, CborValue>[]>(GET_INFO.algorithms).map((a) => ({
        alg: a.get('alg') as number,
        type: 'public-key' as const,
      })),
      minPINLength: get(GET_INFO.minPINLength),
      firmwareVersion: get(GET_INFO.firmwareVersion),
      remainingDiscoverableCredentials: get(GET_INFO.remainingDiscoverableCredentials),
    };
    if (m.has(GET_INFO.forcePINChange)) info.forcePINChange = get(GET_INFO.forcePINChange);
    if (m.has(GET_INFO.maxCredBlobLength)) info.maxCredBlobLength = get(GET_INFO.maxCredBlobLength);
    if (m.has(GET_INFO.preferredPlatformUvAttempts)) {
      info.preferredPlatformUvAttempts = get(GET_INFO.preferredPlatformUvAttempts);
    }
    if (m.has(GET_INFO.uvModality)) info.uvModality = get(GET_INFO.uvModality);
    return info;
  }

  /**
   * Simulates unplugging and replugging: clears pinUvAuthTokens, key agreement keys, the
   * three-wrong-PINs block (CTAP2_ERR_PIN_AUTH_BLOCKED) and getNextAssertion state, and starts the
   * 10-second window in which authenticatorReset is allowed.
   */
  powerCycle(): void {
    this.#core.powerCycle();
  }

  /** How the simulated user answers requests for presence; assign to script the next ones. */
  get presence(): PresenceBehaviour {
    return this.#core.presence;
  }
  /** Scripts how the simulated user answers the next requests for presence. */
  set presence(value: PresenceBehaviour) {
    this.#core.presence = value;
  }

  /**
   * The simulated fingerprint sensor during bioEnrollment: script each sample's outcome
   * (`sensor.script(['good', 'too-fast', 'good'])`) or decide it in `sensor.onSample`.
   * @example
   * ```ts
   * authenticator.sensor.script(['good', 'too-high', 'good', 'good', 'good']);
   * ```
   */
  get sensor(): FingerprintSensor {
    return sensorOf(this.#core);
  }

  /** How the simulated fingerprint sensor answers; assign to script the next attempts. */
  get uv(): UvBehaviour {
    return this.#core.uv;
  }
  /** Scripts how the simulated fingerprint sensor answers the next attempts. */
  set uv(value: UvBehaviour) {
    this.#core.uv = value;
  }

  /** The AAGUID as a UUID string. */
  get aaguid(): string {
    return formatUuid(this.#core.state.aaguid);
  }

  /** Remaining PIN retries (8 at most; 0 means the PIN is blocked until reset). */
  get pinRetries(): number {
    return this.#core.state.pinRetries;
  }

  /** Remaining built-in UV retries. */
  get uvRetries(): number {
    return this.#core.state.uvRetries;
  }

  /**
   * The root its attestation chains to (DER), e.g. for an MDS entry's attestationRootCertificates:
   * the model's root (`virtualKeyModel`) unless the key has its own CA.
   */
  get attestationCaCertificate(): Uint8Array {
    return this.#core.attestationRoot().slice();
  }

  /** The packed attestation certificate (DER): the model's batch certificate, or the key's own. */
  get attestationCertificate(): Uint8Array {
    return this.#core.attestationLeaf().cert.slice();
  }

  /** The discoverable credentials stored, oldest first. */
  get credentials(): StoredCredential[] {
    const core = this.#core;
    return [...core.state.credentials]
      .sort((a, b) => a.created - b.created)
      .map((c) => ({
        credentialId: c.id.slice(),
        rpId: c.rpId,
        ...(c.rpName === undefined ? {} : { rpName: c.rpName }),
        user: { ...c.user, id: c.user.id.slice() },
        signCount: core.state.counters.get(core.counterKey(c.id)) ?? 0,
      }));
  }

  /**
   * The signature counter of any credential this authenticator made (0 before its first
   * assertion).
   */
  signCount(credentialId: Uint8Array): number {
    return this.#core.state.counters.get(this.#core.counterKey(credentialId)) ?? 0;
  }

  /**
   * The persistent state as JSON-serialisable data (byte strings base64url). It holds key
   * material: store it like a secret.
   */
  exportState(): VirtualAuthenticatorState {
    // The attestation CA and certificates are made lazily; make them now, so a key exported
    // before its first registration comes back with the same attestation identity.
    const core = this.#core;
    if (core.config.attestation === 'packed') core.attestationLeaf();
    else if (core.config.attestation === 'fido-u2f') core.u2fLeaf();
    return serializeState(core.config, core.state);
  }
}

export { VirtualAuthenticatorError };
