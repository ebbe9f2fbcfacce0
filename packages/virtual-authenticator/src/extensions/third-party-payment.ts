/**
 * thirdPartyPayment (CTAP 2.2 §12.9): a credential made with the input `true` is enabled for
 * third-party payment (Secure Payment Confirmation); getAssertion with the input `true` reports
 * whether the asserting credential is, and credential management lists it (0x0C).
 */
import { fail } from '../errors.js';
import type { CtapExtension } from './types.js';

export const thirdPartyPayment: CtapExtension = {
  name: 'thirdPartyPayment',
  makeCredential(input) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    return input ? { payload: { thirdPartyPayment: true } } : undefined;
  },
  getAssertion(input) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (!input) return undefined;
    return (credential) => ({ authData: credential.payload.thirdPartyPayment === true });
  },
};
