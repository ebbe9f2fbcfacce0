/**
 * Reports received and not yet read, with at most one reader waiting (with a timeout): what a
 * {@link HidConnection} built on a push source (a simulated device, a UDP socket) needs. @internal
 */
import { HidError } from './errors.js';

export class ReportQueue {
  readonly #max: number;
  #reports: Uint8Array[] = [];
  #waiter: { resolve: (r: Uint8Array | undefined) => void; reject: (e: Error) => void } | undefined;

  /** `max`: the oldest reports are dropped beyond this many (a device that floods us). */
  constructor(max = Number.POSITIVE_INFINITY) {
    this.#max = max;
  }

  /** Hands a report to the waiting reader, or queues it. */
  push(report: Uint8Array): void {
    if (this.#waiter !== undefined) {
      this.#waiter.resolve(report);
      return;
    }
    this.#reports.push(report);
    if (this.#reports.length > this.#max) this.#reports.shift();
  }

  /** The next report; `undefined` when none came within `timeoutMs` (or at once, for 0). */
  read(timeoutMs: number): Promise<Uint8Array | undefined> {
    if (this.#waiter !== undefined) {
      return Promise.reject(
        new HidError('ERR_TRANSPORT', 'read-outstanding', 'a read is already outstanding'),
      );
    }
    const next = this.#reports.shift();
    if (next !== undefined || !(timeoutMs > 0)) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.#waiter = undefined;
      };
      const timer = setTimeout(() => {
        settle();
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = {
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
    });
  }

  /** Drops what is queued and fails the waiting reader with `error`. */
  fail(error: Error): void {
    this.#reports = [];
    this.#waiter?.reject(error);
  }
}
