/** minPinLength (CTAP 2.1 §12.4): tells listed RPs the current minimum PIN length. */
import { fail } from '../errors.js';
import type { CtapExtension } from './types.js';

export const minPinLength: CtapExtension = {
  name: 'minPinLength',
  makeCredential(input, ctx) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const state = ctx.core.state;
    if (!input || !state.minPinLengthRpIds.includes(ctx.rpId)) return undefined;
    return { output: () => ({ authData: state.minPinLength }) };
  },
};
