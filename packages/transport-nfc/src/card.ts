/**
 * The card side of CTAP over NFC: a FIDO applet that answers APDUs by driving a {@link CtapDevice}
 * (usually a `VirtualAuthenticator`'s in-memory device). Transport-free: `process(apdu)` takes a
 * command APDU and resolves with the response APDU, so the same applet serves vpcd over TCP
 * (`VpcdCard`) and in-memory tests.
 */
import { concatBytes, InvalidArgumentError } from '@fido2kit/cose';
import {
  type CtapDevice,
  type DecodedCommandApdu,
  decodeCommandApdu,
  EXTENDED_MAX_LC,
  encodeCommandApdu,
  encodeResponseApdu,
  type KeepaliveStatus,
} from '@fido2kit/ctap2';
import {
  CLA_CHAINING,
  CLA_NFCCTAP,
  type FidoAppletVersion,
  INS,
  isSelectFido,
  P1_CANCEL,
  P1_GETRESPONSE_SUPPORTED,
  SW,
  SW1_MORE_DATA,
} from './apdu.js';

/** Something that can be used as the applet's authenticator: a device, or what makes one. */
export type AuthenticatorSource =
  | CtapDevice
  | {
      /** The authenticator's in-memory `CtapDevice`. */
      device(): CtapDevice;
    };

/** Options of {@link FidoApplet}. */
export interface FidoAppletOptions {
  /** The authenticator behind the applet: a `CtapDevice`, or an object with `device()` (a `VirtualAuthenticator`). */
  authenticator: AuthenticatorSource;
  /** Refuse extended APDUs with `6700`, as a short-only card or reader does (default false). */
  shortOnly?: boolean;
  /**
   * Answer `9100` (status update) while a CTAP command is still running, when the client allows it
   * (NFCCTAP_MSG with P1 bit 0x80), instead of holding the answer back until it is done (default true).
   */
  keepalive?: boolean;
  /** How long a command may run before the applet answers `9100`, in milliseconds (default 100). */
  keepaliveAfterMs?: number;
  /** The SELECT answer: `'U2F_V2'` (CTAP2 and U2F, the default) or `'FIDO_2_0'` (CTAP2 only). */
  version?: FidoAppletVersion;
}

/** True when `value` looks like a CtapDevice. */
function isCtapDevice(value: unknown): value is CtapDevice {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CtapDevice).cbor === 'function' &&
    typeof (value as CtapDevice).msg === 'function'
  );
}

/** Resolves an {@link AuthenticatorSource} to its CtapDevice. */
export function resolveAuthenticator(source: AuthenticatorSource): CtapDevice {
  if (isCtapDevice(source)) return source;
  if (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as { device?: unknown }).device === 'function'
  ) {
    const device = (source as { device(): CtapDevice }).device();
    if (isCtapDevice(device)) return device;
  }
  throw new InvalidArgumentError(
    '"authenticator" expected a CtapDevice or an object with device(): CtapDevice',
  );
}

interface PendingCommand {
  done: boolean;
  result: Uint8Array | undefined;
  error: unknown;
  promise: Promise<void>;
  controller: AbortController;
  status: KeepaliveStatus;
}

const CTAP2_ERR_KEEPALIVE_CANCEL = 0x2d;
const CTAP1_ERR_OTHER = 0x7f;

/**
 * A FIDO applet (CTAP 2.1 §11.3) around a {@link CtapDevice}: SELECT, NFCCTAP_MSG,
 * NFCCTAP_GETRESPONSE (with `9100` status updates and cancel), U2F APDUs passed to `msg()`,
 * command chaining in, `61xx` + GET RESPONSE out.
 *
 * @example
 * ```ts
 * const applet = new FidoApplet({ authenticator: new VirtualAuthenticator() });
 * const answer = await applet.process(encodeCommandApdu(selectFidoCommand())); // "U2F_V2" 90 00
 * ```
 */
export class FidoApplet {
  readonly #device: CtapDevice;
  readonly #shortOnly: boolean;
  readonly #keepalive: boolean;
  readonly #keepaliveAfterMs: number;
  readonly #version: FidoAppletVersion;
  #selected = false;
  #chain: { cla: number; ins: number; p1: number; p2: number; parts: Uint8Array[]; size: number } | undefined;
  #outgoing: { rest: Uint8Array; sw: number } | undefined;
  #pending: PendingCommand | undefined;

  constructor(options: FidoAppletOptions) {
    this.#device = resolveAuthenticator(options.authenticator);
    this.#shortOnly = options.shortOnly ?? false;
    this.#keepalive = options.keepalive ?? true;
    this.#keepaliveAfterMs = options.keepaliveAfterMs ?? 100;
    this.#version = options.version ?? 'U2F_V2';
  }

  /** The device the applet drives. */
  get device(): CtapDevice {
    return this.#device;
  }

  /** Forgets the session, as a power cycle does: deselects, drops chains, cancels a running command. */
  reset(): void {
    this.#selected = false;
    this.#chain = undefined;
    this.#outgoing = undefined;
    this.#cancelPending();
  }

  /**
   * Answers one command APDU.
   *
   * @returns the response APDU (data ‖ SW1 SW2); never rejects: failures become status words.
   */
  async process(apdu: Uint8Array): Promise<Uint8Array> {
    let command: DecodedCommandApdu;
    try {
      command = decodeCommandApdu(apdu);
    } catch {
      return encodeResponseApdu(new Uint8Array(0), SW.WRONG_LENGTH);
    }
    if (command.extended && this.#shortOnly) return sw(SW.WRONG_LENGTH);

    // GET RESPONSE continues a long answer; any other command drops what was left of it.
    if (command.cla === 0x00 && command.ins === INS.GET_RESPONSE) {
      const outgoing = this.#outgoing;
      if (outgoing === undefined) return sw(SW.CONDITIONS_NOT_SATISFIED);
      this.#outgoing = undefined;
      return this.#respond(outgoing.rest, outgoing.sw, command);
    }
    this.#outgoing = undefined;

    // Command chaining: collect the parts, answer 9000 to each but the last.
    if (command.cla & CLA_CHAINING) {
      const chain = this.#chain;
      if (chain !== undefined && (chain.ins !== command.ins || chain.cla !== command.cla)) {
        this.#chain = undefined;
        return sw(SW.LAST_COMMAND_EXPECTED);
      }
      const next = chain ?? {
        cla: command.cla,
        ins: command.ins,
        p1: command.p1,
        p2: command.p2,
        parts: [],
        size: 0,
      };
      next.parts.push(command.data);
      next.size += command.data.length;
      if (next.size > EXTENDED_MAX_LC) {
        this.#chain = undefined;
        return sw(SW.WRONG_LENGTH);
      }
      this.#chain = next;
      return sw(SW.OK);
    }
    if (this.#chain !== undefined) {
      const chain = this.#chain;
      this.#chain = undefined;
      if ((chain.cla & ~CLA_CHAINING) !== command.cla || chain.ins !== command.ins) {
        return sw(SW.LAST_COMMAND_EXPECTED);
      }
      command = { ...command, data: concatBytes(...chain.parts, command.data) };
      if (command.data.length > EXTENDED_MAX_LC) return sw(SW.WRONG_LENGTH);
    }

    if (command.ins === INS.SELECT) {
      if (!isSelectFido(command)) return sw(SW.FILE_NOT_FOUND);
      this.reset();
      this.#selected = true;
      return this.#respond(new TextEncoder().encode(this.#version), SW.OK, command);
    }
    if (!this.#selected) return sw(SW.CONDITIONS_NOT_SATISFIED);

    if (command.cla === CLA_NFCCTAP && command.ins === INS.NFCCTAP_MSG) {
      if (command.data.length === 0) return sw(SW.WRONG_LENGTH);
      this.#cancelPending();
      const pending = this.#start(command.data);
      const allowUpdates = this.#keepalive && (command.p1 & P1_GETRESPONSE_SUPPORTED) !== 0;
      return this.#answerPending(pending, allowUpdates, command);
    }
    if (command.cla === CLA_NFCCTAP && command.ins === INS.NFCCTAP_GETRESPONSE) {
      const pending = this.#pending;
      if (pending === undefined) return sw(SW.CONDITIONS_NOT_SATISFIED);
      if (command.p1 === P1_CANCEL) pending.controller.abort();
      return this.#answerPending(pending, this.#keepalive, command);
    }
    if (command.cla === 0x00) {
      // CTAP1/U2F (FIDO U2F NFC protocol §2): the raw message goes to msg() in extended form.
      if (this.#version !== 'U2F_V2') return sw(SW.INS_NOT_SUPPORTED);
      let answer: Uint8Array;
      try {
        answer = await this.#device.msg(
          encodeCommandApdu({ ...command, le: command.le ?? 65536 }, 'extended'),
        );
      } catch {
        return sw(SW.NO_PRECISE_DIAGNOSIS);
      }
      if (answer.length < 2) return sw(SW.NO_PRECISE_DIAGNOSIS);
      const n = answer.length;
      return this.#respond(answer.subarray(0, n - 2), (answer[n - 2]! << 8) | answer[n - 1]!, command);
    }
    return sw(command.cla === CLA_NFCCTAP ? SW.INS_NOT_SUPPORTED : SW.CLA_NOT_SUPPORTED);
  }

  #start(request: Uint8Array): PendingCommand {
    const controller = new AbortController();
    const pending: PendingCommand = {
      done: false,
      result: undefined,
      error: undefined,
      controller,
      status: 'processing',
      promise: Promise.resolve(),
    };
    pending.promise = this.#device
      .cbor(request.slice(), {
        signal: controller.signal,
        onKeepalive: (status) => {
          pending.status = status;
        },
      })
      .then(
        (result) => {
          pending.result = result;
        },
        (error: unknown) => {
          pending.error = error;
        },
      )
      .finally(() => {
        pending.done = true;
      });
    this.#pending = pending;
    return pending;
  }

  async #answerPending(
    pending: PendingCommand,
    allowUpdates: boolean,
    command: DecodedCommandApdu,
  ): Promise<Uint8Array> {
    if (allowUpdates && !pending.done) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        pending.promise,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#keepaliveAfterMs);
        }),
      ]);
      clearTimeout(timer);
      if (!pending.done) {
        return encodeResponseApdu(
          Uint8Array.of(pending.status === 'user-presence-needed' ? 0x02 : 0x01),
          SW.STATUS_UPDATE,
        );
      }
    }
    await pending.promise;
    if (this.#pending === pending) this.#pending = undefined;
    if (pending.result !== undefined) return this.#respond(pending.result, SW.OK, command);
    // The device threw: an abort becomes KEEPALIVE_CANCEL, anything else CTAP1_ERR_OTHER.
    const code = (pending.error as { code?: unknown } | undefined)?.code;
    const status =
      pending.controller.signal.aborted || code === 'ERR_ABORTED'
        ? CTAP2_ERR_KEEPALIVE_CANCEL
        : CTAP1_ERR_OTHER;
    return this.#respond(Uint8Array.of(status), SW.OK, command);
  }

  #cancelPending(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined && !pending.done) pending.controller.abort();
  }

  /** Sends `data` within the command's Le; the rest waits for GET RESPONSE behind `61xx`. */
  #respond(data: Uint8Array, status: number, command: DecodedCommandApdu): Uint8Array {
    const max = command.extended ? (command.le ?? 65536) : Math.min(command.le ?? 256, 256);
    if (data.length <= max) return encodeResponseApdu(data, status);
    const rest = data.slice(max);
    this.#outgoing = { rest, sw: status };
    const announce = command.extended ? Math.min(rest.length, 65536) : Math.min(rest.length, 256);
    return encodeResponseApdu(data.subarray(0, max), (SW1_MORE_DATA << 8) | (announce & 0xff));
  }
}

function sw(status: number): Uint8Array {
  return encodeResponseApdu(new Uint8Array(0), status);
}
