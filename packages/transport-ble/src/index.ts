/**
 * @fido2kit/transport-ble — CTAPBLE framing (CTAP 2.1 §11.4, host and peripheral side), a
 * `CtapDevice` over any GATT connection, and a Bluetooth LE binding on `@stoprocent/noble`.
 * @packageDocumentation
 */
export type { BleBindingOptions } from './adapter.js';
export type { BleConnection } from './connection.js';
export { BleError, type BleErrorOptions, type BleErrorReason } from './errors.js';
export {
  ATT_HEADER_SIZE,
  CONT_HEADER_SIZE,
  CTAPBLE_COMMAND_NAMES,
  CTAPBLE_COMMANDS,
  CTAPBLE_ERROR_NAMES,
  CTAPBLE_ERRORS,
  type CtapbleCommandName,
  type CtapbleErrorName,
  type CtapbleFragment,
  CtapbleReassembler,
  type CtapbleReassemblerOptions,
  type CtapbleReassemblyProblem,
  type CtapbleReassemblyResult,
  ctapbleErrorName,
  DEFAULT_ATT_MTU,
  decodeControlPointLength,
  decodeFragment,
  decodeServiceRevisions,
  encodeControlPointLength,
  encodeFrame,
  FIDO_BLE_UUIDS,
  FIDO_SERVICE_UUID16,
  fragmentCount,
  INIT_HEADER_SIZE,
  KEEPALIVE_STATUS,
  MAX_ATT_MTU,
  MAX_CONTROL_POINT_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_SEQ,
  MIN_CONTROL_POINT_LENGTH,
  maxFragmentLength,
  SERVICE_REVISION,
  type ServiceRevisions,
} from './framing.js';
export {
  type BleAuthenticatorInfo,
  type ListBleOptions,
  listBleAuthenticators,
  type OpenBleOptions,
  openBleAuthenticator,
  openNobleConnection,
} from './noble.js';
export {
  type BleDeviceInfo,
  type BleProtocolRevision,
  BleTransport,
  type BleTransportOptions,
} from './transport.js';
