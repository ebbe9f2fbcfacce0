/** A host's connection to the simulated HID device: a report queue in, writes out. */

import { checkReport } from './_assert.js';
import type { HidConnection } from './connection.js';
import { deviceGoneError } from './errors.js';
import { ReportQueue } from './report-queue.js';

/** The device side a connection talks to. */
export interface SimulatedHidPort {
  /** A report written by the host. */
  _write(report: Uint8Array): void;
  /** The connection closed. */
  _detach(connection: SimulatedHidConnection): void;
}

/** A host's handle on a {@link SimulatedHidDevice}. */
export class SimulatedHidConnection implements HidConnection {
  readonly #device: SimulatedHidPort;
  readonly #queue = new ReportQueue();
  #closed = false;
  #gone: boolean;

  constructor(device: SimulatedHidPort, gone: boolean) {
    this.#device = device;
    this.#gone = gone;
  }

  async write(report: Uint8Array): Promise<void> {
    this.#check();
    checkReport(report);
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
    this.#queue.fail(deviceGoneError('closed', 'the connection is closed'));
  }

  /** @internal */
  _deliver(report: Uint8Array): void {
    if (this.#closed || this.#gone) return;
    this.#queue.push(report.slice());
  }

  /** @internal */
  _gone(): void {
    this.#gone = true;
    this.#queue.fail(deviceGoneError('device-gone', 'the device was unplugged'));
  }

  #check(): void {
    if (this.#closed) throw deviceGoneError('closed', 'the connection is closed');
    if (this.#gone) throw deviceGoneError('device-gone', 'the device was unplugged');
  }
}
