/**
 * @fido2kit/ctap2 — the CTAP 2.1 client.
 * @packageDocumentation
 */
export {
  CTAP_STATUS,
  CTAP_STATUS_NAMES,
  CTAP2_COMMANDS,
  type CtapStatusName,
  ctapStatusName,
  U2F_SW,
} from './constants.js';
export type { CallOptions, CtapDevice, CtapTransport, KeepaliveStatus } from './device.js';
export { Ctap2ClientError, type Ctap2ClientErrorCode, CtapError } from './errors.js';
export {
  type CoseKeyMap,
  type Encapsulation,
  ecdhZ,
  generateKeyAgreementKey,
  type KeyAgreementKeyPair,
  keyAgreementPoint,
  PinUvAuthProtocol,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  pinUvAuthProtocol,
} from './pin-protocol.js';
