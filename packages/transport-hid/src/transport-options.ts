/** The options of {@link HidTransport} and what it learns from CTAPHID_INIT. */
import { nonNegative, positive } from './_assert.js';

/** Options of `HidTransport.open`. */
export interface HidTransportOptions {
  /**
   * Longest silence, in ms, while waiting for a response: every report of the answer and every
   * KEEPALIVE restarts it. Default 5000.
   */
  timeoutMs?: number;
  /** Cap on one call, keepalives included (a user who never touches the key). Default 120000. */
  maxDurationMs?: number;
  /** How long, in ms, to wait for the device's answer after a CANCEL before giving up. Default 1000. */
  cancelTimeoutMs?: number;
  /** How often a CHANNEL_BUSY answer is retried (with exponential backoff). Default 8. */
  busyRetries?: number;
  /** First backoff, in ms, after CHANNEL_BUSY; doubles each time up to 500. Default 20. */
  busyBackoffMs?: number;
  /**
   * How often a request the device reports it never received whole (ERR_INVALID_SEQ,
   * ERR_MSG_TIMEOUT) is sent again. Default 2.
   */
  resendRetries?: number;
  /** Source of the INIT nonce; default `crypto.getRandomValues`. */
  randomBytes?: (length: number) => Uint8Array;
}

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
  return {
    timeoutMs: positive(options.timeoutMs, 5000, 'timeoutMs'),
    maxDurationMs: positive(options.maxDurationMs, 120_000, 'maxDurationMs'),
    cancelTimeoutMs: positive(options.cancelTimeoutMs, 1000, 'cancelTimeoutMs'),
    busyRetries: nonNegative(options.busyRetries, 8, 'busyRetries'),
    busyBackoffMs: positive(options.busyBackoffMs, 20, 'busyBackoffMs'),
    resendRetries: nonNegative(options.resendRetries, 2, 'resendRetries'),
    randomBytes: options.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
  };
}
