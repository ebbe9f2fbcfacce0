/** The public shapes of the simulated HID device: what it wraps, its options, its counters, a raw link. */
import type { CtapDevice } from '@fido2kit/ctap2';

/** What the simulated device wraps: a `VirtualAuthenticator` (anything with `device()`) or a `CtapDevice`. */
export type SimulatedAuthenticator =
  | {
      /** The authenticator's in-memory device. */
      device(): CtapDevice;
    }
  | CtapDevice;

/** Options of {@link SimulatedHidDevice}. */
export interface SimulatedHidDeviceOptions {
  /** `CTAPHID_CAPABILITIES` (from the package root) flags; default WINK | CBOR (MSG supported). */
  capabilities?: number;
  /** Reported device version; default 1.0.0. */
  deviceVersion?: { major: number; minor: number; build: number };
  /** KEEPALIVE period while a request is pending, in ms; default 100 (CTAP 2.1 §11.2.9.2.1). */
  keepaliveIntervalMs?: number;
  /** How long the device waits for the next continuation packet, in ms; default 500. */
  messageTimeoutMs?: number;
  /** After a CANCEL, how long to wait for the authenticator to stop before answering KEEPALIVE_CANCEL; default 100. */
  cancelGraceMs?: number;
  /** The first channel id handed out; default 1. */
  firstChannelId?: number;
}

/** Counters for assertions in tests. */
export interface SimulatedHidDeviceStats {
  reportsToDevice: number;
  reportsToHost: number;
  winks: number;
  keepalives: number;
  cancels: number;
  requests: number;
}

/** A raw report link to the device (e.g. a UDP socket in a firmware-simulator test). */
export interface SimulatedHidLink {
  /** Delivers one 64-byte report from the host to the device. */
  receive(report: Uint8Array): void;
  /** Stops sending reports to this link. */
  close(): void;
}
