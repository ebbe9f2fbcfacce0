import { hexToBytes } from '@fido2kit/cose';
import type { CallOptions, CtapDevice } from '../../src/index.js';

/** A CtapDevice that answers from a script and records the requests it got. */
export class ScriptedDevice implements CtapDevice {
  readonly transport = 'usb' as const;
  readonly requests: Uint8Array[] = [];
  readonly #answers: (
    | Uint8Array
    | ((req: Uint8Array, options?: CallOptions) => Uint8Array | Promise<Uint8Array>)
  )[];
  constructor(
    ...answers: (
      | string
      | Uint8Array
      | ((req: Uint8Array, options?: CallOptions) => Uint8Array | Promise<Uint8Array>)
    )[]
  ) {
    this.#answers = answers.map((a) => (typeof a === 'string' ? hexToBytes(a) : a));
  }
  push(...answers: (string | Uint8Array)[]): void {
    for (const a of answers) this.#answers.push(typeof a === 'string' ? hexToBytes(a) : a);
  }
  async cbor(request: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    this.requests.push(request.slice());
    const next = this.#answers.shift();
    if (next === undefined) throw new Error('script exhausted');
    return typeof next === 'function' ? next(request, options) : next;
  }
  async msg(): Promise<Uint8Array> {
    return new Uint8Array([0x6d, 0x00]);
  }
  async close(): Promise<void> {}
}
