/**
 * The peripheral side of CTAPBLE (CTAP 2.1 §11.4) around any {@link CtapDevice}: the FIDO GATT
 * service's characteristics, revision selection, reassembly of requests, keepalives while the
 * authenticator waits for the user, CANCEL, and fault injection. Exported from
 * `@fido2kit/transport-ble/testing`.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import {
  type CtapDevice,
  resolveCtapDevice,
  SimulatedCall,
  type SimulatedCallHost,
  takeFault,
  unrefTimer,
} from '@fido2kit/ctap2';
import { positive } from './_options.js';
import type { BleConnection } from './connection.js';
import { BleError } from './errors.js';
import {
  CTAPBLE_COMMANDS,
  CTAPBLE_ERRORS,
  CtapbleReassembler,
  DEFAULT_ATT_MTU,
  decodeFragment,
  encodeControlPointLength,
  encodeFrame,
  MAX_MESSAGE_LENGTH,
  maxFragmentLength,
  SERVICE_REVISION,
} from './framing.js';
import { SimulatedBleConnection, type SimulatedPeripheralPort } from './simulated-connection.js';

/** What the peripheral wraps: a `VirtualAuthenticator` (anything with `device()`) or a `CtapDevice`. */
export type BlePeripheralAuthenticator =
  | {
      /** The authenticator's in-memory device. */
      device(): CtapDevice;
    }
  | CtapDevice;

/** Options of {@link SimulatedBlePeripheral}. */
export interface SimulatedBlePeripheralOptions {
  /** The ATT MTU of the link, 23…517; default 23 (no MTU exchange: 20-byte values). */
  mtu?: number;
  /** fidoControlPointLength, 20…512; default 512. */
  controlPointLength?: number;
  /**
   * fidoServiceRevisionBitfield's bits ({@link SERVICE_REVISION}); default FIDO2 | U2F 1.2.
   * `null`: no such characteristic (a U2F 1.0 authenticator).
   */
  revisions?: number | null;
  /** KEEPALIVE period while a request is pending, in ms; default 100. */
  keepaliveIntervalMs?: number;
  /** How long the peripheral waits for the next fragment of a request, in ms; default 500. */
  messageTimeoutMs?: number;
  /** After a CANCEL, how long to wait for the authenticator to stop before answering KEEPALIVE_CANCEL; default 100. */
  cancelGraceMs?: number;
}

/** Which way a fragment travels: notifications on fidoStatus, or writes to fidoControlPoint. */
export type BleDirection = 'to-host' | 'to-peripheral';

/**
 * A fault to inject. `after` fragments travelling in `direction` (default `'to-host'`) pass
 * untouched first (default 0), then the fault hits the next one.
 * - `drop`: the fragment is lost.
 * - `duplicate`: the fragment arrives twice.
 * - `disconnect`: the link drops instead of carrying the fragment (every pending and later call
 *   fails with `ERR_DEVICE_GONE`).
 * - `keepalive-storm`: before answering the next request, the peripheral sends `count` (default
 *   1000) KEEPALIVE frames back to back (`direction` and `after` do not apply).
 */
export interface BleFault {
  kind: 'drop' | 'duplicate' | 'disconnect' | 'keepalive-storm';
  direction?: BleDirection;
  after?: number;
  count?: number;
}

/** Counters for assertions in tests. */
export interface SimulatedBlePeripheralStats {
  fragmentsToPeripheral: number;
  fragmentsToHost: number;
  keepalives: number;
  cancels: number;
  requests: number;
  pings: number;
  errors: number;
}

/**
 * A Bluetooth FIDO key in software: serves the FIDO GATT service to one central at a time and
 * forwards MSG payloads to the wrapped authenticator (CTAP2 when FIDO2 is selected and the first
 * byte is not CLA 0x00, U2F otherwise).
 *
 * @example
 * ```ts
 * import { SimulatedBlePeripheral } from '@fido2kit/transport-ble/testing';
 * const key = new SimulatedBlePeripheral(new VirtualAuthenticator(), { mtu: 23 });
 * const device = await BleTransport.open(key.connection());
 * ```
 */
export class SimulatedBlePeripheral implements SimulatedPeripheralPort {
  readonly #authenticator: BlePeripheralAuthenticator;
  #inner: CtapDevice | undefined;
  readonly #host: SimulatedCallHost = {
    sendKeepalive: (status) => {
      this.stats.keepalives++;
      this.#send(CTAPBLE_COMMANDS.KEEPALIVE, Uint8Array.of(status));
    },
    sendResponse: (response) => this.#send(CTAPBLE_COMMANDS.MSG, response),
    sendOtherError: () => this.#error(CTAPBLE_ERRORS.ERR_OTHER),
    release: (call) => {
      if (this.#pending !== call) return false;
      this.#pending = undefined;
      return true;
    },
    isCurrent: (call) => this.#pending === call,
  };
  readonly #mtu: number;
  readonly #controlPointLength: number;
  readonly #maxLen: number;
  readonly #revisions: number | null;
  readonly #keepaliveMs: number;
  readonly #messageTimeoutMs: number;
  readonly #cancelGraceMs: number;
  #selected = 0;
  #assembler: CtapbleReassembler;
  #assemblyTimer: ReturnType<typeof setTimeout> | undefined;
  #pending: SimulatedCall | undefined;
  #link: SimulatedBleConnection | undefined;
  #faults: Required<Omit<BleFault, 'count'>>[] = [];
  #storms: number[] = [];
  /** Counters, for tests. */
  readonly stats: SimulatedBlePeripheralStats = {
    fragmentsToPeripheral: 0,
    fragmentsToHost: 0,
    keepalives: 0,
    cancels: 0,
    requests: 0,
    pings: 0,
    errors: 0,
  };

  /**
   * @param authenticator - a `VirtualAuthenticator` or any `CtapDevice`.
   * @param options - link and service parameters.
   * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` on a wrong argument.
   */
  constructor(authenticator: BlePeripheralAuthenticator, options: SimulatedBlePeripheralOptions = {}) {
    if (authenticator === null || typeof authenticator !== 'object') {
      throw new InvalidArgumentError('"authenticator" expected a CtapDevice or an object with device()');
    }
    this.#authenticator = authenticator;
    this.#mtu = options.mtu ?? DEFAULT_ATT_MTU;
    this.#controlPointLength = options.controlPointLength ?? 512;
    this.#maxLen = maxFragmentLength(this.#controlPointLength, this.#mtu);
    const revisions =
      options.revisions === undefined ? SERVICE_REVISION.FIDO2 | SERVICE_REVISION.U2F_1_2 : options.revisions;
    if (revisions !== null && (!Number.isInteger(revisions) || revisions <= 0 || revisions > 0xff)) {
      throw new InvalidArgumentError(
        `"revisions" expected a bit mask in 1..255 or null, got ${String(revisions)}`,
      );
    }
    this.#revisions = revisions;
    this.#keepaliveMs = positive(options.keepaliveIntervalMs, 100, 'keepaliveIntervalMs');
    this.#messageTimeoutMs = positive(options.messageTimeoutMs, 500, 'messageTimeoutMs');
    this.#cancelGraceMs = positive(options.cancelGraceMs, 100, 'cancelGraceMs');
    this.#assembler = new CtapbleReassembler({ maxFragmentLength: this.#controlPointLength });
  }

  /** The fragment size of the link: `min(controlPointLength, mtu − 3)`. */
  get maxFragmentLength(): number {
    return this.#maxLen;
  }

  /** The revision bit the central selected (0 before it wrote one). */
  get selectedRevision(): number {
    return this.#selected;
  }

  /** True while a MSG request is being processed. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Connects a central: a new GATT connection. A previous connection is dropped, as a key
   * serving one central at a time drops the old link.
   * @returns the central's side of the link.
   */
  connection(): BleConnection {
    this.#link?._gone('another central connected');
    this.#resetLink();
    const link = new SimulatedBleConnection(this);
    this.#link = link;
    return link;
  }

  /** Drops the link now (out of range, switched off): pending and later calls fail with `ERR_DEVICE_GONE`. */
  disconnect(): void {
    const link = this.#link;
    this.#link = undefined;
    this.#resetLink();
    link?._gone('the peripheral disconnected');
  }

  /**
   * Queues a fault; faults apply in the order given.
   * @param fault - what goes wrong, and when.
   */
  inject(fault: BleFault): void {
    if (fault.kind === 'keepalive-storm') {
      this.#storms.push(fault.count ?? 1000);
      return;
    }
    this.#faults.push({ kind: fault.kind, direction: fault.direction ?? 'to-host', after: fault.after ?? 0 });
  }

  // ——— the connection's calls ———

  /** @internal */
  _readControlPointLength(): Uint8Array {
    return encodeControlPointLength(this.#controlPointLength);
  }

  /** @internal */
  _readRevisions(): Uint8Array | undefined {
    return this.#revisions === null ? undefined : Uint8Array.of(this.#revisions);
  }

  /** @internal */
  _writeRevision(value: Uint8Array): void {
    const bit = value[0] ?? 0;
    const single = value.length === 1 && bit !== 0 && (bit & (bit - 1)) === 0;
    if (this.#revisions === null || !single || (bit & this.#revisions) === 0) {
      throw new BleError(
        'ERR_TRANSPORT',
        'gatt-failed',
        'fidoServiceRevisionBitfield: write request rejected (ATT 0xFC)',
        {
          details: { value: Array.from(value) },
        },
      );
    }
    this.#selected = bit;
  }

  /** @internal */
  _attMtu(): number {
    return this.#mtu;
  }

  /** @internal A fragment written by the central. */
  _write(fragment: Uint8Array): void {
    this.#through('to-peripheral', fragment, (f) => {
      this.stats.fragmentsToPeripheral++;
      this.#receive(f);
    });
  }

  /** @internal The central closed its connection. */
  _closed(link: SimulatedBleConnection): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    this.#resetLink();
  }

  // ——— fault pipeline ———

  #through(direction: BleDirection, fragment: Uint8Array, deliver: (f: Uint8Array) => void): void {
    const fault = takeFault(this.#faults, direction);
    if (fault === 'drop') return;
    if (fault === 'disconnect') {
      this.disconnect();
      return;
    }
    deliver(fragment);
    if (fault === 'duplicate') deliver(fragment);
  }

  #send(cmd: number, data: Uint8Array): void {
    for (const fragment of encodeFrame(cmd, data, this.#maxLen)) {
      const link = this.#link;
      if (link === undefined) return;
      this.#through('to-host', fragment, (f) => {
        this.stats.fragmentsToHost++;
        this.#link?._notify(f);
      });
    }
  }

  #error(code: number): void {
    this.stats.errors++;
    this.#send(CTAPBLE_COMMANDS.ERROR, Uint8Array.of(code));
  }

  // ——— the CTAPBLE state machine ———

  #receive(fragment: Uint8Array): void {
    const f = decodeFragment(fragment);
    if (f?.type === 'init' && f.cmd === CTAPBLE_COMMANDS.CANCEL) {
      this.#cancel();
      return;
    }
    if (f?.type === 'init' && this.#pending !== undefined) {
      this.#error(CTAPBLE_ERRORS.ERR_BUSY);
      return;
    }
    const r = this.#assembler.push(fragment);
    this.#clearAssemblyTimer();
    if (r.status === 'skipped') return;
    if (r.status === 'partial') {
      this.#assemblyTimer = unrefTimer(
        setTimeout(() => {
          this.#assemblyTimer = undefined;
          if (this.#assembler.end() !== undefined) this.#error(CTAPBLE_ERRORS.ERR_REQ_TIMEOUT);
        }, this.#messageTimeoutMs),
      );
      return;
    }
    if (r.status === 'error') {
      this.#error(r.errorCode);
      return;
    }
    this.#dispatch(r.cmd, r.data);
  }

  #dispatch(cmd: number, data: Uint8Array): void {
    if (cmd === CTAPBLE_COMMANDS.PING) {
      this.stats.pings++;
      this.#send(CTAPBLE_COMMANDS.PING, data);
      return;
    }
    if (cmd !== CTAPBLE_COMMANDS.MSG) {
      this.#error(CTAPBLE_ERRORS.ERR_INVALID_CMD);
      return;
    }
    if (data.length === 0) {
      this.#error(CTAPBLE_ERRORS.ERR_INVALID_LEN);
      return;
    }
    // CTAP2 requests start with a command byte ≥ 0x01; U2F APDUs with CLA 0x00.
    this.#forward(this.#selected === SERVICE_REVISION.FIDO2 && data[0] !== 0x00, data);
  }

  #device(): CtapDevice {
    this.#inner ??= resolveCtapDevice(this.#authenticator);
    return this.#inner;
  }

  #forward(cbor: boolean, data: Uint8Array): void {
    this.stats.requests++;
    const call = new SimulatedCall(this.#host, {
      cbor,
      keepaliveMs: this.#keepaliveMs,
      maxResponseLength: MAX_MESSAGE_LENGTH,
    });
    this.#pending = call;
    const storm = this.#storms.shift();
    if (storm !== undefined) for (let i = 0; i < storm && this.#pending === call; i++) call.keepalive();
    call.run(() => this.#device(), data);
  }

  #cancel(): void {
    this.stats.cancels++;
    if (this.#assembler.busy) {
      this.#assembler.reset();
      this.#clearAssemblyTimer();
    }
    // An authenticator that ignores the signal still gets the central its answer after the grace.
    this.#pending?.cancel(new BleError('ERR_ABORTED', 'aborted', 'CTAPBLE CANCEL'), this.#cancelGraceMs);
  }

  /** A new or lost link: nothing carries over but the authenticator itself. */
  #resetLink(): void {
    this.#pending?.abandon(new BleError('ERR_DEVICE_GONE', 'disconnected', 'the central went away'));
    this.#assembler.reset();
    this.#clearAssemblyTimer();
    this.#selected = 0;
  }

  #clearAssemblyTimer(): void {
    if (this.#assemblyTimer !== undefined) clearTimeout(this.#assemblyTimer);
    this.#assemblyTimer = undefined;
  }
}
