/**
 * The device side of CTAPHID (CTAP 2.1 §11.2) around any {@link CtapDevice}: channels, busy,
 * lock, message timeouts, keepalives while the authenticator waits for the user, cancel, and
 * fault injection. Exported from `@fido2kit/transport-hid/testing`.
 */
import { Ctap2ClientError, type CtapDevice, type KeepaliveStatus } from '@fido2kit/ctap2';
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
  HID_REPORT_SIZE,
  INIT_NONCE_SIZE,
  KEEPALIVE_STATUS,
  MAX_PAYLOAD,
} from './ctaphid.js';
import { ReportQueue } from './report-queue.js';

/** What the simulated device wraps: a `VirtualAuthenticator` (anything with `device()`) or a `CtapDevice`. */
export type SimulatedAuthenticator =
  | {
      /** The authenticator's in-memory `CtapDevice`. */
      device(): CtapDevice;
    }
  | CtapDevice;

/** Options of {@link SimulatedHidDevice}. */
export interface SimulatedHidDeviceOptions {
  /** {@link CTAPHID_CAPABILITIES} flags; default WINK | CBOR (MSG supported). */
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

/** Which way a report travels. */
export type HidDirection = 'to-host' | 'to-device';

/**
 * A fault to inject. `after` reports travelling in `direction` pass untouched first (default 0),
 * then the fault hits the next one.
 * - `drop`: the report is lost.
 * - `duplicate`: the report arrives twice.
 * - `reorder`: the report arrives after the one that follows it.
 * - `unplug`: the device disappears (every connection's reads and writes fail with `ERR_DEVICE_GONE`).
 * - `stall`: the device stops reading and answering until {@link SimulatedHidDevice.resume}.
 */
export interface HidFault {
  kind: 'drop' | 'duplicate' | 'reorder' | 'unplug' | 'stall';
  direction?: HidDirection;
  after?: number;
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

interface Pending {
  cid: number;
  cmd: number;
  controller: AbortController;
  status: number;
  interval: ReturnType<typeof setInterval>;
  grace: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
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
  #faults: Required<HidFault>[] = [];
  #held: Record<HidDirection, Uint8Array | undefined> = { 'to-host': undefined, 'to-device': undefined };
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
      throw new TypeError('"authenticator" expected a CtapDevice or an object with device()');
    }
    this.#authenticator = authenticator;
    this.#capabilities = options.capabilities ?? CTAPHID_CAPABILITIES.WINK | CTAPHID_CAPABILITIES.CBOR;
    this.#version = options.deviceVersion ?? { major: 1, minor: 0, build: 0 };
    this.#keepaliveMs = options.keepaliveIntervalMs ?? 100;
    this.#messageTimeoutMs = options.messageTimeoutMs ?? 500;
    this.#cancelGraceMs = options.cancelGraceMs ?? 100;
    this.#firstCid = options.firstChannelId ?? 1;
    if (this.#firstCid === 0 || this.#firstCid >= BROADCAST_CID) {
      throw new RangeError('"firstChannelId" expected an integer in 1..0xfffffffe');
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
    this.#faults.push({ direction: fault.direction ?? 'to-host', after: fault.after ?? 0, kind: fault.kind });
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
    this.#faults = [];
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

  // ——— fault pipeline ———

  #through(direction: HidDirection, report: Uint8Array, deliver: Sink): void {
    const fault = this.#faults.find((f) => f.direction === direction);
    let copies = 1;
    if (fault !== undefined) {
      if (fault.after > 0) {
        fault.after--;
      } else {
        this.#faults.splice(this.#faults.indexOf(fault), 1);
        switch (fault.kind) {
          case 'drop':
            return;
          case 'duplicate':
            copies = 2;
            break;
          case 'reorder':
            this.#held[direction] = report;
            return;
          case 'unplug':
            this.unplug();
            return;
          case 'stall':
            this.stall();
            return;
        }
      }
    }
    for (let i = 0; i < copies; i++) deliver(report);
    const held = this.#held[direction];
    if (held !== undefined) {
      this.#held[direction] = undefined;
      deliver(held);
    }
  }

  #fromHost(report: Uint8Array): void {
    if (this.#unplugged || this.#stalled) return;
    this.#through('to-device', report, (r) => {
      if (this.#unplugged || this.#stalled) return;
      this.stats.reportsToDevice++;
      this.#receive(r);
    });
  }

  #send(cid: number, cmd: number, payload: Uint8Array): void {
    for (const report of encodeMessage(cid, cmd, payload)) {
      if (this.#unplugged || this.#stalled) return;
      this.#through('to-host', report, (r) => {
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
      this.#assemblyTimer = unref(
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
    const pending = this.#pending;
    if (pending === undefined || pending.cid !== cid || pending.controller.signal.aborted) return;
    pending.controller.abort(new Ctap2ClientError('ERR_ABORTED', 'CTAPHID_CANCEL'));
    // An authenticator that ignores the signal still gets the host its answer.
    pending.grace = unref(setTimeout(() => this.#finishCancelled(pending), this.#cancelGraceMs));
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
    if (this.#inner === undefined) {
      const a = this.#authenticator as { device?: unknown; cbor?: unknown };
      this.#inner =
        typeof a.cbor === 'function'
          ? (this.#authenticator as CtapDevice)
          : (this.#authenticator as { device(): CtapDevice }).device();
    }
    return this.#inner;
  }

  #forward(cid: number, cmd: number, payload: Uint8Array): void {
    this.stats.requests++;
    const controller = new AbortController();
    const pending: Pending = {
      cid,
      cmd,
      controller,
      status: KEEPALIVE_STATUS.PROCESSING,
      interval: unref(setInterval(() => this.#keepalive(pending), this.#keepaliveMs)),
      grace: undefined,
      done: false,
    };
    this.#pending = pending;
    const onKeepalive = (status: KeepaliveStatus): void => {
      const byte =
        status === 'user-presence-needed' ? KEEPALIVE_STATUS.UPNEEDED : KEEPALIVE_STATUS.PROCESSING;
      if (byte !== pending.status) {
        pending.status = byte;
        this.#keepalive(pending);
      }
    };
    let call: Promise<Uint8Array>;
    try {
      const device = this.#device();
      const options = { signal: controller.signal, onKeepalive };
      call = cmd === CTAPHID_COMMANDS.CBOR ? device.cbor(payload, options) : device.msg(payload, options);
    } catch (e) {
      call = Promise.reject(e);
    }
    call.then(
      (response) => this.#finish(pending, response),
      (error: unknown) => this.#finishError(pending, error),
    );
  }

  #keepalive(pending: Pending): void {
    if (pending.done || this.#pending !== pending || pending.controller.signal.aborted) return;
    this.stats.keepalives++;
    this.#send(pending.cid, CTAPHID_COMMANDS.KEEPALIVE, Uint8Array.of(pending.status));
  }

  #settle(pending: Pending): boolean {
    if (pending.done) return false;
    pending.done = true;
    clearInterval(pending.interval);
    if (pending.grace !== undefined) clearTimeout(pending.grace);
    if (this.#pending !== pending) return false;
    this.#pending = undefined;
    return true;
  }

  #finish(pending: Pending, response: Uint8Array): void {
    if (pending.controller.signal.aborted) {
      this.#finishCancelled(pending);
      return;
    }
    if (!this.#settle(pending)) return;
    if (!(response instanceof Uint8Array) || response.length > MAX_PAYLOAD) {
      this.#error(pending.cid, CTAPHID_ERRORS.ERR_OTHER);
      return;
    }
    this.#send(pending.cid, pending.cmd, response);
  }

  #finishError(pending: Pending, error: unknown): void {
    if (pending.controller.signal.aborted) {
      this.#finishCancelled(pending);
      return;
    }
    if (!this.#settle(pending)) return;
    const status = (error as { status?: unknown } | null)?.status;
    if (pending.cmd === CTAPHID_COMMANDS.CBOR && typeof status === 'number' && status > 0 && status <= 0xff) {
      this.#send(pending.cid, pending.cmd, Uint8Array.of(status));
      return;
    }
    this.#error(pending.cid, CTAPHID_ERRORS.ERR_OTHER);
  }

  #finishCancelled(pending: Pending): void {
    if (!this.#settle(pending)) return;
    if (pending.cmd === CTAPHID_COMMANDS.CBOR) {
      this.#send(pending.cid, pending.cmd, Uint8Array.of(0x2d)); // CTAP2_ERR_KEEPALIVE_CANCEL
    } else {
      this.#error(pending.cid, CTAPHID_ERRORS.ERR_OTHER);
    }
  }

  #abortPending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#settle(pending);
    pending.controller.abort(new Ctap2ClientError('ERR_ABORTED', 'the request was abandoned'));
  }

  #clearAssemblyTimer(): void {
    if (this.#assemblyTimer !== undefined) clearTimeout(this.#assemblyTimer);
    this.#assemblyTimer = undefined;
  }
}

/** Timers of the simulated device never keep the process alive on their own. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** A host's handle on a {@link SimulatedHidDevice}. */
class SimulatedHidConnection implements HidConnection {
  readonly #device: SimulatedHidDevice;
  readonly #queue = new ReportQueue();
  #closed = false;
  #gone: boolean;

  constructor(device: SimulatedHidDevice, gone: boolean) {
    this.#device = device;
    this.#gone = gone;
  }

  async write(report: Uint8Array): Promise<void> {
    this.#check();
    if (!(report instanceof Uint8Array) || report.length !== HID_REPORT_SIZE) {
      throw new RangeError(`"report" expected Uint8Array of length 64, got length=${String(report?.length)}`);
    }
    this.#device._write(report.slice());
  }

  read(timeoutMs: number): Promise<Uint8Array | undefined> {
    try {
      this.#check();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#queue.read(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#device._detach(this);
    this.#queue.fail(new Ctap2ClientError('ERR_DEVICE_GONE', 'the connection is closed'));
  }

  /** @internal */
  _deliver(report: Uint8Array): void {
    if (this.#closed || this.#gone) return;
    this.#queue.push(report.slice());
  }

  /** @internal */
  _gone(): void {
    this.#gone = true;
    this.#queue.fail(new Ctap2ClientError('ERR_DEVICE_GONE', 'the device was unplugged'));
  }

  #check(): void {
    if (this.#closed) throw new Ctap2ClientError('ERR_DEVICE_GONE', 'the connection is closed');
    if (this.#gone) throw new Ctap2ClientError('ERR_DEVICE_GONE', 'the device was unplugged');
  }
}
