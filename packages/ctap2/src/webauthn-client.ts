/**
 * A WebAuthn client on CTAP2 (WebAuthn Level 3 §5.1.3 create, §5.1.4 get; CTAP 2.1 §5, §6):
 * JSON options in, the JSON a browser's `PublicKeyCredential.toJSON()` gives out. Both
 * ceremonies run one skeleton ({@link WebAuthnClient} `#ceremony`); the concerns live beside it
 * in `webauthn/`: DOMException mapping, RP-ID rules, key choice, user verification, extension
 * hooks, AppID interplay, account choice, response builders.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@fido2kit/cose';
import { InvalidArgumentError } from '@fido2kit/cose';
import { Ctap1 } from './ctap1.js';
import { u2fGetAssertion, u2fMakeCredential } from './ctap1-interop.js';
import type { Ctap2 } from './ctap2.js';
import type { GetAssertionResult, MakeCredentialResult } from './ctap2-messages.js';
import type { CallOptions, CtapDevice } from './device.js';
import { CLIENT_EXTENSIONS, type ClientExtension, checkAppId } from './extensions.js';
import type { PublicKeyCredentialParameters } from './info.js';
import { type AccountChooser, pickAccount } from './webauthn/accounts.js';
import { checkAppidExclude, probeRpId } from './webauthn/appid.js';
import { type CeremonyPlan, guarded, runCeremony } from './webauthn/ceremony.js';
import { fail, underSignal } from './webauthn/dom-errors.js';
import { alternateRpIds } from './webauthn/extension-hooks.js';
import { b64, collectClientData, descriptors } from './webauthn/input.js';
import { type Key, openKey, selectKey } from './webauthn/keys.js';
import { type RelatedOriginsFetch, resolveRpId } from './webauthn/related-origins.js';
import { assertionJSON, registrationJSON } from './webauthn/response-json.js';
import type { PinPrompt } from './webauthn/user-verification.js';

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
export type { AccountChooser, AccountJSON } from './webauthn/accounts.js';
export {
  MAX_RELATED_ORIGIN_LABELS,
  type RelatedOriginsFetch,
  type RelatedOriginsResponse,
  validateRelatedOrigin,
} from './webauthn/related-origins.js';
export { checkRpId } from './webauthn/rp-id.js';
export type { PinPrompt, PinRequest } from './webauthn/user-verification.js';

/** Options of {@link WebAuthnClient}. */
export interface WebAuthnClientOptions {
  /** The key, or use `devices` for several. */
  device?: CtapDevice;
  /** Several keys: the user picks one by touching it (authenticatorSelection). */
  devices?: CtapDevice[];
  /** The caller's origin, e.g. `https://example.com`. */
  origin: string;
  /** Asked for the PIN; return undefined to cancel. */
  onPinRequired?: PinPrompt;
  /** "Touch your key": called when the key waits for user presence. */
  onUserPresence?: () => void;
  /** Several accounts for the RP on the key: return the index (or the account) chosen. */
  onSelectAccount?: AccountChooser;
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
  /**
   * Fetches `https://{rpId}/.well-known/webauthn` for Related Origin Requests (WebAuthn L3 §5.11)
   * when the RP ID is not a registrable suffix of the origin; `globalThis.fetch` does as a browser
   * does. Without it the client makes no network request and such an RP ID is `SecurityError`.
   */
  fetch?: RelatedOriginsFetch;
}

/** Per-call options of create/get. */
export interface WebAuthnCallOptions {
  /** The caller's origin for this call; default the client's. */
  origin?: string;
  /** Cancels the ceremony (`AbortError`). */
  signal?: AbortSignal;
}

const DEFAULT_PARAMS: PublicKeyCredentialParameters[] = [
  { type: 'public-key', alg: -7 },
  { type: 'public-key', alg: -257 },
];

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

  /**
   * @param options the key(s), the origin and the user-interaction callbacks
   * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` (a TypeError) without a device or an origin
   */
  constructor(options: WebAuthnClientOptions) {
    const devices = options?.devices ?? (options?.device ? [options.device] : []);
    if (devices.length === 0)
      throw new InvalidArgumentError('"device" or "devices" expected at least one CtapDevice');
    if (typeof options.origin !== 'string')
      throw new InvalidArgumentError(`"origin" expected string, got ${typeof options.origin}`);
    this.#devices = devices;
    this.#opts = options;
  }

  #open = async (device: CtapDevice, signal: AbortSignal): Promise<Key> => {
    let key = this.#opened.get(device);
    if (key === undefined) {
      key = await openKey(device, signal, this.#opts.ctap2?.canonical ?? true);
      this.#opened.set(device, key);
    }
    return key;
  };

  /** Call options that tell `onUserPresence` once per command. */
  #call = (signal: AbortSignal): CallOptions => {
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
  };

  get #registry(): readonly ClientExtension[] {
    return this.#opts.extensions ?? CLIENT_EXTENSIONS;
  }

  /** The skeleton both ceremonies share (webauthn/ceremony.ts), with this client's keys and callbacks. */
  #ceremony<R extends MakeCredentialResult | GetAssertionResult, J>(
    plan: CeremonyPlan<R, J>,
    signal: AbortSignal,
  ): Promise<J> {
    return runCeremony(
      plan,
      {
        select: (s) => selectKey(this.#devices, this.#open, this.#call, s),
        call: this.#call,
        registry: this.#registry,
        onPinRequired: this.#opts.onPinRequired,
      },
      signal,
    );
  }

  /**
   * navigator.credentials.create() for a security key (WebAuthn L3 §5.1.3).
   *
   * @param optionsJSON the RP's PublicKeyCredentialCreationOptionsJSON
   * @param callOptions `origin` (default the client's) and `signal`
   * @returns the RegistrationResponseJSON a browser's `toJSON()` gives
   * @throws {WebAuthnClientError} with `domName` as a browser: `InvalidStateError`
   *   (`ERR_INVALID_STATE`, excluded credential), `NotAllowedError` (`ERR_NOT_ALLOWED`,
   *   `ERR_UV_REQUIRED`, `ERR_PIN_REQUIRED`, `ERR_TIMEOUT`), `SecurityError` (`ERR_SECURITY`),
   *   `NotSupportedError` (`ERR_NOT_SUPPORTED`), `AbortError` (`ERR_ABORTED`), `ConstraintError`,
   *   `TypeError` (`ERR_INVALID_ARGUMENT`)
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
    return underSignal(optionsJSON?.timeout, callOptions.signal, async (signal) =>
      this.#ceremony(
        await this.#createPlan(optionsJSON, callOptions.origin ?? this.#opts.origin, signal),
        signal,
      ),
    );
  }

  async #createPlan(
    o: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    signal: AbortSignal,
  ): Promise<CeremonyPlan<MakeCredentialResult, RegistrationResponseJSON>> {
    if (typeof o !== 'object' || o === null)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', 'options expected an object');
    const rpId = await resolveRpId(origin, o.rp?.id, this.#opts.fetch, signal);
    const challenge = b64(o.challenge, 'challenge');
    const userId = b64(o.user?.id, 'user.id');
    if (userId.length < 1 || userId.length > 64)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', '"user.id" must be 1 to 64 bytes');
    const excludeList = descriptors(o.excludeCredentials, 'excludeCredentials');
    const offered = o.pubKeyCredParams ?? [];
    const params: PublicKeyCredentialParameters[] =
      offered.length === 0
        ? DEFAULT_PARAMS
        : offered.filter((p) => p?.type === 'public-key').map((p) => ({ type: 'public-key', alg: p.alg }));
    if (params.length === 0)
      fail('ERR_NOT_SUPPORTED', 'NotSupportedError', 'no public-key algorithm was offered');
    const clientData = collectClientData('webauthn.create', challenge, origin);
    const { clientDataHash } = clientData;
    const sel = o.authenticatorSelection ?? {};
    const residentKey = sel.residentKey ?? (sel.requireResidentKey ? 'required' : 'discouraged');
    const conveyance = o.attestation ?? 'none';
    const user: { id: Uint8Array; name?: string; displayName?: string } = { id: userId };
    if (typeof o.user.name === 'string') user.name = o.user.name;
    if (typeof o.user.displayName === 'string') user.displayName = o.user.displayName;
    const rp: { id: string; name?: string } = { id: rpId };
    if (typeof o.rp.name === 'string') rp.name = o.rp.name;
    // appidExclude (WebAuthn L3 §10.1.2): the AppID obeys appid's rules; checked on U2F-capable keys
    const appidExclude =
      o.extensions?.appidExclude === undefined
        ? undefined
        : checkAppId(o.extensions.appidExclude, { origin, rpId });
    const excludeUnderAppid = async (key: Key, call: CallOptions) => {
      if (appidExclude !== undefined)
        await checkAppidExclude(key, appidExclude, clientDataHash, excludeList, call);
    };
    return {
      kind: 'create',
      origin,
      rpId,
      clientData,
      inputs: o.extensions,
      requirement: sel.userVerification ?? 'preferred',
      permissions: excludeList.length > 0 ? ['mc', 'ga'] : ['mc'],
      rk(key) {
        const capable = !(key instanceof Ctap1) && key.info.options.rk === true;
        if (residentKey === 'required' && !capable) {
          fail(
            'ERR_CONSTRAINT',
            'ConstraintError',
            'a discoverable credential is required but the key cannot store one',
          );
        }
        return residentKey === 'required' || (residentKey === 'preferred' && capable);
      },
      u2f: async (key, call) => {
        await excludeUnderAppid(key, call);
        return u2fMakeCredential(key, { clientDataHash, rpId, pubKeyCredParams: params, excludeList }, call);
      },
      prepare: async (ctap, signal) => {
        const supported = ctap.info.algorithms;
        if (supported !== undefined && !params.some((p) => supported.some((s) => s.alg === p.alg))) {
          fail(
            'ERR_NOT_SUPPORTED',
            'NotSupportedError',
            `the key supports none of the algorithms ${params.map((p) => p.alg).join(', ')}`,
          );
        }
        await guarded(excludeUnderAppid(ctap, this.#call(signal)));
        return rpId;
      },
      run: (ctap, { uv, rk, extensions, call }) => {
        const options: { rk?: boolean; uv?: boolean } = {};
        if (rk) options.rk = true;
        if (uv.uvOption) options.uv = true;
        // WebAuthn L3 §5.1.3 (enterpriseAttestationPossible) and CTAP 2.1 §7.1: platform-managed
        // enterprise attestation (2) only for RP IDs this client's policy lists, on a key with ep on
        const enterprise =
          conveyance === 'enterprise' &&
          ctap.info.options.ep === true &&
          (this.#opts.enterpriseRpIds ?? []).includes(rpId);
        return ctap.makeCredential(
          {
            clientDataHash,
            rp,
            user,
            pubKeyCredParams: params,
            excludeList,
            extensions,
            options,
            pinUvAuthParam: uv.token
              ? uv.token.protocol.authenticate(uv.token.token, clientDataHash)
              : undefined,
            pinUvAuthProtocol: uv.token?.protocol.version,
            enterpriseAttestation: enterprise ? 2 : undefined,
          },
          call,
        );
      },
      json: (result, key, ext) =>
        registrationJSON(
          result,
          conveyance,
          clientData.clientDataJSON,
          key,
          appidExclude === undefined ? ext : { ...ext, appidExclude: true },
        ),
    };
  }

  /**
   * navigator.credentials.get() for a security key (WebAuthn L3 §5.1.4). A usernameless
   * sign-in that finds several accounts asks `onSelectAccount`.
   *
   * @param optionsJSON the RP's PublicKeyCredentialRequestOptionsJSON
   * @param callOptions `origin` (default the client's) and `signal`
   * @returns the AuthenticationResponseJSON a browser's `toJSON()` gives
   * @throws {WebAuthnClientError} `NotAllowedError` (`ERR_NOT_ALLOWED` for no credentials,
   *   `ERR_UV_REQUIRED`, …), `SecurityError`, `AbortError`, `NotSupportedError`, `TypeError`
   *   (`ERR_INVALID_ARGUMENT`)
   * @example
   * ```ts
   * const json = await client.get({ challenge, rpId: 'example.com', userVerification: 'required' });
   * ```
   */
  async get(
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    callOptions: WebAuthnCallOptions = {},
  ): Promise<AuthenticationResponseJSON> {
    return underSignal(optionsJSON?.timeout, callOptions.signal, async (signal) =>
      this.#ceremony(
        await this.#getPlan(optionsJSON, callOptions.origin ?? this.#opts.origin, signal),
        signal,
      ),
    );
  }

  async #getPlan(
    o: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    signal: AbortSignal,
  ): Promise<CeremonyPlan<GetAssertionResult, AuthenticationResponseJSON>> {
    if (typeof o !== 'object' || o === null)
      fail('ERR_INVALID_ARGUMENT', 'TypeError', 'options expected an object');
    const rpId = await resolveRpId(origin, o.rpId, this.#opts.fetch, signal);
    const challenge = b64(o.challenge, 'challenge');
    const allowList = descriptors(o.allowCredentials, 'allowCredentials');
    const clientData = collectClientData('webauthn.get', challenge, origin);
    const { clientDataHash } = clientData;
    const inputs = o.extensions;
    const alternates = alternateRpIds(this.#registry, inputs, { origin, rpId });
    return {
      kind: 'get',
      origin,
      rpId,
      clientData,
      inputs,
      allowList,
      requirement: o.userVerification ?? 'preferred',
      permissions: ['ga'],
      rk: () => false,
      u2f: (key, call) =>
        u2fGetAssertion(key, { clientDataHash, rpIds: [rpId, ...alternates], allowList }, call),
      // appid on a CTAP2 key (WebAuthn L3 §10.1.1, CTAP 2.1 §10.3): when the RP ID owns none of
      // the allowed credentials, a silent probe asks whether an AppID does
      prepare: async (ctap, signal) =>
        alternates.length > 0 && allowList.length > 0
          ? probeRpId(ctap, [rpId, ...alternates], clientDataHash, allowList, signal)
          : rpId,
      run: async (ctap, { uv, extensions, rpId: effectiveRpId, call, signal }) => {
        let result = await ctap.getAssertion(
          {
            rpId: effectiveRpId,
            clientDataHash,
            allowList,
            extensions,
            options: uv.uvOption ? { uv: true } : {},
            pinUvAuthParam: uv.token
              ? uv.token.protocol.authenticate(uv.token.token, clientDataHash)
              : undefined,
            pinUvAuthProtocol: uv.token?.protocol.version,
          },
          call,
        );
        const n = result.numberOfCredentials ?? 1;
        if (n > 1 && allowList.length === 0 && result.userSelected !== true) {
          const all = [result];
          for (let i = 1; i < n; i++) all.push(await ctap.getNextAssertion({ signal }));
          result = await pickAccount(all, this.#opts.onSelectAccount);
        }
        return result;
      },
      json: (result, key, ext) => assertionJSON(result, clientData.clientDataJSON, key, ext),
    };
  }
}
