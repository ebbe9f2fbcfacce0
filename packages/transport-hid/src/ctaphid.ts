/**
 * The CTAPHID packet codec (CTAP 2.1 §11.2.4): framing a message into 64-byte HID reports and
 * reassembling reports into messages. Pure: no I/O, no timers, no device. Used by both the host
 * side ({@link HidTransport}) and the device side (`SimulatedHidDevice`).
 *
 * An initialization packet is `CID(4) ‖ CMD|0x80 ‖ BCNTH ‖ BCNTL ‖ DATA(57)`; a continuation
 * packet is `CID(4) ‖ SEQ(0–127) ‖ DATA(59)`. A message carries at most 57 + 128 × 59 = 7609 bytes.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import { errorCodeName, invertCodes } from '@fido2kit/ctap2';

/** Size of a CTAPHID report (full-speed USB HID, CTAP 2.1 §11.2.4). */
export const HID_REPORT_SIZE = 64;
/** Payload bytes in an initialization packet. */
export const INIT_DATA_SIZE = HID_REPORT_SIZE - 7;
/** Payload bytes in a continuation packet. */
export const CONT_DATA_SIZE = HID_REPORT_SIZE - 5;
/** The highest continuation sequence number. */
export const MAX_SEQ = 127;
/** The largest message CTAPHID can carry over 64-byte reports: 57 + 128 × 59. */
export const MAX_PAYLOAD = INIT_DATA_SIZE + (MAX_SEQ + 1) * CONT_DATA_SIZE;
/** The broadcast channel, used only for CTAPHID_INIT (CTAP 2.1 §11.2.3). */
export const BROADCAST_CID = 0xffffffff;
/** Length of the CTAPHID_INIT nonce. */
export const INIT_NONCE_SIZE = 8;
/** Minimum length of a CTAPHID_INIT response payload. */
export const INIT_RESPONSE_SIZE = 17;

/** CTAPHID command bytes, without the 0x80 frame-type bit (CTAP 2.1 §11.2.9). */
export const CTAPHID_COMMANDS = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;

/** A CTAPHID command name. */
export type CtaphidCommandName = keyof typeof CTAPHID_COMMANDS;

/** CTAPHID command names by byte (the inverse of {@link CTAPHID_COMMANDS}). */
export const CTAPHID_COMMAND_NAMES: Readonly<Record<number, CtaphidCommandName>> =
  invertCodes(CTAPHID_COMMANDS);

/** Error codes carried by CTAPHID_ERROR (CTAP 2.1 §11.2.9.1.6). */
export const CTAPHID_ERRORS = {
  ERR_INVALID_CMD: 0x01,
  ERR_INVALID_PAR: 0x02,
  ERR_INVALID_LEN: 0x03,
  ERR_INVALID_SEQ: 0x04,
  ERR_MSG_TIMEOUT: 0x05,
  ERR_CHANNEL_BUSY: 0x06,
  ERR_LOCK_REQUIRED: 0x0a,
  ERR_INVALID_CHANNEL: 0x0b,
  ERR_OTHER: 0x7f,
} as const;

/** A CTAPHID error name. */
export type CtaphidErrorName = keyof typeof CTAPHID_ERRORS;

/** CTAPHID error names by code (the inverse of {@link CTAPHID_ERRORS}). */
export const CTAPHID_ERROR_NAMES: Readonly<Record<number, CtaphidErrorName>> = invertCodes(CTAPHID_ERRORS);

/** The name of a CTAPHID error code, e.g. `ERR_CHANNEL_BUSY`, or `ERR_0x42` for unknown codes. */
export function ctaphidErrorName(code: number): string {
  return errorCodeName(CTAPHID_ERROR_NAMES, code);
}

/** Capability flags of the CTAPHID_INIT response (CTAP 2.1 §11.2.9.1.3). */
export const CTAPHID_CAPABILITIES = {
  /** The device implements CTAPHID_WINK. */
  WINK: 0x01,
  /** The device implements CTAPHID_CBOR. */
  CBOR: 0x04,
  /** The device does *not* implement CTAPHID_MSG. */
  NMSG: 0x08,
} as const;

/** CTAPHID_KEEPALIVE status bytes (CTAP 2.1 §11.2.9.2.1). */
export const KEEPALIVE_STATUS = {
  PROCESSING: 0x01,
  UPNEEDED: 0x02,
} as const;

/** A decoded report. `data` views the report's payload area (57 or 59 bytes). */
export type CtaphidPacket =
  | {
      readonly type: 'init';
      readonly cid: number;
      readonly cmd: number;
      readonly bcnt: number;
      readonly data: Uint8Array;
    }
  | { readonly type: 'cont'; readonly cid: number; readonly seq: number; readonly data: Uint8Array };

/** The decoded CTAPHID_INIT response. */
export interface InitResponse {
  nonce: Uint8Array;
  cid: number;
  /** CTAPHID protocol version (2). */
  protocolVersion: number;
  deviceVersion: { major: number; minor: number; build: number };
  /** {@link CTAPHID_CAPABILITIES} flags. */
  capabilities: number;
}

/**
 * Number of reports a message of `payloadLength` bytes takes: `1 + ⌈(n − 57) / 59⌉`.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `payloadLength` is not an integer in 0…7609.
 */
export function reportCount(payloadLength: number): number {
  checkLength(payloadLength);
  return payloadLength <= INIT_DATA_SIZE
    ? 1
    : 1 + Math.ceil((payloadLength - INIT_DATA_SIZE) / CONT_DATA_SIZE);
}

/**
 * Frames one message into reports (CTAP 2.1 §11.2.4). The reports are views of one buffer,
 * zero-padded.
 * @param cid - the channel, a 32-bit unsigned integer.
 * @param cmd - the command byte without the 0x80 bit ({@link CTAPHID_COMMANDS}).
 * @param payload - at most {@link MAX_PAYLOAD} bytes.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` on a wrong argument.
 * @example
 * ```ts
 * const [report] = encodeMessage(0x00220002, CTAPHID_COMMANDS.PING, new Uint8Array([1, 2]));
 * ```
 */
export function encodeMessage(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  checkCid(cid);
  if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0x7f) {
    throw new InvalidArgumentError(`"cmd" expected an integer in 0..127, got ${String(cmd)}`);
  }
  if (!(payload instanceof Uint8Array)) {
    throw new InvalidArgumentError(`"payload" expected Uint8Array, got ${describe(payload)}`);
  }
  const count = reportCount(payload.length);
  const buffer = new Uint8Array(count * HID_REPORT_SIZE);
  const reports: Uint8Array[] = new Array(count);
  writeCid(buffer, 0, cid);
  buffer[4] = 0x80 | cmd;
  buffer[5] = payload.length >>> 8;
  buffer[6] = payload.length & 0xff;
  buffer.set(payload.subarray(0, INIT_DATA_SIZE), 7);
  reports[0] = buffer.subarray(0, HID_REPORT_SIZE);
  let offset = INIT_DATA_SIZE;
  for (let seq = 0; offset < payload.length; seq++) {
    const at = (seq + 1) * HID_REPORT_SIZE;
    writeCid(buffer, at, cid);
    buffer[at + 4] = seq;
    buffer.set(payload.subarray(offset, offset + CONT_DATA_SIZE), at + 5);
    reports[seq + 1] = buffer.subarray(at, at + HID_REPORT_SIZE);
    offset += CONT_DATA_SIZE;
  }
  return reports;
}

/**
 * Decodes one report's header. Returns `undefined` when the report is not 64 bytes long.
 */
export function decodePacket(report: Uint8Array): CtaphidPacket | undefined {
  if (!(report instanceof Uint8Array) || report.length !== HID_REPORT_SIZE) return undefined;
  const cid = readCid(report, 0);
  const b4 = report[4]!;
  if (b4 & 0x80) {
    return {
      type: 'init',
      cid,
      cmd: b4 & 0x7f,
      bcnt: (report[5]! << 8) | report[6]!,
      data: report.subarray(7),
    };
  }
  return { type: 'cont', cid, seq: b4, data: report.subarray(5) };
}

/** Builds the 8-byte-nonce CTAPHID_INIT request payload's reply (device side). */
export function encodeInitResponse(response: InitResponse): Uint8Array {
  if (response.nonce.length !== INIT_NONCE_SIZE) {
    throw new InvalidArgumentError(
      `"nonce" expected Uint8Array of length 8, got length=${response.nonce.length}`,
    );
  }
  checkCid(response.cid);
  const out = new Uint8Array(INIT_RESPONSE_SIZE);
  out.set(response.nonce, 0);
  writeCid(out, 8, response.cid);
  out[12] = response.protocolVersion;
  out[13] = response.deviceVersion.major;
  out[14] = response.deviceVersion.minor;
  out[15] = response.deviceVersion.build;
  out[16] = response.capabilities;
  return out;
}

/** Decodes a CTAPHID_INIT response payload; `undefined` when shorter than 17 bytes. */
export function decodeInitResponse(payload: Uint8Array): InitResponse | undefined {
  if (payload.length < INIT_RESPONSE_SIZE) return undefined;
  return {
    nonce: payload.slice(0, INIT_NONCE_SIZE),
    cid: readCid(payload, 8),
    protocolVersion: payload[12]!,
    deviceVersion: { major: payload[13]!, minor: payload[14]!, build: payload[15]! },
    capabilities: payload[16]!,
  };
}

/** Why a report was skipped or a message rejected by {@link CtaphidReassembler}. */
export type ReassemblyProblem =
  /** A report of another channel (skipped, as libfido2 skips them). */
  | 'other-channel'
  /** A continuation packet with no message under way (skipped). */
  | 'unexpected-continuation'
  /** The report is not 64 bytes long. */
  | 'bad-report-length'
  /** A continuation packet out of order. */
  | 'wrong-sequence'
  /** An initialization packet on the channel while a message is being reassembled. */
  | 'unexpected-init'
  /** BCNT larger than the limit (7609 or the configured maximum). */
  | 'length-too-large';

/** What {@link CtaphidReassembler.push} made of a report. */
export type ReassemblyResult =
  | { readonly status: 'complete'; readonly cid: number; readonly cmd: number; readonly payload: Uint8Array }
  | { readonly status: 'partial'; readonly cid: number }
  | {
      readonly status: 'skipped';
      readonly reason: 'other-channel' | 'unexpected-continuation';
      readonly packet: CtaphidPacket;
    }
  | {
      readonly status: 'error';
      readonly reason: 'bad-report-length' | 'wrong-sequence' | 'unexpected-init' | 'length-too-large';
      /** The channel the error concerns (`undefined` for a report that could not be decoded). */
      readonly cid: number | undefined;
      /** The CTAPHID error a device answers with. */
      readonly errorCode: number;
      /** The offending packet, when it could be decoded. */
      readonly packet: CtaphidPacket | undefined;
    };

/** Options of {@link CtaphidReassembler}. */
export interface ReassemblerOptions {
  /**
   * Accept only this channel; reports of other channels are skipped. Without it (the device
   * side) the reassembler follows the channel of the first initialization packet until the
   * message is complete.
   */
  cid?: number;
  /** Largest accepted BCNT; default and upper bound {@link MAX_PAYLOAD}. */
  maxPayload?: number;
}

/**
 * Reassembles reports into messages, one message at a time (CTAP 2.1 §11.2.4). Frames of other
 * channels are skipped; a wrong sequence number, an initialization packet in the middle of a
 * message or an over-long BCNT are errors, after which the reassembler is idle again.
 *
 * @example
 * ```ts
 * const r = new CtaphidReassembler({ cid });
 * for (const report of reports) {
 *   const out = r.push(report);
 *   if (out.status === 'complete') return out.payload;
 * }
 * ```
 */
export class CtaphidReassembler {
  #cid: number | undefined;
  readonly #fixed: boolean;
  readonly #maxPayload: number;
  #cmd = 0;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #seq = 0;

  constructor(options: ReassemblerOptions = {}) {
    if (options.cid !== undefined) checkCid(options.cid);
    this.#cid = options.cid;
    this.#fixed = options.cid !== undefined;
    const max = options.maxPayload ?? MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 0 || max > MAX_PAYLOAD) {
      throw new InvalidArgumentError(
        `"maxPayload" expected an integer in 0..${MAX_PAYLOAD}, got ${String(max)}`,
      );
    }
    this.#maxPayload = max;
  }

  /** True while a message is partly received. */
  get busy(): boolean {
    return this.#buffer !== undefined;
  }

  /** The channel of the message under way (or the fixed channel). */
  get cid(): number | undefined {
    return this.#cid;
  }

  /** The command of the message under way. */
  get cmd(): number | undefined {
    return this.#buffer === undefined ? undefined : this.#cmd;
  }

  /** Drops any partly received message. */
  reset(): void {
    this.#buffer = undefined;
    this.#filled = 0;
    this.#seq = 0;
    if (!this.#fixed) this.#cid = undefined;
  }

  /** Feeds one 64-byte report. */
  push(report: Uint8Array): ReassemblyResult {
    const packet = decodePacket(report);
    if (packet === undefined) {
      return this.#fail('bad-report-length', CTAPHID_ERRORS.ERR_INVALID_LEN, undefined, this.#cid);
    }
    if (this.#cid !== undefined && packet.cid !== this.#cid) {
      return { status: 'skipped', reason: 'other-channel', packet };
    }
    if (packet.type === 'init') {
      if (this.#buffer !== undefined) {
        return this.#fail('unexpected-init', CTAPHID_ERRORS.ERR_INVALID_SEQ, packet, packet.cid);
      }
      if (packet.bcnt > this.#maxPayload) {
        return this.#fail('length-too-large', CTAPHID_ERRORS.ERR_INVALID_LEN, packet, packet.cid);
      }
      if (packet.bcnt <= INIT_DATA_SIZE) {
        return {
          status: 'complete',
          cid: packet.cid,
          cmd: packet.cmd,
          payload: packet.data.slice(0, packet.bcnt),
        };
      }
      this.#cid = packet.cid;
      this.#cmd = packet.cmd;
      this.#buffer = new Uint8Array(packet.bcnt);
      this.#buffer.set(packet.data, 0);
      this.#filled = INIT_DATA_SIZE;
      this.#seq = 0;
      return { status: 'partial', cid: packet.cid };
    }
    const buffer = this.#buffer;
    if (buffer === undefined) {
      return { status: 'skipped', reason: 'unexpected-continuation', packet };
    }
    if (packet.seq !== this.#seq) {
      return this.#fail('wrong-sequence', CTAPHID_ERRORS.ERR_INVALID_SEQ, packet, packet.cid);
    }
    const take = Math.min(CONT_DATA_SIZE, buffer.length - this.#filled);
    buffer.set(take === CONT_DATA_SIZE ? packet.data : packet.data.subarray(0, take), this.#filled);
    this.#filled += take;
    this.#seq++;
    if (this.#filled < buffer.length) return { status: 'partial', cid: packet.cid };
    const cid = packet.cid;
    const cmd = this.#cmd;
    this.reset();
    return { status: 'complete', cid, cmd, payload: buffer };
  }

  #fail(
    reason: 'bad-report-length' | 'wrong-sequence' | 'unexpected-init' | 'length-too-large',
    errorCode: number,
    packet: CtaphidPacket | undefined,
    cid: number | undefined,
  ): ReassemblyResult {
    this.reset();
    return { status: 'error', reason, cid, errorCode, packet };
  }
}

// ——— helpers ———

function readCid(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeCid(bytes: Uint8Array, at: number, cid: number): void {
  bytes[at] = cid >>> 24;
  bytes[at + 1] = (cid >>> 16) & 0xff;
  bytes[at + 2] = (cid >>> 8) & 0xff;
  bytes[at + 3] = cid & 0xff;
}

function checkCid(cid: number): void {
  if (!Number.isInteger(cid) || cid < 0 || cid > 0xffffffff) {
    throw new InvalidArgumentError(`"cid" expected a 32-bit unsigned integer, got ${String(cid)}`);
  }
}

function checkLength(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAYLOAD) {
    throw new InvalidArgumentError(
      `"payload" expected at most ${MAX_PAYLOAD} bytes, got length=${String(n)}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** Reads a channel id from 4 big-endian bytes (exported for the transports). */
export { readCid as readChannelId, writeCid as writeChannelId };
