/** ApduLinks for tests: straight into a FidoApplet, or a scripted card. */
import { FidoApplet, type FidoAppletOptions } from '../src/card.js';
import type { ApduLink, TransmitOptions } from '../src/transport.js';

/** A link to an applet in memory, recording what crossed it; `refuseExtended` plays a short-only reader. */
export class MemoryLink implements ApduLink {
  readonly applet: FidoApplet;
  readonly sent: Uint8Array[] = [];
  session = 1;
  closed = false;

  constructor(options: FidoAppletOptions) {
    this.applet = new FidoApplet(options);
  }

  async connect(_options?: TransmitOptions): Promise<number> {
    return this.session;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.sent.push(apdu.slice());
    return this.applet.process(apdu);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A link that answers from a script: each entry maps the expected APDU (hex) to the answer (hex). */
export class ScriptedLink implements ApduLink {
  readonly sent: string[] = [];
  readonly #script: [string, string][];
  constructor(script: [string, string][]) {
    this.#script = script;
  }

  async connect(): Promise<number> {
    return 1;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const hex = Buffer.from(apdu).toString('hex');
    this.sent.push(hex);
    const next = this.#script.shift();
    if (next === undefined) throw new Error(`unexpected APDU ${hex}`);
    if (next[0] !== hex) throw new Error(`expected ${next[0]}, got ${hex}`);
    return Uint8Array.from(Buffer.from(next[1], 'hex'));
  }

  async close(): Promise<void> {}
}
