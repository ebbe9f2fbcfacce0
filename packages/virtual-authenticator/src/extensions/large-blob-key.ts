/** largeBlobKey (CTAP 2.1 §12.3): a per-credential key returned beside, not inside, authData. */
import { GET_ASSERTION_RESPONSE_KEYS, MAKE_CREDENTIAL_RESPONSE_KEYS } from '@fido2kit/ctap2';
import { fail } from '../errors.js';
import { credentialSecret } from '../keys.js';
import type { CtapExtension } from './types.js';

export const largeBlobKey: CtapExtension = {
  name: 'largeBlobKey',
  makeCredential(input, ctx) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (!input || !ctx.rk) fail('CTAP2_ERR_INVALID_OPTION');
    return {
      output: (credential) => ({
        response: [
          [
            MAKE_CREDENTIAL_RESPONSE_KEYS.largeBlobKey,
            credentialSecret(credential.payload.seed, 'largeBlobKey'),
          ],
        ],
      }),
    };
  },
  getAssertion(input) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (!input) fail('CTAP2_ERR_INVALID_OPTION');
    return (credential) =>
      credential.payload.rk
        ? {
            response: [
              [
                GET_ASSERTION_RESPONSE_KEYS.largeBlobKey,
                credentialSecret(credential.payload.seed, 'largeBlobKey'),
              ],
            ],
          }
        : undefined;
  },
};
