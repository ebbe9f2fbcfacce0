/** The command registry's shape: one file per command under src/commands/. */
import type { CborValue } from '@fido2kit/cose';
import type { CallOptions } from '@fido2kit/ctap2';
import type { CborMap } from '../_params.js';
import type { AuthenticatorCore } from '../core.js';

/** A response map (integer keys), or `undefined` for an empty response. */
export type CommandResponse = Map<number, CborValue> | undefined;

/** One CTAP command. */
export interface Command {
  /** The command byte (CTAP 2.1 §6). */
  readonly code: number;
  /** The spec's name, e.g. 'authenticatorMakeCredential'. */
  readonly name: string;
  /**
   * Handles the decoded parameters (`undefined` when the request had none). Throws
   * `CtapStatusError` to answer with a status other than CTAP2_OK.
   */
  handle(
    core: AuthenticatorCore,
    params: CborMap | undefined,
    call: CallOptions | undefined,
  ): Promise<CommandResponse>;
}
