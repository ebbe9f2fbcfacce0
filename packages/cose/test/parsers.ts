/** Every public cose parser that takes bytes, for the tables of hostile and wrong arguments. */
import {
  decode,
  decodeCoseKey,
  decodeFirst,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
  validate,
} from '../src/index.js';

export const BYTE_PARSERS: [string, (x: never) => unknown][] = [
  ['decode', decode],
  ['decodeFirst', decodeFirst],
  ['validate', validate],
  ['decodeCoseKey', decodeCoseKey],
  ['parseAuthenticatorData', parseAuthenticatorData],
  ['parseAttestationObject', parseAttestationObject],
  ['parseClientDataJSON', parseClientDataJSON],
];
