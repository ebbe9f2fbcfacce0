/** The shape of a CTAP extension in the registry. */
import type { CborValue } from '@fido2kit/cose';
import type { CallOptions } from '@fido2kit/ctap2';
import type { AuthenticatorCore, Credential } from '../core.js';
import type { CredentialPayload } from '../credential-id.js';
import type { ExtensionName } from '../options.js';

/** What makeCredential tells an extension. */
export interface MakeCredentialExtensionContext {
  core: AuthenticatorCore;
  call: CallOptions | undefined;
  rpId: string;
  /** The "rk" option. */
  rk: boolean;
  /** Every extension input of the request, by name. */
  inputs: Map<string, CborValue>;
}

/** What an extension contributes after the credential is made. */
export interface ExtensionOutput {
  /** Value for the authenticator data's extensions map, under the extension's name. */
  authData?: CborValue;
  /** Members of the makeCredential/getAssertion response map (e.g. largeBlobKey 0x05/0x07). */
  response?: [number, CborValue][];
}

/** An extension's makeCredential processing, split around credential creation. */
export interface MakeCredentialExtensionStep {
  /** Changes to the credential before it is sealed into its ID. */
  payload?: Partial<Pick<CredentialPayload, 'credProtect' | 'hmacSecret' | 'credBlob' | 'thirdPartyPayment'>>;
  /** Outputs, given the new credential and the response's UV bit. */
  output?: (credential: Credential, uv: boolean) => ExtensionOutput | undefined;
}

/** What getAssertion tells an extension. */
export interface GetAssertionExtensionContext {
  core: AuthenticatorCore;
  call: CallOptions | undefined;
  rpId: string;
  /** The "up" option. */
  up: boolean;
}

/** A CTAP extension. */
export interface CtapExtension {
  readonly name: ExtensionName;
  /** Validates the makeCredential input; throws a CTAP status on bad input. */
  makeCredential?(
    input: CborValue,
    ctx: MakeCredentialExtensionContext,
  ): MakeCredentialExtensionStep | undefined;
  /** Validates the getAssertion input once; returns the per-credential output function. */
  getAssertion?(
    input: CborValue,
    ctx: GetAssertionExtensionContext,
  ): ((credential: Credential, uv: boolean) => ExtensionOutput | undefined) | undefined;
}
