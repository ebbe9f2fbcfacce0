/**
 * The device side of CTAPHID (CTAP 2.1 §11.2) around any {@link CtapDevice}: channels, busy,
 * lock, message timeouts, keepalives while the authenticator waits for the user, cancel, and
 * fault injection. Exported from `@fido2kit/transport-hid/testing`.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import {
  type CtapDevice,
  resolveCtapDevice,
  SimulatedCall,
  type SimulatedCallHost,
  unrefTimer,
} from '@fido2kit/ctap2';
import type { HidConnection } from './connection.js';
import {
  BROADCAST_CID,
  CTAPHID_CAPABILITIES,
  CTAPHID_COMMANDS,
  CTAPHID_ERRORS,
  CtaphidReassembler,
  decodePacket,
  encodeInitResponse,
  encodeMessage,
  INIT_NONCE_SIZE,
  MAX_PAYLOAD,
} from './ctaphid.js';
import { HidError } from './errors.js';
import { SimulatedHidConnection } from './simulated-connection.js';
import { FaultPipeline, type HidFault } from './simulated-faults.js';
import type {
  SimulatedAuthenticator,
  SimulatedHidDeviceOptions,
  SimulatedHidDeviceStats,
  SimulatedHidLink,
} from './simulated-types.js';

/** The request in progress and the channel that sent it. */
interface Pending {
  cid: number;
  call: SimulatedCall;
}

type Sink = (report: Uint8Array) => void;

/**
 * A USB FIDO key in software: speaks CTAPHID on 64-byte reports and forwards CBOR and MSG
 * payloads to the wrapped authenticator's {@link CtapDevice}. Several connections (hosts) may be
 * open at once; like hidraw, every connection sees every input report.
 *
 * @example
 * ```ts
 * import { SimulatedHidDevice } from '@fido2kit/transport-hid/testing';
 * const key = new SimulatedHidDevice(new VirtualAuthenticator());
 * const device = await HidTransport.open(key.connection());
 * ```
 */
export class SimulatedHidDevice {
  readonly #authenticator: SimulatedAuthenticator;
  #inner: CtapDevice | undefined;
  readonly #capabilities: number;
  readonly #version: { major: number; minor: number; build: number };
  readonly #keepaliveMs: number;
  readonly #messageTimeoutMs: number;
  readonly #cancelGraceMs: number;
  readonly #firstCid: number;
  #nextCid: number;
  #channels = new Set<number>();
  #assembler = new CtaphidReassembler({ maxPayload: MAX_PAYLOAD });
  #assemblyTimer: ReturnType<typeof setTimeout> | undefined;
  #pending: Pending | undefined;
  #lock: { cid: number; until: number } | undefined;
  #sinks = new Set<Sink>();
  #connections = new Set<SimulatedHidConnection>();
  readonly #faults = new FaultPipeline({ unplug: () => this.unplug(), stall: () => this.stall() });
  #unplugged = false;
  #stalled = false;
  /** Counters, for tests. */
  readonly stats: SimulatedHidDeviceStats = {
    reportsToDevice: 0,
    reportsToHost: 0,
    winks: 0,
    keepalives: 0,
    cancels: 0,
    requests: 0,
  };

  constructor(authenticator: SimulatedAuthenticator, options: SimulatedHidDeviceOptions = {}) {
    if (authenticator === null || typeof authenticator !== 'object') {
      throw new InvalidArgumentError('"authenticator" expected a CtapDevice or an object with device()');
    }
    this.#authenticator = authenticator;
    this.#capabilities = options.capabilities ?? CTAPHID_CAPABILITIES.WINK | CTAPHID_CAPABILITIES.CBOR;
    this.#version = options.deviceVersion ?? { major: 1, minor: 0, build: 0 };
    this.#keepaliveMs = options.keepaliveIntervalMs ?? 100;
    this.#messageTimeoutMs = options.messageTimeoutMs ?? 500;
    this.#cancelGraceMs = options.cancelGraceMs ?? 100;
    this.#firstCid = options.firstChannelId ?? 1;
    if (this.#firstCid === 0 || this.#firstCid >= BROADCAST_CID) {
      throw new InvalidArgumentError('"firstChannelId" expected an integer in 1..0xfffffffe');
    }
    this.#nextCid = this.#firstCid;
  }

  /** Opens a new host connection to the device (like another `hid_open_path`). */
  connection(): HidConnection {
    const connection = new SimulatedHidConnection(this, this.#unplugged);
    if (!this.#unplugged) this.#connections.add(connection);
    return connection;
  }

  /** Attaches a raw report link (every report the device sends goes to `send`). */
  link(send: (report: Uint8Array) => void): SimulatedHidLink {
    const sink: Sink = (report) => send(report);
    this.#sinks.add(sink);
    return {
      receive: (report) => this.#fromHost(report),
      close: () => {
        this.#sinks.delete(sink);
      },
    };
  }

  /** Queues a fault; faults apply in the order given. */
  inject(fault: HidFault): void {
    this.#faults.add(fault);
  }

  /** Pulls the device out now: pending and later reads and writes fail with `ERR_DEVICE_GONE`. */
  unplug(): void {
    if (this.#unplugged) return;
    this.#unplugged = true;
    this.#abortPending();
    this.#assembler.reset();
    this.#clearAssemblyTimer();
    for (const c of this.#connections) c._gone();
    this.#connections.clear();
  }

  /** Plugs the device back in: channels are forgotten (a power cycle); open new connections. */
  replug(): void {
    this.#unplugged = false;
    this.#stalled = false;
    this.#channels.clear();
    this.#nextCid = this.#firstCid;
    this.#lock = undefined;
    this.#faults.clear();
  }

  /** The device stops reading and answering (firmware hang) until {@link resume}. */
  stall(): void {
    this.#stalled = true;
  }

  /** Ends a stall. */
  resume(): void {
    this.#stalled = false;
  }

  /** True while a CBOR or MSG request is being processed. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** @internal Called by connections when they close. */
  _detach(connection: SimulatedHidConnection): void {
    this.#connections.delete(connection);
  }

  /** @internal A report written by a host. */
  _write(report: Uint8Array): void {
    this.#fromHost(report);
  }

  #fromHost(report: Uint8Array): void {
    if (this.#unplugged || this.#stalled) return;
    this.#faults.pass('to-device', report, (r) => {
      if (this.#unplugged || this.#stalled) return;
      this.stats.reportsToDevice++;
      this.#receive(r);
    });
  }

  #send(cid: number, cmd: number, payload: Uint8Array): void {
    for (const report of encodeMessage(cid, cmd, payload)) {
      if (this.#unplugged || this.#stalled) return;
      this.#faults.pass('to-host', report, (r) => {
        if (this.#unplugged || this.#stalled) return;
        this.stats.reportsToHost++;
        for (const c of this.#connections) c._deliver(r);
        for (const sink of this.#sinks) sink(r);
      });
    }
  }

  #error(cid: number, code: number): void {
    this.#send(cid, CTAPHID_COMMANDS.ERROR, Uint8Array.of(code));
  }

  // ——— the CTAPHID state machine ———

  #receive(report: Uint8Array): void {
    const packet = decodePacket(report);
    if (packet === undefined) return; // not a 64-byte report: nothing to answer to
    const { cid } = packet;
    if (packet.type === 'cont') {
      if (!this.#assembler.busy || cid !== this.#assembler.cid) return; // stray continuation: ignored
      this.#assemble(report);
      return;
    }
    const { cmd } = packet;
    if (cid === 0 || (cid === BROADCAST_CID && cmd !== CTAPHID_COMMANDS.INIT)) {
      this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_CHANNEL);
      return;
    }
    if (cid !== BROADCAST_CID && !this.#channels.has(cid)) {
      this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_CHANNEL);
      return;
    }
    if (this.#lock !== undefined && Date.now() >= this.#lock.until) this.#lock = undefined;
    if (this.#lock !== undefined && this.#lock.cid !== cid) {
      this.#error(cid, CTAPHID_ERRORS.ERR_CHANNEL_BUSY);
      return;
    }
    if (cmd === CTAPHID_COMMANDS.INIT) {
      this.#init(cid, packet.bcnt, packet.data);
      return;
    }
    if (cmd === CTAPHID_COMMANDS.CANCEL) {
      this.#cancel(cid);
      return;
    }
    const assemblingOther = this.#assembler.busy && this.#assembler.cid !== cid;
    const pendingAny = this.#pending !== undefined;
    if (assemblingOther || pendingAny) {
      this.#error(cid, CTAPHID_ERRORS.ERR_CHANNEL_BUSY);
      return;
    }
    this.#assemble(report);
  }

  #assemble(report: Uint8Array): void {
    const r = this.#assembler.push(report);
    this.#clearAssemblyTimer();
    if (r.status === 'partial') {
      const cid = r.cid;
      this.#assemblyTimer = unrefTimer(
        setTimeout(() => {
          this.#assemblyTimer = undefined;
          if (this.#assembler.busy && this.#assembler.cid === cid) {
            this.#assembler.reset();
            this.#error(cid, CTAPHID_ERRORS.ERR_MSG_TIMEOUT);
          }
        }, this.#messageTimeoutMs),
      );
      return;
    }
    if (r.status === 'error') {
      if (r.cid !== undefined) this.#error(r.cid, r.errorCode);
      return;
    }
    if (r.status === 'complete') this.#dispatch(r.cid, r.cmd, r.payload);
  }

  #init(cid: number, bcnt: number, data: Uint8Array): void {
    if (bcnt !== INIT_NONCE_SIZE) {
      this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_LEN);
      return;
    }
    let channel = cid;
    if (cid === BROADCAST_CID) {
      channel = this.#allocate();
    } else {
      // INIT on an allocated channel resynchronises it: whatever it had under way is abandoned.
      if (this.#pending?.cid === cid) this.#abortPending();
      if (this.#assembler.busy && this.#assembler.cid === cid) {
        this.#assembler.reset();
        this.#clearAssemblyTimer();
      }
    }
    const response = encodeInitResponse({
      nonce: data.slice(0, INIT_NONCE_SIZE),
      cid: channel,
      protocolVersion: 2,
      deviceVersion: this.#version,
      capabilities: this.#capabilities,
    });
    this.#send(cid, CTAPHID_COMMANDS.INIT, response);
  }

  #allocate(): number {
    let cid = this.#nextCid;
    while (cid === 0 || cid === BROADCAST_CID || this.#channels.has(cid)) cid = (cid + 1) >>> 0;
    this.#nextCid = (cid + 1) >>> 0;
    this.#channels.add(cid);
    return cid;
  }

  #cancel(cid: number): void {
    this.stats.cancels++;
    if (this.#assembler.busy && this.#assembler.cid === cid) {
      this.#assembler.reset();
      this.#clearAssemblyTimer();
    }
    if (this.#pending?.cid !== cid) return;
    // An authenticator that ignores the signal still gets the host its answer after the grace.
    this.#pending.call.cancel(new HidError('ERR_ABORTED', 'aborted', 'CTAPHID_CANCEL'), this.#cancelGraceMs);
  }

  #dispatch(cid: number, cmd: number, payload: Uint8Array): void {
    switch (cmd) {
      case CTAPHID_COMMANDS.PING:
        this.#send(cid, cmd, payload);
        return;
      case CTAPHID_COMMANDS.WINK:
        if (payload.length !== 0 || !(this.#capabilities & CTAPHID_CAPABILITIES.WINK)) {
          this.#error(
            cid,
            payload.length !== 0 ? CTAPHID_ERRORS.ERR_INVALID_LEN : CTAPHID_ERRORS.ERR_INVALID_CMD,
          );
          return;
        }
        this.stats.winks++;
        this.#send(cid, cmd, new Uint8Array(0));
        return;
      case CTAPHID_COMMANDS.LOCK: {
        const seconds = payload[0];
        if (payload.length !== 1 || seconds === undefined) {
          this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_LEN);
          return;
        }
        if (seconds > 10) {
          this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_PAR);
          return;
        }
        this.#lock = seconds === 0 ? undefined : { cid, until: Date.now() + seconds * 1000 };
        this.#send(cid, cmd, new Uint8Array(0));
        return;
      }
      case CTAPHID_COMMANDS.CBOR:
        if (!(this.#capabilities & CTAPHID_CAPABILITIES.CBOR)) break;
        this.#forward(cid, cmd, payload);
        return;
      case CTAPHID_COMMANDS.MSG:
        if (this.#capabilities & CTAPHID_CAPABILITIES.NMSG) break;
        this.#forward(cid, cmd, payload);
        return;
      default:
        break;
    }
    this.#error(cid, CTAPHID_ERRORS.ERR_INVALID_CMD);
  }

  #device(): CtapDevice {
    this.#inner ??= resolveCtapDevice(this.#authenticator);
    return this.#inner;
  }

  #forward(cid: number, cmd: number, payload: Uint8Array): void {
    this.stats.requests++;
    const host: SimulatedCallHost = {
      sendKeepalive: (status) => {
        this.stats.keepalives++;
        this.#send(cid, CTAPHID_COMMANDS.KEEPALIVE, Uint8Array.of(status));
      },
      sendResponse: (response) => this.#send(cid, cmd, response),
      sendOtherError: () => this.#error(cid, CTAPHID_ERRORS.ERR_OTHER),
      release: (call) => {
        if (this.#pending?.call !== call) return false;
        this.#pending = undefined;
        return true;
      },
      isCurrent: (call) => this.#pending?.call === call,
    };
    const call = new SimulatedCall(host, {
      cbor: cmd === CTAPHID_COMMANDS.CBOR,
      keepaliveMs: this.#keepaliveMs,
      maxResponseLength: MAX_PAYLOAD,
    });
    this.#pending = { cid, call };
    call.run(() => this.#device(), payload);
  }

  #abortPending(): void {
    this.#pending?.call.abandon(new HidError('ERR_ABORTED', 'aborted', 'the request was abandoned'));
  }

  #clearAssemblyTimer(): void {
    if (this.#assemblyTimer !== undefined) clearTimeout(this.#assemblyTimer);
    this.#assemblyTimer = undefined;
  }
}
