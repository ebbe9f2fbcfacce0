/** credBlob (CTAP 2.1 §12.2): a small opaque blob stored with the credential. */
import { fail } from '../errors.js';
import type { CtapExtension } from './types.js';

export const credBlob: CtapExtension = {
  name: 'credBlob',
  makeCredential(input, ctx) {
    if (!(input instanceof Uint8Array)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (input.length > ctx.core.config.maxCredBlobLength) return { output: () => ({ authData: false }) };
    return { payload: { credBlob: input.slice() }, output: () => ({ authData: true }) };
  },
  getAssertion(input) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (!input) return undefined;
    return (credential) => ({ authData: credential.payload.credBlob ?? new Uint8Array(0) });
  },
};
