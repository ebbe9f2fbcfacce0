/**
 * WebAuthn client extensions and the CTAP authenticator extensions behind them, as a registry:
 * one entry per extension, each with its request and response processing (CTAP 2.1 §12,
 * WebAuthn Level 3 §10).
 */
import { base64url, type CborValue, concatBytes, equalBytes, sha256, utf8Encode } from '@fido2kit/cose';
import { invalidResponse } from './_assert.js';
import type { ExtensionMap, GetAssertionResult } from './ctap2-messages.js';
import { WebAuthnClientError } from './errors.js';
import { largeBlob } from './extension-large-blob.js';
import {
  bytesInput,
  type CeremonyScope,
  type ClientExtension,
  CRED_PROTECT,
  type CredentialProtectionPolicy,
  type ExtensionContext,
  has,
  notSupported,
  output,
  typeError,
} from './extension-types.js';

export {
  type CeremonyScope,
  type ClientExtension,
  CRED_PROTECT,
  type CredentialProtectionPolicy,
  type ExtensionContext,
  type ExtensionOutput,
} from './extension-types.js';

const PRF_LABEL = utf8Encode('WebAuthn PRF');

/**
 * The hmac-secret salt of a WebAuthn prf input: SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input) (WebAuthn L3 §10.1.4).
 * @example
 * ```ts
 * const salt1 = prfSalt(utf8Encode('my app key'));
 * ```
 */
export function prfSalt(input: Uint8Array): Uint8Array {
  return sha256(concatBytes(PRF_LABEL, new Uint8Array([0]), input));
}

interface PrfValues {
  first: Uint8Array;
  second?: Uint8Array;
}

function prfValues(v: unknown, name: string): PrfValues {
  if (typeof v !== 'object' || v === null) typeError(`${name} expected { first, second? }`);
  const o = v as { first?: unknown; second?: unknown };
  const out: PrfValues = { first: prfSalt(bytesInput(o.first, `${name}.first`)) };
  if (o.second !== undefined) out.second = prfSalt(bytesInput(o.second, `${name}.second`));
  return out;
}

/** The hmac-secret request map {1: keyAgreement, 2: saltEnc, 3: saltAuth, 4: protocol} (CTAP 2.1 §12.5). */
async function hmacSecretInput(ctx: ExtensionContext, salts: PrfValues): Promise<ExtensionMap[string]> {
  const pin = ctx.clientPin;
  if (pin === undefined) notSupported('hmac-secret needs key agreement, which this authenticator lacks');
  const { keyAgreement, sharedSecret } = await pin.getSharedSecret();
  const plain = salts.second ? concatBytes(salts.first, salts.second) : salts.first;
  const saltEnc = pin.protocol.encrypt(sharedSecret, plain);
  const m = new Map<CborValue, CborValue>([
    [1, keyAgreement],
    [2, saltEnc],
    [3, pin.protocol.authenticate(sharedSecret, saltEnc)],
  ]);
  if (pin.protocol.version !== 1) m.set(4, pin.protocol.version);
  ctx.state.set('hmac-secret', { sharedSecret, two: salts.second !== undefined });
  return m;
}

function hmacSecretOutput(
  ctx: ExtensionContext,
  enc: CborValue,
): { first: string; second?: string } | undefined {
  const st = ctx.state.get('hmac-secret') as { sharedSecret: Uint8Array; two: boolean } | undefined;
  if (st === undefined || enc === undefined || ctx.clientPin === undefined) return undefined;
  if (!(enc instanceof Uint8Array)) invalidResponse('hmac-secret output is not a byte string');
  const plain = ctx.clientPin.protocol.decrypt(st.sharedSecret, enc);
  if (plain.length !== (st.two ? 64 : 32)) invalidResponse(`hmac-secret output has ${plain.length} bytes`);
  const out: { first: string; second?: string } = { first: base64url.encode(plain.subarray(0, 32)) };
  if (st.two) out.second = base64url.encode(plain.subarray(32));
  return out;
}

/** credProps (WebAuthn §10.1.3): client-side only. */
const credProps: ClientExtension = {
  id: 'credProps',
  inputs: ['credProps'],
  prepareCreate: () => undefined,
  processCreate: (_r, ctx) => ({ credProps: { rk: ctx.rk } }),
  processU2f: (kind) => (kind === 'create' ? { credProps: { rk: false } } : undefined),
};

/** credProtect (CTAP 2.1 §12.1): credentialProtectionPolicy + enforceCredentialProtectionPolicy. */
const credProtect: ClientExtension = {
  id: 'credProtect',
  inputs: ['credentialProtectionPolicy', 'enforceCredentialProtectionPolicy'],
  prepareCreate(inputs, ctx) {
    const policy = inputs.credentialProtectionPolicy;
    if (policy === undefined) return undefined;
    const level = CRED_PROTECT[policy as CredentialProtectionPolicy];
    if (level === undefined) typeError(`credentialProtectionPolicy ${String(policy)} is unknown`);
    if (!has(ctx, 'credProtect')) {
      if (inputs.enforceCredentialProtectionPolicy === true && level > 1) {
        notSupported('the authenticator does not support credProtect and the policy is enforced');
      }
      return undefined;
    }
    return { credProtect: level };
  },
  processCreate: () => undefined,
};

/** hmacCreateSecret / hmacGetSecret's CTAP side without the PRF mapping (CTAP 2.1 §12.5). */
const hmacCreateSecret: ClientExtension = {
  id: 'hmacCreateSecret',
  inputs: ['hmacCreateSecret'],
  prepareCreate(inputs, ctx) {
    if (inputs.hmacCreateSecret !== true || !has(ctx, 'hmac-secret')) return undefined;
    return { 'hmac-secret': true };
  },
  processCreate(r) {
    const v = output(r, 'hmac-secret');
    return v === undefined ? undefined : { hmacCreateSecret: v === true };
  },
};

/** prf (WebAuthn L3 §10.1.4) on hmac-secret, and hmac-secret-mc at creation (CTAP 2.2 §12.7). */
const prf: ClientExtension = {
  id: 'prf',
  inputs: ['prf'],
  async prepareCreate(inputs, ctx) {
    const input = inputs.prf as { eval?: unknown; evalByCredential?: unknown } | undefined;
    if (typeof input !== 'object' || input === null) typeError('prf expected an object');
    if (input.evalByCredential !== undefined) notSupported('prf evalByCredential is not allowed at creation');
    if (!has(ctx, 'hmac-secret')) return undefined;
    const out: ExtensionMap = { 'hmac-secret': true };
    if (input.eval !== undefined && has(ctx, 'hmac-secret-mc')) {
      out['hmac-secret-mc'] = await hmacSecretInput(ctx, prfValues(input.eval, 'prf.eval'));
    }
    return out;
  },
  processCreate(r, ctx) {
    const enabled = output(r, 'hmac-secret') === true;
    const prfOut: { enabled: boolean; results?: { first: string; second?: string } } = { enabled };
    const results = hmacSecretOutput(ctx, output(r, 'hmac-secret-mc'));
    if (results !== undefined) prfOut.results = results;
    return { prf: prfOut };
  },
  async prepareGet(inputs, ctx) {
    const input = inputs.prf as { eval?: unknown; evalByCredential?: Record<string, unknown> } | undefined;
    if (typeof input !== 'object' || input === null) typeError('prf expected an object');
    let chosen: unknown = input.eval;
    const byCred = input.evalByCredential;
    if (byCred !== undefined) {
      if (!ctx.allowList?.length) notSupported('prf evalByCredential needs allowCredentials');
      for (const k of Object.keys(byCred)) {
        const id = bytesInput(k, 'prf.evalByCredential key');
        if (!ctx.allowList.some((d) => base64url.encode(d.id) === base64url.encode(id))) {
          typeError('prf evalByCredential names a credential outside allowCredentials');
        }
      }
      // with one allowed credential its entry applies; with several the batch probe has not
      // yet told us which will answer, so `eval` applies (documented limitation)
      const single =
        ctx.allowList.length === 1 ? base64url.encode(ctx.allowList[0]?.id as Uint8Array) : undefined;
      if (single !== undefined && byCred[single] !== undefined) chosen = byCred[single];
    }
    if (chosen === undefined || !has(ctx, 'hmac-secret')) return undefined;
    return { 'hmac-secret': await hmacSecretInput(ctx, prfValues(chosen, 'prf.eval')) };
  },
  processGet(r, ctx) {
    const results = hmacSecretOutput(ctx, output(r, 'hmac-secret'));
    return results === undefined ? { prf: {} } : { prf: { results } };
  },
};

/** credBlob (CTAP 2.1 §12.2): store at creation, read with getCredBlob. */
const credBlob: ClientExtension = {
  id: 'credBlob',
  inputs: ['credBlob', 'getCredBlob'],
  prepareCreate(inputs, ctx) {
    if (inputs.credBlob === undefined) return undefined;
    const blob = bytesInput(inputs.credBlob, 'credBlob');
    const max = ctx.ctap.info.maxCredBlobLength;
    if (!has(ctx, 'credBlob') || max === undefined)
      notSupported('the authenticator does not support credBlob');
    if (blob.length > max)
      notSupported(`credBlob is ${blob.length} bytes; the authenticator keeps at most ${max}`);
    return { credBlob: blob };
  },
  processCreate(r) {
    const v = output(r, 'credBlob');
    return v === undefined ? undefined : { credBlob: v === true };
  },
  prepareGet(inputs, ctx) {
    if (inputs.getCredBlob !== true || !has(ctx, 'credBlob')) return undefined;
    return { credBlob: true };
  },
  processGet(r) {
    const v = output(r, 'credBlob');
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array)) invalidResponse('credBlob output is not a byte string');
    return { getCredBlob: base64url.encode(v) };
  },
};

/** True when the inputs ask for thirdPartyPayment (directly, or as SPC's `payment.isPayment`). */
function wantsThirdPartyPayment(inputs: Record<string, unknown>): boolean {
  const direct = inputs.thirdPartyPayment;
  if (direct !== undefined && typeof direct !== 'boolean') typeError('thirdPartyPayment expected a boolean');
  const payment = inputs.payment;
  if (payment !== undefined && (payment === null || typeof payment !== 'object')) {
    typeError('payment expected an object');
  }
  const isPayment = (payment as { isPayment?: unknown } | undefined)?.isPayment;
  if (isPayment !== undefined && typeof isPayment !== 'boolean')
    typeError('payment.isPayment expected a boolean');
  return direct === true || isPayment === true;
}

/**
 * thirdPartyPayment (CTAP 2.2 §12.9), asked for as `thirdPartyPayment: true` or as Secure
 * Payment Confirmation's `payment: { isPayment: true }`: at creation the key marks the
 * credential; at authentication the client output `thirdPartyPayment` says whether the
 * asserting credential is enabled for third-party payment (a flag like credProps' `rk`).
 * Ignored, as browsers ignore unknown extensions, by a key that does not list it.
 */
const thirdPartyPayment: ClientExtension = {
  id: 'thirdPartyPayment',
  inputs: ['thirdPartyPayment', 'payment'],
  prepareCreate(inputs, ctx) {
    return wantsThirdPartyPayment(inputs) && has(ctx, 'thirdPartyPayment')
      ? { thirdPartyPayment: true }
      : undefined;
  },
  prepareGet(inputs, ctx) {
    return wantsThirdPartyPayment(inputs) && has(ctx, 'thirdPartyPayment')
      ? { thirdPartyPayment: true }
      : undefined;
  },
  processGet(r) {
    const v = output(r, 'thirdPartyPayment');
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') invalidResponse('thirdPartyPayment output is not a boolean');
    return { thirdPartyPayment: v };
  },
};

/**
 * Checks a FIDO AppID against the caller's origin (WebAuthn L3 §10.1.1, FIDO AppID and Facet
 * §3.1.2): an https URL (http on localhost) whose host is the RP ID or a subdomain of it. The
 * RP ID is already a registrable suffix of the origin, so this is at least as strict as the
 * "same registrable domain" rule without a public-suffix list.
 * @throws {WebAuthnClientError} `ERR_SECURITY` (`SecurityError`), `ERR_INVALID_ARGUMENT` (`TypeError`)
 */
export function checkAppId(value: unknown, scope: CeremonyScope): string {
  if (typeof value !== 'string') typeError('appid expected a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebAuthnClientError('ERR_SECURITY', 'SecurityError', `appid ${value} is not a URL`);
  }
  const host = url.hostname.toLowerCase();
  const local = host === 'localhost' || host.endsWith('.localhost');
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && local);
  const related = host === scope.rpId || host.endsWith(`.${scope.rpId}`);
  if (!secure || !related) {
    throw new WebAuthnClientError(
      'ERR_SECURITY',
      'SecurityError',
      `appid ${value} may not be used from ${scope.origin} (RP ID ${scope.rpId})`,
    );
  }
  return value;
}

function appidUsed(ctxState: Map<string, unknown>, r: GetAssertionResult): { appid: boolean } {
  const id = ctxState.get('appid');
  return {
    appid: typeof id === 'string' && equalBytes(r.authenticatorData.rpIdHash, sha256(utf8Encode(id))),
  };
}

/**
 * appid (WebAuthn L3 §10.1.1): sign in with a credential registered through the FIDO U2F
 * JavaScript API under an AppID. The client tries the AppID when the RP ID finds no credential:
 * on a U2F key as the application parameter SHA-256(appid), on a CTAP2 key as the rpId of
 * getAssertion (CTAP 2.1 §10.3). The output `appid` is true when the AppID answered.
 */
const appid: ClientExtension = {
  id: 'appid',
  inputs: ['appid'],
  alternateRpId: (inputs, scope) => checkAppId(inputs.appid, scope),
  prepareGet(inputs, ctx) {
    ctx.state.set('appid', inputs.appid);
    return undefined;
  },
  processGet: (r, ctx) => appidUsed(ctx.state, r),
  processU2f(kind, inputs, r) {
    if (kind !== 'get' || !('signature' in r)) return undefined;
    return appidUsed(new Map([['appid', inputs.appid]]), r);
  },
};

/** minPinLength (CTAP 2.1 §12.4): the key's minimum PIN length, for RPs it allows. */
const minPinLength: ClientExtension = {
  id: 'minPinLength',
  inputs: ['minPinLength'],
  prepareCreate(inputs, ctx) {
    if (inputs.minPinLength !== true || !has(ctx, 'minPinLength')) return undefined;
    return { minPinLength: true };
  },
  processCreate(r) {
    const v = output(r, 'minPinLength');
    if (v === undefined) return undefined;
    if (typeof v !== 'number') invalidResponse('minPinLength output is not an integer');
    return { minPinLength: v };
  },
};

/**
 * The registry: every client extension this client processes (WebAuthn L3 §10, CTAP 2.1 §12).
 * Pass your own list to `new WebAuthnClient({ extensions })` to add or remove entries. Unknown client inputs are
 * ignored, as browsers ignore them.
 * @example
 * ```ts
 * new WebAuthnClient({ device, origin, extensions: [...CLIENT_EXTENSIONS, myExtension] });
 * ```
 */
export const CLIENT_EXTENSIONS: readonly ClientExtension[] = Object.freeze([
  credProps,
  credProtect,
  hmacCreateSecret,
  prf,
  credBlob,
  largeBlob,
  minPinLength,
  appid,
  thirdPartyPayment,
]);

/**
 * Runs the registry's request processing; returns the merged CTAP extension inputs and the
 * entries whose response processing applies.
 * @example
 * ```ts
 * const { ctap, active } = await prepareExtensions('create', { credProps: true }, ctx);
 * ```
 */
export async function prepareExtensions(
  kind: 'create' | 'get',
  inputs: Record<string, unknown> | undefined,
  ctx: ExtensionContext,
  registry: readonly ClientExtension[] = CLIENT_EXTENSIONS,
): Promise<{ ctap: ExtensionMap; active: ClientExtension[] }> {
  const ctap: ExtensionMap = {};
  const active: ClientExtension[] = [];
  if (inputs === undefined || inputs === null) return { ctap, active };
  for (const ext of registry) {
    if (!ext.inputs.some((k) => inputs[k] !== undefined)) continue;
    const prepare = kind === 'create' ? ext.prepareCreate : ext.prepareGet;
    if (prepare === undefined) continue;
    active.push(ext);
    Object.assign(ctap, (await prepare.call(ext, inputs, ctx)) ?? {});
  }
  return { ctap, active };
}
