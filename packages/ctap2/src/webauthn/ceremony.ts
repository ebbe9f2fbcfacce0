/**
 * The one ceremony skeleton WebAuthnClient's create (WebAuthn L3 §5.1.3) and get (§5.1.4) share:
 * choose the key; on a U2F-only key the U2F fallback (CTAP 2.1 §10.3); on a CTAP2 key checks,
 * user verification, extension inputs, the command, extension outputs; then the browser's JSON.
 * What differs between the two is a {@link CeremonyPlan}.
 */
import type { UserVerificationRequirement } from '@fido2kit/cose';
import type { PinUvAuthPermission } from '../client-pin.js';
import { Ctap1 } from '../ctap1.js';
import type { Ctap2 } from '../ctap2.js';
import type {
  ExtensionMap,
  GetAssertionResult,
  MakeCredentialResult,
  PublicKeyCredentialDescriptor,
} from '../ctap2-messages.js';
import type { CallOptions } from '../device.js';
import { type ClientExtension, prepareExtensions } from '../extensions.js';
import { fail, toWebAuthnError } from './dom-errors.js';
import {
  extensionContext,
  type Inputs,
  processOutputs,
  u2fHooks,
  withExtraPermissions,
} from './extension-hooks.js';
import type { CollectedClientData } from './input.js';
import type { Key } from './keys.js';
import { type PinPrompt, type UvPlan, userVerification } from './user-verification.js';

/** What a CTAP2 ceremony step is given. */
export interface Ctap2Step {
  readonly uv: UvPlan;
  /** The credential is to be discoverable. */
  readonly rk: boolean;
  readonly extensions: ExtensionMap;
  readonly rpId: string;
  readonly call: CallOptions;
  readonly signal: AbortSignal;
}

/** One ceremony, as the skeleton runs it: what differs between create and get. */
export interface CeremonyPlan<R extends MakeCredentialResult | GetAssertionResult, J> {
  readonly kind: 'create' | 'get';
  readonly origin: string;
  readonly rpId: string;
  readonly clientData: CollectedClientData;
  readonly inputs: Inputs;
  readonly requirement: UserVerificationRequirement;
  /** The allowList (get) the extension hooks see. */
  readonly allowList?: PublicKeyCredentialDescriptor[];
  /** Whether the credential is discoverable on this key; throws when it must be and cannot. */
  rk(key: Key): boolean;
  /** Permissions the token needs before the extensions add theirs. */
  readonly permissions: PinUvAuthPermission[];
  /** The ceremony on a U2F-only key (CTAP 2.1 §10.3). */
  u2f(key: Ctap1, call: CallOptions, signal: AbortSignal): Promise<R>;
  /** Checks on a CTAP2 key before user verification; returns the RP ID the token and command use. */
  prepare?(ctap: Ctap2, signal: AbortSignal): Promise<string>;
  /** The CTAP2 command(s). */
  run(ctap: Ctap2, step: Ctap2Step): Promise<R>;
  /** The browser's JSON. */
  json(result: R, key: Key, clientExtensionResults: Record<string, unknown>): J;
}

/** What the skeleton takes from the client. */
export interface CeremonyEnv {
  select(signal: AbortSignal): Promise<Key>;
  call(signal: AbortSignal): CallOptions;
  registry: readonly ClientExtension[];
  onPinRequired: PinPrompt | undefined;
}

/** Maps a command's failure to the browser's error at once, before a later abort can mask it. */
export async function guarded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw toWebAuthnError(e);
  }
}

/** Runs one ceremony. */
export async function runCeremony<R extends MakeCredentialResult | GetAssertionResult, J>(
  plan: CeremonyPlan<R, J>,
  env: CeremonyEnv,
  signal: AbortSignal,
): Promise<J> {
  const { kind, inputs } = plan;
  const registry = env.registry;
  const key = await env.select(signal);
  const rk = plan.rk(key);
  if (key instanceof Ctap1) {
    if (plan.requirement === 'required') {
      fail('ERR_UV_REQUIRED', 'NotAllowedError', 'user verification is required but the key speaks only U2F');
    }
    u2fHooks.prepare(registry, kind, inputs, plan.allowList);
    const result = await guarded(plan.u2f(key, env.call(signal), signal));
    return plan.json(result, key, u2fHooks.process(registry, kind, inputs, result));
  }
  const rpId = plan.prepare ? await plan.prepare(key, signal) : plan.rpId;
  const { permissions, extra } = withExtraPermissions(plan.permissions, registry, kind, inputs);
  // an entry that needs a token (a largeBlob write on a protected key) asks for user
  // verification where the RP would rather not, as a browser does for it
  const requirement = extra && plan.requirement === 'discouraged' ? 'preferred' : plan.requirement;
  const uv = await userVerification(key, {
    requirement,
    kind,
    rk,
    permissions,
    rpId,
    signal,
    call: env.call(signal),
    onPinRequired: env.onPinRequired,
  });
  const ctx = extensionContext(key, rk, plan.allowList, uv.token, signal);
  const { ctap: extensions, active } = await prepareExtensions(kind, inputs, ctx, registry);
  const result = await guarded(plan.run(key, { uv, rk, extensions, rpId, call: env.call(signal), signal }));
  return plan.json(result, key, await processOutputs(kind, active, result, ctx));
}
