/** How a ceremony consults the client extension registry (extensions.ts) around its commands. */
import type { PinUvAuthPermission, PinUvAuthToken } from '../client-pin.js';
import { ClientPin } from '../client-pin.js';
import type { Ctap2 } from '../ctap2.js';
import type {
  GetAssertionResult,
  MakeCredentialResult,
  PublicKeyCredentialDescriptor,
} from '../ctap2-messages.js';
import type { ClientExtension, ExtensionContext } from '../extensions.js';

/** Extension inputs as a ceremony reads them. */
export type Inputs = Record<string, unknown> | undefined;

/** The registry entries whose inputs are present. */
export function activeEntries(registry: readonly ClientExtension[], inputs: Inputs): ClientExtension[] {
  if (inputs === undefined || inputs === null) return [];
  return registry.filter((ext) => ext.inputs.some((k) => inputs[k] !== undefined));
}

/** Permissions the active entries need beyond mc/ga (e.g. lbw), added to `base`. */
export function withExtraPermissions(
  base: PinUvAuthPermission[],
  registry: readonly ClientExtension[],
  kind: 'create' | 'get',
  inputs: Inputs,
): { permissions: PinUvAuthPermission[]; extra: boolean } {
  const permissions = [...base];
  let extra = false;
  for (const ext of activeEntries(registry, inputs)) {
    for (const p of ext.permissions?.(kind, inputs ?? {}) ?? []) {
      extra = true;
      if (!permissions.includes(p)) permissions.push(p);
    }
  }
  return { permissions, extra };
}

/** RP IDs the active entries offer to try after the ceremony's own (appid). */
export function alternateRpIds(
  registry: readonly ClientExtension[],
  inputs: Inputs,
  scope: { origin: string; rpId: string },
): string[] {
  const out: string[] = [];
  for (const ext of activeEntries(registry, inputs)) {
    const id = ext.alternateRpId?.(inputs ?? {}, scope);
    if (id !== undefined && id !== scope.rpId && !out.includes(id)) out.push(id);
  }
  return out;
}

/** The context the registry's CTAP2 hooks see. */
export function extensionContext(
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

/** Runs the active entries' CTAP2 output processing and merges their client outputs. */
export async function processOutputs(
  kind: 'create' | 'get',
  active: readonly ClientExtension[],
  result: MakeCredentialResult | GetAssertionResult,
  ctx: ExtensionContext,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const ext of active) {
    const o =
      kind === 'create'
        ? await ext.processCreate?.(result as MakeCredentialResult, ctx)
        : await ext.processGet?.(result as GetAssertionResult, ctx);
    Object.assign(out, o ?? {});
  }
  return out;
}

/** Runs the U2F hooks of the active entries around a CTAP1 ceremony. */
export const u2fHooks = {
  prepare(
    registry: readonly ClientExtension[],
    kind: 'create' | 'get',
    inputs: Inputs,
    allowList: PublicKeyCredentialDescriptor[] | undefined,
  ): void {
    for (const ext of activeEntries(registry, inputs)) ext.prepareU2f?.(kind, inputs ?? {}, allowList);
  },
  process(
    registry: readonly ClientExtension[],
    kind: 'create' | 'get',
    inputs: Inputs,
    result: MakeCredentialResult | GetAssertionResult,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const ext of activeEntries(registry, inputs)) {
      Object.assign(out, ext.processU2f?.(kind, inputs ?? {}, result) ?? {});
    }
    return out;
  },
};
