/**
 * A WebAuthn client on CTAP2 (WebAuthn Level 3 §5.1.3 create, §5.1.4 get; CTAP 2.1 §5, §6):
 * JSON options in, the JSON a browser's `PublicKeyCredential.toJSON()` gives out.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorAttachment,
  type AuthenticatorTransport,
  base64url,
  coseKeyToSpki,
  encode,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialDescriptorJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  sha256,
  type UserVerificationRequirement,
  utf8Encode,
} from '@fido2kit/cose';
import { ClientPin, type PinUvAuthPermission, type PinUvAuthToken } from './client-pin.js';
import { CTAP_STATUS } from './constants.js';
import { Ctap1 } from './ctap1.js';
import { u2fGetAssertion, u2fMakeCredential } from './ctap1-interop.js';
import {
  Ctap2,
  type GetAssertionResult,
  type MakeCredentialResult,
  type PublicKeyCredentialDescriptor,
  type PublicKeyCredentialParameters,
} from './ctap2.js';
import type { CallOptions, CtapDevice } from './device.js';
import {
  Ctap2ClientError,
  type Ctap2ClientErrorCode,
  CtapError,
  WebAuthnClientError,
  type WebAuthnErrorName,
} from './errors.js';
import {
  CLIENT_EXTENSIONS,
  type ClientExtension,
  type ExtensionContext,
  prepareExtensions,
} from './extensions.js';

// The WebAuthn JSON model has one home, @fido2kit/cose, shared with @fido2kit/rp: what this client
// emits is, by type, what the RP verifies. Re-exported here so ctap2's users keep their imports.
export type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  UserVerificationRequirement,
} from '@fido2kit/cose';

/** An account found on the key, offered to {@link WebAuthnClientOptions.onSelectAccount}. */
export interface AccountJSON {
  /** The user handle, base64url. */
  id: string;
  name?: string;
  displayName?: string;
  /** The credential ID, base64url. */
  credentialId: string;
}

/** What {@link WebAuthnClientOptions.onPinRequired} is told. */
export interface PinRequest {
  /** PIN retries left, when known. */
  retries?: number;
  /** 1 for the first ask, 2 after a wrong PIN, … */
  attempt: number;
  /** The RP ID the token is for. */
  rpId: string;
}

/** Options of {@link WebAuthnClient}. */
export interface WebAuthnClientOptions {
  /** The key, or use `devices` for several. */
  device?: CtapDevice;
  /** Several keys: the user picks one by touching it (authenticatorSelection). */
  devices?: CtapDevice[];
  /** The caller's origin, e.g. `https://example.com`. */
  origin: string;
  /** Asked for the PIN; return undefined to cancel. */
  onPinRequired?: (request: PinRequest) => Promise<string | undefined> | string | undefined;
  /** "Touch your key": called when the key waits for user presence. */
  onUserPresence?: () => void;
  /** Several accounts for the RP on the key: return the index (or the account) chosen. */
  onSelectAccount?: (accounts: AccountJSON[]) => Promise<number | AccountJSON> | number | AccountJSON;
  /** Passed to {@link Ctap2.open} (e.g. `{ canonical: false }` for quirky keys). */
  ctap2?: { canonical?: boolean };
  /** The client extension registry; default {@link CLIENT_EXTENSIONS}. */
  extensions?: readonly ClientExtension[];
  /**
   * RP IDs this client lets ask for enterprise attestation (`attestation: 'enterprise'`), as a
   * browser's enterprise policy lists them; for others 'enterprise' is treated as 'direct'.
   * Default none. The key must also have enterprise attestation enabled (getInfo option ep).
   */
  enterpriseRpIds?: readonly string[];
}

/** Per-call options of create/get. */
export interface WebAuthnCallOptions {
  origin?: string;
  signal?: AbortSignal;
}

/**
 * Runs one ceremony under the caller's signal and the options' timeout, and maps whatever fails
 * to the error a browser would raise (an abort or timeout to AbortError / NotAllowedError).
 */
async function ceremony<T>(
  timeout: number | undefined,
  callerSignal: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const link = linkSignal(callerSignal, timeout);
  try {
    return await run(link.signal);
  } catch (e) {
    if (link.signal.aborted && !(e instanceof WebAuthnClientError && e.domName !== 'AbortError')) {
      throw abortError(link.signal, e);
    }
    throw toWebAuthnError(e);
  } finally {
    link.done();
  }
}

const DOM_BY_CODE: Partial<Record<string, [Ctap2ClientErrorCode, WebAuthnErrorName]>> = {
  CTAP2_ERR_CREDENTIAL_EXCLUDED: ['ERR_INVALID_STATE', 'InvalidStateError'],
  CTAP2_ERR_NO_CREDENTIALS: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_OPERATION_DENIED: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_USER_ACTION_TIMEOUT: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_ACTION_TIMEOUT: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_NOT_ALLOWED: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_PIN_BLOCKED: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_PIN_AUTH_BLOCKED: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_UV_BLOCKED: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_PIN_INVALID: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_PIN_AUTH_INVALID: ['ERR_NOT_ALLOWED', 'NotAllowedError'],
  CTAP2_ERR_PUAT_REQUIRED: ['ERR_PIN_REQUIRED', 'NotAllowedError'],
  CTAP2_ERR_PIN_NOT_SET: ['ERR_UV_REQUIRED', 'NotAllowedError'],
  CTAP2_ERR_UNSUPPORTED_ALGORITHM: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
  CTAP2_ERR_UNSUPPORTED_OPTION: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
  CTAP2_ERR_KEY_STORE_FULL: ['ERR_CONSTRAINT', 'ConstraintError'],
  CTAP2_ERR_KEEPALIVE_CANCEL: ['ERR_ABORTED', 'AbortError'],
  ERR_ABORTED: ['ERR_ABORTED', 'AbortError'],
  ERR_TIMEOUT: ['ERR_TIMEOUT', 'NotAllowedError'],
  ERR_NOT_SUPPORTED: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
};

/** Turns any failure into a {@link WebAuthnClientError} with the browser's error name. */
function toWebAuthnError(e: unknown): WebAuthnClientError {
  if (e instanceof WebAuthnClientError) return e;
  if (e instanceof TypeError || e instanceof RangeError) {
    return new WebAuthnClientError('ERR_INVALID_ARGUMENT', 'TypeError', e.message, { cause: e });
  }
  const code = e instanceof Error ? (e as { code?: string }).code : undefined;
  const mapped = code === undefined ? undefined : DOM_BY_CODE[code];
  if (mapped !== undefined) {
    const [c, dom] = mapped;
    const message =
      code === 'CTAP2_ERR_CREDENTIAL_EXCLUDED'
        ? 'the key already holds a credential from excludeCredentials'
        : code === 'CTAP2_ERR_NO_CREDENTIALS'
          ? 'the key holds no credential for this request'
          : (e as Error).message;
    return new WebAuthnClientError(c, dom, message, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  // other client failures keep their code (ERR_INVALID_RESPONSE, ERR_TRANSPORT, …); a browser
  // reports them all as NotAllowedError
  const keep = e instanceof Ctap2ClientError ? e.code : 'ERR_NOT_ALLOWED';
  return new WebAuthnClientError(keep, 'NotAllowedError', message, { cause: e });
}

function fail(code: Ctap2ClientErrorCode, dom: WebAuthnErrorName, message: string): never {
  throw new WebAuthnClientError(code, dom, message);
}

function b64(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string')
    fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" expected base64url, got ${typeof v}`);
  try {
    return base64url.decode(v);
  } catch (e) {
    return fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" is not base64url: ${(e as Error).message}`);
  }
}

function descriptors(
  list: PublicKeyCredentialDescriptorJSON[] | undefined,
  name: string,
): PublicKeyCredentialDescriptor[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" expected an array`);
  return list
    .filter((d) => d?.type === 'public-key')
    .map((d, i) => {
      const out: PublicKeyCredentialDescriptor = { type: 'public-key', id: b64(d.id, `${name}[${i}].id`) };
      return out;
    });
}

/**
 * Checks an RP ID against an origin (WebAuthn §5.1.3 steps 7–8; HTML "registrable domain
 * suffix"): https, or http on localhost; the RP ID is the host or a dotted suffix of it.
 * @throws {WebAuthnClientError} `ERR_SECURITY` (`SecurityError`)
 * @example
 * ```ts
 * checkRpId('https://login.example.com', 'example.com'); // 'example.com'
 * ```
 */
export function checkRpId(origin: string, rpId: string | undefined): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a URL`);
  }
  const host = url.hostname.toLowerCase();
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    fail('ERR_SECURITY', 'SecurityError', `the origin ${origin} is not a secure context`);
  }
  if (url.origin !== origin.replace(/\/$/, ''))
    fail('ERR_SECURITY', 'SecurityError', `${origin} is not an origin`);
  const id = (rpId ?? host).toLowerCase();
  if (id === '' || id.startsWith('.') || id.endsWith('.'))
    fail('ERR_SECURITY', 'SecurityError', `RP ID "${id}" is invalid`);
  const isIp = /^[0-9.]+$/.test(host) || host.startsWith('[');
  const suffixOk =
    host === id || (!isIp && host.endsWith(`.${id}`) && (id.includes('.') || id === 'localhost'));
  if (!suffixOk) {
    fail(
      'ERR_SECURITY',
      'SecurityError',
      `RP ID "${id}" is not a registrable suffix of the origin ${origin}`,
    );
  }
  return id;
}

const TRANSPORTS: readonly string[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

function transportsOf(ctap: Ctap2): AuthenticatorTransport[] {
  const set = new Set(ctap.info.transports.filter((t) => TRANSPORTS.includes(t)) as AuthenticatorTransport[]);
  if (ctap.device.transport !== 'virtual') set.add(ctap.device.transport);
  return [...set].sort();
}

function attachmentOf(ctap: Ctap2): AuthenticatorAttachment {
  return ctap.info.transports.length === 1 && ctap.info.transports[0] === 'internal'
    ? 'platform'
    : 'cross-platform';
}

/** Links a caller's signal and a timeout into one signal. */
function linkSignal(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
): { signal: AbortSignal; done(): void } {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal?.reason);
  if (signal?.aborted) ctl.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeout !== undefined && Number.isFinite(timeout) && timeout > 0
      ? setTimeout(() => ctl.abort(new Ctap2ClientError('ERR_TIMEOUT', 'the operation timed out')), timeout)
      : undefined;
  return {
    signal: ctl.signal,
    done() {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

interface UvPlan {
  token?: PinUvAuthToken;
  /** options.uv = true (CTAP 2.0 built-in UV without tokens). */
  uvOption: boolean;
}

/**
 * A WebAuthn client on CTAP2 security keys: `create` and `get` take the JSON options an RP
 * sends and return the JSON a browser returns, so an RP verifies them unchanged.
 *
 * Spec: WebAuthn Level 3 §5.1.3 and §5.1.4; CTAP 2.1 §6 for the commands underneath.
 * @example
 * ```ts
 * const client = new WebAuthnClient({
 *   device: new VirtualAuthenticator().device(),
 *   origin: 'https://example.com',
 *   onPinRequired: () => '1234',
 *   onUserPresence: () => show('touch your key'),
 * });
 * const registration = await client.create(await generateRegistrationOptions({ … }));
 * const assertion = await client.get(await generateAuthenticationOptions({ … }));
 * ```
 */
export class WebAuthnClient {
  readonly #devices: CtapDevice[];
  readonly #opts: WebAuthnClientOptions;
  readonly #opened = new Map<CtapDevice, Key>();

  constructor(options: WebAuthnClientOptions) {
    const devices = options.devices ?? (options.device ? [options.device] : []);
    if (devices.length === 0) throw new TypeError('"device" or "devices" expected at least one CtapDevice');
    if (typeof options.origin !== 'string') throw new TypeError('"origin" expected string');
    this.#devices = devices;
    this.#opts = options;
  }

  async #open(device: CtapDevice, signal: AbortSignal): Promise<Key> {
    let key = this.#opened.get(device);
    if (key === undefined) {
      key = await openKey(device, signal, this.#opts.ctap2?.canonical ?? true);
      this.#opened.set(device, key);
    }
    return key;
  }

  #call(signal: AbortSignal): CallOptions {
    let told = false;
    return {
      signal,
      onKeepalive: (status) => {
        if (status === 'user-presence-needed' && !told) {
          told = true;
          this.#opts.onUserPresence?.();
        }
      },
    };
  }

  /**
   * The key to use: the only one, or among several the one the user touches
   * (authenticatorSelection, or the CTAP 2.0 dummy makeCredential).
   */
  async #select(signal: AbortSignal): Promise<Key> {
    if (this.#devices.length === 1) return this.#open(this.#devices[0] as CtapDevice, signal);
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const attempts = this.#devices.map(async (d) => {
        const key = await this.#open(d, ctl.signal);
        // a U2F key blinks for a U2F_REGISTER nobody will use (CTAP 2.1 §10.3)
        if (key instanceof Ctap1)
          await key.register(SELECT_CHALLENGE, SELECT_APPLICATION, this.#call(ctl.signal));
        else await key.selection(this.#call(ctl.signal));
        return key;
      });
      const chosen = await Promise.any(attempts);
      ctl.abort(new Ctap2ClientError('ERR_ABORTED', 'another key was chosen'));
      await Promise.allSettled(attempts);
      return chosen;
    } catch (e) {
      if (signal.aborted)
        throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
      const first = e instanceof AggregateError ? e.errors[0] : e;
      throw first;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Decides and performs user verification (WebAuthn §5.1.3 step 20ff; CTAP 2.1 §6.1.2 step 1). */
  async #userVerification(
    ctap: Ctap2,
    requirement: UserVerificationRequirement,
    kind: 'create' | 'get',
    rk: boolean,
    permissions: PinUvAuthPermission[],
    rpId: string,
    signal: AbortSignal,
  ): Promise<UvPlan> {
    const o = ctap.info.options;
    const builtIn = o.uv === true;
    const pinSet = o.clientPin === true;
    const isProtected = builtIn || pinSet;
    const mustUv =
      requirement === 'required' ||
      o.alwaysUv === true ||
      (kind === 'create' && isProtected && (o.makeCredUvNotRqd !== true || rk));
    const wantUv = mustUv || (requirement === 'preferred' && isProtected);
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
    const call = this.#call(signal);
    if (builtIn) {
      if (o.pinUvAuthToken === true) {
        try {
          const pin = new ClientPin(ctap);
          return {
            uvOption: false,
            token: await pin.getPinUvAuthTokenUsingUvWithPermissions(permissions, rpId, call),
          };
        } catch (e) {
          // built-in UV blocked or failing: fall back to the PIN where there is one (CTAP 2.1 §6.5.5.7.3)
          const fallback =
            e instanceof CtapError &&
            (e.status === CTAP_STATUS.CTAP2_ERR_UV_BLOCKED || e.status === CTAP_STATUS.CTAP2_ERR_UV_INVALID);
          if (!fallback || !pinSet) throw e;
        }
      } else {
        return { uvOption: true };
      }
    }
    const ask = this.#opts.onPinRequired;
    if (ask === undefined) {
      if (!mustUv) return { uvOption: false };
      fail(
        'ERR_PIN_REQUIRED',
        'NotAllowedError',
        'the key needs its PIN and no onPinRequired callback was given',
      );
    }
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
        const token = await clientPin.getPinUvAuthToken({ pin, permissions, rpId, signal });
        return { uvOption: false, token };
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

  #extensionContext(
    ctap: Ctap2,
    rk: boolean,
    allowList: PublicKeyCredentialDescriptor[] | undefined,
    token: PinUvAuthToken | undefined,
    signal: AbortSignal,
  ): ExtensionContext {
    let clientPin: ClientPin | undefined;
    if (ClientPin.isSupported(ctap)) {
      try {
        clientPin = new ClientPin(ctap);
      } catch {
        clientPin = undefined;
      }
    }
    return { ctap, clientPin, rk, allowList, state: new Map(), token, call: { signal } };
  }

  /**
   * navigator.credentials.create() for a security key (WebAuthn L3 §5.1.3).
   *
   * @returns the RegistrationResponseJSON a browser's `toJSON()` gives
   * @throws {WebAuthnClientError} with `domName` as a browser: `InvalidStateError`
   *   (`ERR_INVALID_STATE`, excluded credential), `NotAllowedError` (`ERR_NOT_ALLOWED`,
   *   `ERR_UV_REQUIRED`, `ERR_PIN_REQUIRED`, `ERR_TIMEOUT`), `SecurityError` (`ERR_SECURITY`),
   *   `NotSupportedError` (`ERR_NOT_SUPPORTED`), `AbortError` (`ERR_ABORTED`), `ConstraintError`
   * @example
   * ```ts
   * const json = await client.create(optionsJSON, { signal });
   * await verifyRegistrationResponse({ response: json, expectedChallenge, expectedOrigin, expectedRPID });
   * ```
   */
  async create(
    optionsJSON: PublicKeyCredentialCreationOptionsJSON,
    callOptions: WebAuthnCallOptions = {},
  ): Promise<RegistrationResponseJSON> {
    return ceremony(optionsJSON?.timeout, callOptions.signal, (signal) =>
      this.#create(optionsJSON, callOptions.origin ?? this.#opts.origin, signal),
    );
  }

  async #create(
    o: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    signal: AbortSignal,
  ): Promise<RegistrationResponseJSON> {
    if (typeof o !== 'object' || o === null)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', 'options expected an object');
    const rpId = checkRpId(origin, o.rp?.id);
    const challenge = b64(o.challenge, 'challenge');
    const userId = b64(o.user?.id, 'user.id');
    if (userId.length < 1 || userId.length > 64)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', '"user.id" must be 1 to 64 bytes');
    const excludeList = descriptors(o.excludeCredentials, 'excludeCredentials');
    let params: PublicKeyCredentialParameters[] = (o.pubKeyCredParams ?? []).filter(
      (p) => p?.type === 'public-key',
    );
    if ((o.pubKeyCredParams ?? []).length === 0) {
      params = [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ];
    }
    if (params.length === 0)
      fail('ERR_NOT_SUPPORTED', 'NotSupportedError', 'no public-key algorithm was offered');

    const clientDataJSON = utf8Encode(
      JSON.stringify({
        type: 'webauthn.create',
        challenge: base64url.encode(challenge),
        origin,
        crossOrigin: false,
      }),
    );
    const clientDataHash = sha256(clientDataJSON);

    const key = await this.#select(signal);
    const sel = o.authenticatorSelection ?? {};
    const residentKey = sel.residentKey ?? (sel.requireResidentKey ? 'required' : 'discouraged');
    const rkCapable = key instanceof Ctap2 && key.info.options.rk === true;
    if (residentKey === 'required' && !rkCapable) {
      fail(
        'ERR_CONSTRAINT',
        'ConstraintError',
        'a discoverable credential is required but the key cannot store one',
      );
    }
    const rk = residentKey === 'required' || (residentKey === 'preferred' && rkCapable);
    const registry = this.#opts.extensions ?? CLIENT_EXTENSIONS;
    const inputs = o.extensions as Record<string, unknown> | undefined;
    const conveyance = o.attestation ?? 'none';
    if (key instanceof Ctap1) {
      if (sel.userVerification === 'required') {
        fail(
          'ERR_UV_REQUIRED',
          'NotAllowedError',
          'user verification is required but the key speaks only U2F',
        );
      }
      for (const ext of activeEntries(registry, inputs)) ext.prepareU2f?.('create', inputs ?? {}, undefined);
      const result = await u2fMakeCredential(
        key,
        { clientDataHash, rpId, pubKeyCredParams: params, excludeList },
        this.#call(signal),
      );
      const clientExtensionResults: Record<string, unknown> = {};
      for (const ext of activeEntries(registry, inputs)) {
        Object.assign(clientExtensionResults, ext.processU2f?.('create', inputs ?? {}, result) ?? {});
      }
      const transports = TRANSPORTS.includes(key.device.transport)
        ? [key.device.transport as AuthenticatorTransport]
        : [];
      return registrationJSON(
        result,
        conveyance,
        clientDataJSON,
        transports,
        'cross-platform',
        clientExtensionResults,
      );
    }
    const ctap = key;
    const supported = ctap.info.algorithms;
    if (supported !== undefined && !params.some((p) => supported.some((s) => s.alg === p.alg))) {
      fail(
        'ERR_NOT_SUPPORTED',
        'NotSupportedError',
        `the key supports none of the algorithms ${params.map((p) => p.alg).join(', ')}`,
      );
    }

    const permissions: PinUvAuthPermission[] = excludeList.length > 0 ? ['mc', 'ga'] : ['mc'];
    for (const p of extraPermissions(registry, 'create', inputs))
      if (!permissions.includes(p)) permissions.push(p);
    const uv = await this.#userVerification(
      ctap,
      sel.userVerification ?? 'preferred',
      'create',
      rk,
      permissions,
      rpId,
      signal,
    );
    const ctx = this.#extensionContext(ctap, rk, undefined, uv.token, signal);
    const { ctap: extInputs, active } = await prepareExtensions('create', inputs, ctx, registry);
    const options: { rk?: boolean; uv?: boolean } = {};
    if (rk) options.rk = true;
    if (uv.uvOption) options.uv = true;

    const user: { id: Uint8Array; name?: string; displayName?: string } = { id: userId };
    if (typeof o.user.name === 'string') user.name = o.user.name;
    if (typeof o.user.displayName === 'string') user.displayName = o.user.displayName;
    const rp: { id: string; name?: string } = { id: rpId };
    if (typeof o.rp.name === 'string') rp.name = o.rp.name;
    // WebAuthn L3 §5.1.3 (enterpriseAttestationPossible) and CTAP 2.1 §7.1: platform-managed
    // enterprise attestation (2) only for RP IDs this client's policy lists, on a key with ep on
    const enterprise =
      conveyance === 'enterprise' &&
      ctap.info.options.ep === true &&
      (this.#opts.enterpriseRpIds ?? []).includes(rpId);

    let result: MakeCredentialResult;
    try {
      result = await ctap.makeCredential(
        {
          clientDataHash,
          rp,
          user,
          pubKeyCredParams: params,
          excludeList,
          extensions: extInputs,
          options,
          pinUvAuthParam: uv.token
            ? uv.token.protocol.authenticate(uv.token.token, clientDataHash)
            : undefined,
          pinUvAuthProtocol: uv.token?.protocol.version,
          enterpriseAttestation: enterprise ? 2 : undefined,
        },
        this.#call(signal),
      );
    } catch (e) {
      throw toWebAuthnError(e);
    }

    const clientExtensionResults: Record<string, unknown> = {};
    for (const ext of active) {
      Object.assign(clientExtensionResults, (await ext.processCreate?.(result, ctx)) ?? {});
    }
    return registrationJSON(
      result,
      conveyance,
      clientDataJSON,
      transportsOf(ctap),
      attachmentOf(ctap),
      clientExtensionResults,
    );
  }

  /**
   * navigator.credentials.get() for a security key (WebAuthn L3 §5.1.4). A usernameless
   * sign-in that finds several accounts asks `onSelectAccount`.
   *
   * @returns the AuthenticationResponseJSON a browser's `toJSON()` gives
   * @throws {WebAuthnClientError} `NotAllowedError` (`ERR_NOT_ALLOWED` for no credentials,
   *   `ERR_UV_REQUIRED`, …), `SecurityError`, `AbortError`, `NotSupportedError`
   * @example
   * ```ts
   * const json = await client.get({ challenge, rpId: 'example.com', userVerification: 'required' });
   * ```
   */
  async get(
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    callOptions: WebAuthnCallOptions = {},
  ): Promise<AuthenticationResponseJSON> {
    return ceremony(optionsJSON?.timeout, callOptions.signal, (signal) =>
      this.#get(optionsJSON, callOptions.origin ?? this.#opts.origin, signal),
    );
  }

  async #get(
    o: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    signal: AbortSignal,
  ): Promise<AuthenticationResponseJSON> {
    if (typeof o !== 'object' || o === null)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', 'options expected an object');
    const rpId = checkRpId(origin, o.rpId);
    const challenge = b64(o.challenge, 'challenge');
    const allowList = descriptors(o.allowCredentials, 'allowCredentials');
    const clientDataJSON = utf8Encode(
      JSON.stringify({
        type: 'webauthn.get',
        challenge: base64url.encode(challenge),
        origin,
        crossOrigin: false,
      }),
    );
    const clientDataHash = sha256(clientDataJSON);
    const key = await this.#select(signal);
    const registry = this.#opts.extensions ?? CLIENT_EXTENSIONS;
    const inputs = o.extensions as Record<string, unknown> | undefined;
    const alternates = alternateRpIds(registry, inputs, { origin, rpId });
    const requirement = o.userVerification ?? 'preferred';
    if (key instanceof Ctap1) {
      if (requirement === 'required') {
        fail(
          'ERR_UV_REQUIRED',
          'NotAllowedError',
          'user verification is required but the key speaks only U2F',
        );
      }
      for (const ext of activeEntries(registry, inputs)) ext.prepareU2f?.('get', inputs ?? {}, allowList);
      let result: GetAssertionResult;
      try {
        result = await u2fGetAssertion(
          key,
          { clientDataHash, rpIds: [rpId, ...alternates], allowList },
          this.#call(signal),
        );
      } catch (e) {
        throw toWebAuthnError(e);
      }
      const clientExtensionResults: Record<string, unknown> = {};
      for (const ext of activeEntries(registry, inputs)) {
        Object.assign(clientExtensionResults, ext.processU2f?.('get', inputs ?? {}, result) ?? {});
      }
      return assertionJSON(result, clientDataJSON, 'cross-platform', clientExtensionResults);
    }
    const ctap = key;
    // appid on a CTAP2 key (WebAuthn L3 §10.1.1, CTAP 2.1 §10.3): when the RP ID owns none of
    // the allowed credentials, a silent probe asks whether an AppID does; the ceremony (and the
    // token's RP ID) then use it as getAssertion's rpId
    const effectiveRpId =
      alternates.length > 0 && allowList.length > 0
        ? await this.#probeRpId(ctap, [rpId, ...alternates], clientDataHash, allowList, signal)
        : rpId;
    const permissions: PinUvAuthPermission[] = ['ga'];
    const extra = extraPermissions(registry, 'get', inputs);
    for (const p of extra) if (!permissions.includes(p)) permissions.push(p);
    // an entry that needs a token (a largeBlob write on a protected key) asks for user
    // verification where the RP would rather not, as a browser does for it
    const uv = await this.#userVerification(
      ctap,
      extra.length > 0 && requirement === 'discouraged' ? 'preferred' : requirement,
      'get',
      false,
      permissions,
      effectiveRpId,
      signal,
    );
    const ctx = this.#extensionContext(ctap, false, allowList, uv.token, signal);
    const { ctap: extInputs, active } = await prepareExtensions('get', inputs, ctx, registry);
    let result: GetAssertionResult;
    try {
      result = await ctap.getAssertion(
        {
          rpId: effectiveRpId,
          clientDataHash,
          allowList,
          extensions: extInputs,
          options: uv.uvOption ? { uv: true } : {},
          pinUvAuthParam: uv.token
            ? uv.token.protocol.authenticate(uv.token.token, clientDataHash)
            : undefined,
          pinUvAuthProtocol: uv.token?.protocol.version,
        },
        this.#call(signal),
      );
      const n = result.numberOfCredentials ?? 1;
      if (n > 1 && allowList.length === 0 && result.userSelected !== true) {
        const all = [result];
        for (let i = 1; i < n; i++) all.push(await ctap.getNextAssertion({ signal }));
        result = await this.#pickAccount(all);
      }
    } catch (e) {
      throw toWebAuthnError(e);
    }
    const clientExtensionResults: Record<string, unknown> = {};
    for (const ext of active) {
      Object.assign(clientExtensionResults, (await ext.processGet?.(result, ctx)) ?? {});
    }
    return assertionJSON(result, clientDataJSON, attachmentOf(ctap), clientExtensionResults);
  }

  /** The first RP ID whose silent (up: false) getAssertion finds an allowed credential, else the first. */
  async #probeRpId(
    ctap: Ctap2,
    rpIds: string[],
    clientDataHash: Uint8Array,
    allowList: PublicKeyCredentialDescriptor[],
    signal: AbortSignal,
  ): Promise<string> {
    for (const id of rpIds) {
      try {
        await ctap.getAssertion({ rpId: id, clientDataHash, allowList, options: { up: false } }, { signal });
        return id;
      } catch (e) {
        if (e instanceof CtapError && e.status === CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS) continue;
        // a key that refuses silent probes: let the real request decide with the RP ID
        if (e instanceof CtapError) break;
        throw e;
      }
    }
    return rpIds[0] as string;
  }

  async #pickAccount(all: GetAssertionResult[]): Promise<GetAssertionResult> {
    const accounts: AccountJSON[] = all.map((r) => {
      const a: AccountJSON = {
        id: r.user ? base64url.encode(r.user.id) : '',
        credentialId: base64url.encode(r.credential.id),
      };
      if (r.user?.name !== undefined) a.name = r.user.name;
      if (r.user?.displayName !== undefined) a.displayName = r.user.displayName;
      return a;
    });
    const pick = this.#opts.onSelectAccount;
    if (pick === undefined) return all[0] as GetAssertionResult;
    const choice = await pick(accounts);
    const index =
      typeof choice === 'number'
        ? choice
        : accounts.findIndex((a) => a.credentialId === choice?.credentialId);
    const chosen = all[index];
    if (chosen === undefined) fail('ERR_NOT_ALLOWED', 'NotAllowedError', 'no account was selected');
    return chosen;
  }
}

function abortError(signal: AbortSignal, cause: unknown): WebAuthnClientError {
  const reason = signal.reason as { code?: string } | undefined;
  if (reason?.code === 'ERR_TIMEOUT') {
    return new WebAuthnClientError('ERR_TIMEOUT', 'NotAllowedError', 'the operation timed out', { cause });
  }
  return new WebAuthnClientError('ERR_ABORTED', 'AbortError', 'the operation was aborted', { cause });
}

/** An opened key: a CTAP2 authenticator, or a U2F-only one reached through CTAP1. */
type Key = Ctap2 | Ctap1;

/** The bogus parameters of the U2F_REGISTER that makes a U2F key blink for selection. */
const SELECT_CHALLENGE = new Uint8Array(32).fill(0x42);
const SELECT_APPLICATION = new Uint8Array(32).fill(0x41);

const FIDO2_VERSIONS: readonly string[] = ['FIDO_2_0', 'FIDO_2_1', 'FIDO_2_1_PRE', 'FIDO_2_2'];

/**
 * Opens a device: CTAP2 when getInfo answers with a FIDO 2 version; CTAP1/U2F when it does not
 * (CTAP1_ERR_INVALID_COMMAND, a HID device without the CBOR capability, or versions naming only
 * U2F_V2) and U2F_VERSION answers U2F_V2 (CTAP 2.1 §10.3).
 */
async function openKey(device: CtapDevice, signal: AbortSignal, canonical: boolean): Promise<Key> {
  let failure: unknown;
  try {
    const ctap = await Ctap2.open(device, { signal, canonical });
    if (
      ctap.info.versions.some((v) => FIDO2_VERSIONS.includes(v)) ||
      !ctap.info.versions.includes('U2F_V2')
    ) {
      return ctap;
    }
  } catch (e) {
    const noCbor =
      (e instanceof CtapError && e.status === CTAP_STATUS.CTAP1_ERR_INVALID_COMMAND) ||
      (e instanceof Ctap2ClientError && e.code === 'ERR_NOT_SUPPORTED');
    if (!noCbor) throw e;
    failure = e;
  }
  const u2f = new Ctap1(device);
  let version: string | undefined;
  try {
    version = await u2f.getVersion({ signal });
  } catch (e) {
    throw failure ?? e;
  }
  if (version !== 'U2F_V2') {
    throw (
      failure ??
      new Ctap2ClientError('ERR_NOT_SUPPORTED', `the key speaks neither CTAP2 nor U2F_V2 (${version})`)
    );
  }
  return u2f;
}

/** The registry entries whose inputs are present. */
function activeEntries(
  registry: readonly ClientExtension[],
  inputs: Record<string, unknown> | undefined,
): ClientExtension[] {
  if (inputs === undefined || inputs === null) return [];
  return registry.filter((ext) => ext.inputs.some((k) => inputs[k] !== undefined));
}

/** Permissions the active entries need beyond mc/ga (e.g. lbw). */
function extraPermissions(
  registry: readonly ClientExtension[],
  kind: 'create' | 'get',
  inputs: Record<string, unknown> | undefined,
): PinUvAuthPermission[] {
  const out: PinUvAuthPermission[] = [];
  for (const ext of activeEntries(registry, inputs)) {
    for (const p of ext.permissions?.(kind, inputs ?? {}) ?? []) if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** RP IDs the active entries offer to try after the ceremony's own (appid). */
function alternateRpIds(
  registry: readonly ClientExtension[],
  inputs: Record<string, unknown> | undefined,
  scope: { origin: string; rpId: string },
): string[] {
  const out: string[] = [];
  for (const ext of activeEntries(registry, inputs)) {
    const id = ext.alternateRpId?.(inputs ?? {}, scope);
    if (id !== undefined && id !== scope.rpId && !out.includes(id)) out.push(id);
  }
  return out;
}

/** RegistrationResponseJSON from a makeCredential result (WebAuthn L3 §5.1.3 steps 22ff). */
function registrationJSON(
  result: MakeCredentialResult,
  conveyance: string,
  clientDataJSON: Uint8Array,
  transports: AuthenticatorTransport[],
  attachment: AuthenticatorAttachment,
  clientExtensionResults: Record<string, unknown>,
): RegistrationResponseJSON {
  let attestationObject = result.attestationObject;
  let authData = result.authData;
  if (conveyance === 'none' && result.fmt !== 'none') {
    // WebAuthn §5.1.3 step 22: replace identifying information (AAGUID, attestation statement)
    authData = authData.slice();
    authData.fill(0, 37, 53);
    attestationObject = noneAttestation(authData);
  }
  const acd = result.authenticatorData.attestedCredentialData;
  if (acd === undefined) fail('ERR_NOT_ALLOWED', 'NotAllowedError', 'the key returned no credential');
  let publicKey: string | undefined;
  try {
    publicKey = base64url.encode(coseKeyToSpki(acd.publicKey));
  } catch {
    publicKey = undefined;
  }
  const id = base64url.encode(acd.credentialId);
  const response: RegistrationResponseJSON['response'] = {
    clientDataJSON: base64url.encode(clientDataJSON),
    attestationObject: base64url.encode(attestationObject),
    authenticatorData: base64url.encode(authData),
    transports,
    publicKeyAlgorithm: acd.publicKey.alg ?? -7,
  };
  if (publicKey !== undefined) response.publicKey = publicKey;
  return {
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: attachment,
    clientExtensionResults,
    response,
  };
}

/** AuthenticationResponseJSON from a getAssertion result (WebAuthn L3 §5.1.4). */
function assertionJSON(
  result: GetAssertionResult,
  clientDataJSON: Uint8Array,
  attachment: AuthenticatorAttachment,
  clientExtensionResults: Record<string, unknown>,
): AuthenticationResponseJSON {
  const id = base64url.encode(result.credential.id);
  const response: AuthenticationResponseJSON['response'] = {
    clientDataJSON: base64url.encode(clientDataJSON),
    authenticatorData: base64url.encode(result.authData),
    signature: base64url.encode(result.signature),
  };
  if (result.user?.id !== undefined) response.userHandle = base64url.encode(result.user.id);
  return {
    id,
    rawId: id,
    type: 'public-key',
    authenticatorAttachment: attachment,
    clientExtensionResults,
    response,
  };
}

function noneAttestation(authData: Uint8Array): Uint8Array {
  return encode(
    new Map<string, unknown>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]),
  );
}
