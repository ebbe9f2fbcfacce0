/** The options of {@link HidTransport} and what it learns from CTAPHID_INIT. */
import { resolveRetryOptions, type TransportRetryOptions } from '@fido2kit/ctap2';

/**
 * Options of `HidTransport.open`: timeouts and retries ("busy" is CTAPHID_ERR_CHANNEL_BUSY; the
 * nonce source feeds CTAPHID_INIT).
 */
export type HidTransportOptions = TransportRetryOptions;

/** What the device said about itself in its CTAPHID_INIT response. */
export interface HidDeviceInfo {
  /** The channel allocated to this transport. */
  channelId: number;
  /** CTAPHID protocol version (2). */
  protocolVersion: number;
  deviceVersion: { major: number; minor: number; build: number };
  /** {@link CTAPHID_CAPABILITIES} flags. */
  capabilities: number;
  /** The device implements CTAPHID_WINK. */
  wink: boolean;
  /** The device implements CTAPHID_CBOR (CTAP2). */
  cbor: boolean;
  /** The device implements CTAPHID_MSG (CTAP1/U2F). */
  msg: boolean;
}

/** {@link HidTransportOptions} with every default filled in and every value checked. */
export function resolveTransportOptions(options: HidTransportOptions): Required<HidTransportOptions> {
  return resolveRetryOptions(options);
}
