/**
 * Fault injection for the simulated HID device: reports dropped, duplicated, reordered, or the
 * device unplugged or stalled after a given number of reports in one direction.
 */
import { takeFault } from '@fido2kit/ctap2';

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

/** The device actions a fault can trigger. */
export interface FaultHooks {
  unplug(): void;
  stall(): void;
}

/** The queue of injected faults, applied in order to reports passing in each direction. */
export class FaultPipeline {
  #faults: Required<HidFault>[] = [];
  #held: Record<HidDirection, Uint8Array | undefined> = { 'to-host': undefined, 'to-device': undefined };
  readonly #hooks: FaultHooks;

  constructor(hooks: FaultHooks) {
    this.#hooks = hooks;
  }

  /** Queues a fault; faults apply in the order given. */
  add(fault: HidFault): void {
    this.#faults.push({ direction: fault.direction ?? 'to-host', after: fault.after ?? 0, kind: fault.kind });
  }

  /** Forgets every queued fault (a power cycle). */
  clear(): void {
    this.#faults = [];
  }

  /** Passes `report` travelling in `direction` through the next fault, then on to `deliver`. */
  pass(direction: HidDirection, report: Uint8Array, deliver: (report: Uint8Array) => void): void {
    const fault = takeFault(this.#faults, direction);
    switch (fault) {
      case 'drop':
        return;
      case 'reorder':
        this.#held[direction] = report;
        return;
      case 'unplug':
        this.#hooks.unplug();
        return;
      case 'stall':
        this.#hooks.stall();
        return;
    }
    deliver(report);
    if (fault === 'duplicate') deliver(report);
    const held = this.#held[direction];
    if (held !== undefined) {
      this.#held[direction] = undefined;
      deliver(held);
    }
  }
}
