/**
 * The shapes of the client-extension registry (CTAP 2.1 §12, WebAuthn Level 3 §10) and the small
 * input/output helpers every entry shares. The entries live in extensions.ts and
 * extension-large-blob.ts.
 */
import { base64url, type CborValue } from '@fido2kit/cose';
import type { ClientPin, PinUvAuthPermission, PinUvAuthToken } from './client-pin.js';
import type { Ctap2 } from './ctap2.js';
import type {
  ExtensionMap,
  GetAssertionResult,
  MakeCredentialResult,
  PublicKeyCredentialDescriptor,
} from './ctap2-messages.js';
import type { CallOptions } from './device.js';
import { WebAuthnClientError } from './errors.js';

/** credProtect levels (CTAP 2.1 §12.1) by WebAuthn policy name, and back. */
export const CRED_PROTECT = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
} as const;

/** A credentialProtectionPolicy name. */
export type CredentialProtectionPolicy = keyof typeof CRED_PROTECT;

/** What an extension's processing may use. */
export interface ExtensionContext {
  readonly ctap: Ctap2;
  /** A ClientPin for key agreement (hmac-secret), or undefined when the key has none. */
  readonly clientPin: ClientPin | undefined;
  /** Whether a discoverable credential is requested (create). */
  readonly rk: boolean;
  /** The allow list sent (get). */
  readonly allowList: PublicKeyCredentialDescriptor[] | undefined;
  /** State an entry keeps between its request and response processing. */
  readonly state: Map<string, unknown>;
  /**
   * The pinUvAuthToken of the ceremony, when the client obtained one; it carries the
   * permissions entries asked for through {@link ClientExtension.permissions} (e.g. `lbw`).
   */
  readonly token?: PinUvAuthToken | undefined;
  /** The ceremony's signal and keepalive callback, for commands an entry sends itself. */
  readonly call?: CallOptions | undefined;
}

/** The origin and RP ID of a ceremony, as {@link ClientExtension.alternateRpId} sees them. */
export interface CeremonyScope {
  readonly origin: string;
  readonly rpId: string;
}

/** A client extension output, or a promise of one (an entry may send commands after the ceremony). */
export type ExtensionOutput =
  | Promise<Record<string, unknown> | undefined>
  | Record<string, unknown>
  | undefined;

/** One client extension: which inputs it reads and how it builds and reads CTAP extensions. */
export interface ClientExtension {
  /** The WebAuthn extension identifier. */
  readonly id: string;
  /** The client extension input keys it handles (usually just `id`). */
  readonly inputs: readonly string[];
  /**
   * The CTAP extension inputs for makeCredential from the client extension inputs, or
   * `undefined` when the entry sends none (it may refuse bad inputs with a typed error).
   */
  prepareCreate?(
    inputs: Record<string, unknown>,
    ctx: ExtensionContext,
  ): Promise<ExtensionMap | undefined> | ExtensionMap | undefined;
  /**
   * The client extension output after makeCredential. It may be async: the client awaits it
   * before answering, so an entry can send further commands (largeBlob writes).
   */
  processCreate?(result: MakeCredentialResult, ctx: ExtensionContext): ExtensionOutput;
  /** The CTAP extension inputs for getAssertion (see `prepareCreate`). */
  prepareGet?(
    inputs: Record<string, unknown>,
    ctx: ExtensionContext,
  ): Promise<ExtensionMap | undefined> | ExtensionMap | undefined;
  /** The client extension output after getAssertion; may be async (see `processCreate`). */
  processGet?(result: GetAssertionResult, ctx: ExtensionContext): ExtensionOutput;
  /**
   * pinUvAuthToken permissions beyond `mc`/`ga` the entry needs for these inputs (e.g. `lbw`
   * for a largeBlob write). Asked before user verification, so the ceremony's one PIN entry or
   * fingerprint yields a token that also carries them.
   */
  permissions?(kind: 'create' | 'get', inputs: Record<string, unknown>): PinUvAuthPermission[] | undefined;
  /**
   * An RP ID to try when the ceremony's own finds no credential (the `appid` extension), checked
   * against the caller's origin. Throw a `SecurityError` for one the origin may not use.
   */
  alternateRpId?(inputs: Record<string, unknown>, scope: CeremonyScope): string | undefined;
  /**
   * Checks the inputs when the key speaks only CTAP1/U2F (throw `NotSupportedError` for inputs
   * it cannot honour); entries without U2F hooks are ignored on such keys, as browsers do.
   */
  prepareU2f?(
    kind: 'create' | 'get',
    inputs: Record<string, unknown>,
    allowList: PublicKeyCredentialDescriptor[] | undefined,
  ): void;
  /** The client extension output of a U2F ceremony, from the result the client built from it. */
  processU2f?(
    kind: 'create' | 'get',
    inputs: Record<string, unknown>,
    result: MakeCredentialResult | GetAssertionResult,
  ): Record<string, unknown> | undefined;
}

/** @internal */
export function notSupported(message: string): never {
  throw new WebAuthnClientError('ERR_NOT_SUPPORTED', 'NotSupportedError', message);
}

/** @internal */
export function typeError(message: string): never {
  throw new WebAuthnClientError('ERR_INVALID_ARGUMENT', 'TypeError', message);
}

/** @internal */
export function has(ctx: ExtensionContext, ext: string): boolean {
  return ctx.ctap.info.extensions.includes(ext);
}

/** @internal */
export function output(
  result: { authenticatorData: { extensions?: Map<CborValue, CborValue> } },
  id: string,
): CborValue {
  return result.authenticatorData.extensions?.get(id);
}

/** @internal */
export function bytesInput(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') typeError(`extension input ${name} expected base64url`);
  try {
    return base64url.decode(v);
  } catch (e) {
    return typeError(`extension input ${name} is not base64url: ${(e as Error).message}`);
  }
}
