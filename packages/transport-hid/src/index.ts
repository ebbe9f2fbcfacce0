/**
 * @fido2kit/transport-hid — CTAPHID framing (host and device side), a `CtapDevice` over USB HID
 * with node-hid, and a UDP link to firmware simulators.
 * @packageDocumentation
 */
export type { HidConnection } from './connection.js';
export {
  BROADCAST_CID,
  CONT_DATA_SIZE,
  CTAPHID_CAPABILITIES,
  CTAPHID_COMMAND_NAMES,
  CTAPHID_COMMANDS,
  CTAPHID_ERROR_NAMES,
  CTAPHID_ERRORS,
  type CtaphidCommandName,
  type CtaphidErrorName,
  type CtaphidPacket,
  CtaphidReassembler,
  ctaphidErrorName,
  decodeInitResponse,
  decodePacket,
  encodeInitResponse,
  encodeMessage,
  HID_REPORT_SIZE,
  INIT_DATA_SIZE,
  INIT_NONCE_SIZE,
  INIT_RESPONSE_SIZE,
  type InitResponse,
  KEEPALIVE_STATUS,
  MAX_PAYLOAD,
  MAX_SEQ,
  type ReassemblerOptions,
  type ReassemblyProblem,
  type ReassemblyResult,
  reportCount,
} from './ctaphid.js';
export { HidError, type HidErrorOptions, type HidErrorReason } from './errors.js';
export {
  type HidAuthenticatorInfo,
  listHidAuthenticators,
  openHidAuthenticator,
  openNodeHidConnection,
} from './node-hid.js';
export { describeOpenFailure, type OpenFailureContext } from './open-errors.js';
export {
  FIDO_USAGE_CTAPHID,
  FIDO_USAGE_PAGE,
  type FidoReportDescriptor,
  parseFidoReportDescriptor,
} from './report-descriptor.js';
export { HidTransport } from './transport.js';
export type { HidDeviceInfo, HidTransportOptions } from './transport-options.js';
export { UdpHidConnection, type UdpHidConnectionOptions } from './udp.js';
