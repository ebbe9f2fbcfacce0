/**
 * @fido2kit/transport-nfc — CTAP over ISO 7816-4 APDUs (NFC and contact cards) through PC/SC,
 * and the NFCCTAP framing both sides use (the APDU codec itself is `@fido2kit/ctap2`'s,
 * re-exported here).
 * @packageDocumentation
 */
/** The ISO 7816-4 APDU codec, whose home is `@fido2kit/ctap2`. */
export {
  type CommandApdu,
  type DecodeCommandApduOptions,
  type DecodedCommandApdu,
  decodeCommandApdu,
  decodeResponseApdu,
  EXTENDED_MAX_LC,
  EXTENDED_MAX_LE,
  encodeCommandApdu,
  encodeResponseApdu,
  fitsShortApdu,
  type ResponseApdu,
  SHORT_MAX_LC,
  SHORT_MAX_LE,
} from '@fido2kit/ctap2';
export {
  type ChainOptions,
  CLA_CHAINING,
  CLA_NFCCTAP,
  chainCommand,
  FIDO_AID,
  type FidoAppletVersion,
  getResponseCommand,
  INS,
  isSelectFido,
  keepaliveStatus,
  nfcctapGetResponseCommand,
  nfcctapMsgCommand,
  P1_CANCEL,
  P1_GETRESPONSE_SUPPORTED,
  parseSelectResponse,
  SW,
  SW_NAMES,
  SW1_MORE_DATA,
  SW1_WRONG_LE,
  selectFidoCommand,
} from './apdu.js';
export { type AuthenticatorSource, FidoApplet, type FidoAppletOptions } from './card.js';
export { NfcError, type NfcErrorOptions, type NfcErrorReason } from './errors.js';
export {
  type ListNfcAuthenticatorsOptions,
  listNfcAuthenticators,
  type NfcAuthenticatorInfo,
  type OpenNfcAuthenticatorOptions,
  openNfcAuthenticator,
} from './nfc.js';
export { PcscContext, type PcscContextOptions } from './pcsc.js';
export { PcscCardLink, type PcscCardLinkOptions } from './pcsc-link.js';
export {
  type ApduLink,
  type ApduMode,
  NfcTransport,
  type NfcTransportOptions,
  type TransmitOptions,
} from './transport.js';
