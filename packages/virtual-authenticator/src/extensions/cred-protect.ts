/** credProtect (CTAP 2.1 §12.1): a credential's protection level, enforced by getAssertion. */
import { fail } from '../errors.js';
import type { CtapExtension } from './types.js';

/** credProtect levels. */
export const CRED_PROTECT = {
  userVerificationOptional: 1,
  userVerificationOptionalWithCredentialIDList: 2,
  userVerificationRequired: 3,
} as const;

export const credProtect: CtapExtension = {
  name: 'credProtect',
  makeCredential(input) {
    if (typeof input !== 'number' || !Number.isInteger(input)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (input < 1 || input > 3) fail('CTAP1_ERR_INVALID_PARAMETER');
    return { payload: { credProtect: input }, output: () => ({ authData: input }) };
  },
};
