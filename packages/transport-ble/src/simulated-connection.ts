/**
 * The central's side of a link to `SimulatedBlePeripheral`: a {@link BleConnection} whose
 * notifications arrive after the current task, as a radio's would.
 */
import type { BleConnection } from './connection.js';
import { BleError } from './errors.js';

/** What the connection asks of the peripheral it belongs to. */
export interface SimulatedPeripheralPort {
  _attMtu(): number;
  _readControlPointLength(): Uint8Array;
  _readRevisions(): Uint8Array | undefined;
  _writeRevision(value: Uint8Array): void;
  _write(fragment: Uint8Array): void;
  _closed(link: SimulatedBleConnection): void;
}

/** The central's handle on a simulated peripheral (one GATT connection). */
export class SimulatedBleConnection implements BleConnection {
  readonly #peripheral: SimulatedPeripheralPort;
  readonly #disconnectListeners: ((cause?: unknown) => void)[] = [];
  #status: ((fragment: Uint8Array) => void) | undefined;
  #closed = false;
  #gone: BleError | undefined;

  constructor(peripheral: SimulatedPeripheralPort) {
    this.#peripheral = peripheral;
  }

  get mtu(): number {
    return this.#peripheral._attMtu();
  }

  async readControlPointLength(): Promise<Uint8Array> {
    this.#check();
    return this.#peripheral._readControlPointLength();
  }

  async readServiceRevisionBitfield(): Promise<Uint8Array | undefined> {
    this.#check();
    return this.#peripheral._readRevisions();
  }

  async writeServiceRevisionBitfield(value: Uint8Array): Promise<void> {
    this.#check();
    this.#peripheral._writeRevision(value);
  }

  async writeControlPoint(fragment: Uint8Array): Promise<void> {
    this.#check();
    if (!(fragment instanceof Uint8Array) || fragment.length > this.mtu - 3) {
      throw new BleError(
        'ERR_TRANSPORT',
        'gatt-failed',
        `a write to fidoControlPoint must fit the ATT MTU − 3 (${this.mtu - 3} bytes)`,
      );
    }
    this.#peripheral._write(fragment.slice());
  }

  async subscribeStatus(listener: (fragment: Uint8Array) => void): Promise<void> {
    this.#check();
    this.#status = listener;
  }

  onDisconnect(listener: (cause?: unknown) => void): void {
    this.#disconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#status = undefined;
    this.#peripheral._closed(this);
  }

  /** @internal A notification on fidoStatus, delivered after the current task as a radio would. */
  _notify(fragment: Uint8Array): void {
    const listener = this.#status;
    if (listener === undefined || this.#closed || this.#gone !== undefined) return;
    const copy = fragment.slice();
    queueMicrotask(() => {
      if (!this.#closed && this.#gone === undefined) listener(copy);
    });
  }

  /** @internal */
  _gone(why: string): void {
    if (this.#gone !== undefined || this.#closed) return;
    this.#gone = new BleError('ERR_DEVICE_GONE', 'disconnected', `the Bluetooth link is gone: ${why}`);
    for (const listener of this.#disconnectListeners) queueMicrotask(() => listener(this.#gone));
  }

  #check(): void {
    if (this.#closed) throw new BleError('ERR_DEVICE_GONE', 'closed', 'the connection is closed');
    if (this.#gone !== undefined) throw this.#gone;
  }
}
