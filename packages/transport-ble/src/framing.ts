/**
 * The CTAPBLE codec (CTAP 2.1 §11.4): the FIDO GATT service, its characteristics, the framing of
 * request and response messages into fragments, and their reassembly. Pure: no I/O, no timers, no
 * Bluetooth. Used by both the host side ({@link BleTransport}) and the peripheral side
 * (`SimulatedBlePeripheral`).
 *
 * A message is `CMD ‖ HLEN ‖ LLEN ‖ DATA` (§11.4, "Framing"). It travels as an initialization fragment
 * `CMD ‖ HLEN ‖ LLEN ‖ DATA(0…maxLen−3)` and continuation fragments `SEQ ‖ DATA(0…maxLen−1)`,
 * SEQ counting 0x00…0x7F and wrapping to 0x00 (§11.4, "Fragmentation"), where maxLen is the smaller of
 * `fidoControlPointLength` and the ATT MTU − 3. A message carries at most 65535 bytes.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import { errorCodeName, invertCodes } from '@fido2kit/ctap2';

/** UUIDs of the FIDO GATT service and its characteristics (CTAP 2.1 §11.4, "GATT Service Description"; lower case, 128-bit form). */
export const FIDO_BLE_UUIDS = {
  /** The FIDO service, 16-bit UUID 0xFFFD. */
  service: '0000fffd-0000-1000-8000-00805f9b34fb',
  /** fidoControlPoint: the client writes request fragments here. */
  controlPoint: 'f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoStatus: the authenticator notifies response fragments here. */
  status: 'f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoControlPointLength: the largest fragment the authenticator accepts (2 bytes, big-endian, 20…512). */
  controlPointLength: 'f1d0fff3-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoServiceRevisionBitfield: the protocol revisions supported; the client writes the one it picks. */
  serviceRevisionBitfield: 'f1d0fff4-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoServiceRevision (Software Revision String 0x2A28), for U2F 1.0 authenticators only. */
  serviceRevision: '00002a28-0000-1000-8000-00805f9b34fb',
} as const;

/** The FIDO service's 16-bit UUID, as advertised. */
export const FIDO_SERVICE_UUID16 = 0xfffd;

/** CTAPBLE command bytes, frame-type bit included (CTAP 2.1 §11.4, "Framing", BLE command constants). */
export const CTAPBLE_COMMANDS = {
  PING: 0x81,
  KEEPALIVE: 0x82,
  MSG: 0x83,
  CANCEL: 0xbe,
  ERROR: 0xbf,
} as const;

/** A CTAPBLE command name. */
export type CtapbleCommandName = keyof typeof CTAPBLE_COMMANDS;

/** CTAPBLE command names by byte (the inverse of {@link CTAPBLE_COMMANDS}). */
export const CTAPBLE_COMMAND_NAMES: Readonly<Record<number, CtapbleCommandName>> =
  invertCodes(CTAPBLE_COMMANDS);

/** Error codes carried by an ERROR frame (CTAP 2.1 §11.4, "Framing", BLE error constants). */
export const CTAPBLE_ERRORS = {
  ERR_INVALID_CMD: 0x01,
  ERR_INVALID_PAR: 0x02,
  ERR_INVALID_LEN: 0x03,
  ERR_INVALID_SEQ: 0x04,
  ERR_REQ_TIMEOUT: 0x05,
  ERR_BUSY: 0x06,
  ERR_OTHER: 0x7f,
} as const;

/** A CTAPBLE error name. */
export type CtapbleErrorName = keyof typeof CTAPBLE_ERRORS;

/** CTAPBLE error names by code (the inverse of {@link CTAPBLE_ERRORS}). */
export const CTAPBLE_ERROR_NAMES: Readonly<Record<number, CtapbleErrorName>> = invertCodes(CTAPBLE_ERRORS);

/**
 * The name of a CTAPBLE error code, e.g. `ERR_BUSY`, or `ERR_0x42` for a code the spec does not name.
 * @param code - the byte of the ERROR frame.
 * @returns the name.
 */
export function ctapbleErrorName(code: number): string {
  return errorCodeName(CTAPBLE_ERROR_NAMES, code);
}

/** KEEPALIVE status bytes (CTAP 2.1 §11.4, "Framing", BLE KEEPALIVE status constants). */
export const KEEPALIVE_STATUS = {
  PROCESSING: 0x01,
  UP_NEEDED: 0x02,
} as const;

/** Bits of fidoServiceRevisionBitfield's first byte (CTAP 2.1 §11.4, "FIDO Service": fidoServiceRevisionBitfield). */
export const SERVICE_REVISION = {
  /** U2F 1.1 (Bluetooth framing of FIDO U2F 1.1). */
  U2F_1_1: 0x80,
  /** U2F 1.2: the CTAP1 fallback. */
  U2F_1_2: 0x40,
  /** FIDO2: CTAP2 messages over MSG. */
  FIDO2: 0x20,
} as const;

/** The ATT MTU every BLE link starts with (Bluetooth Core Vol 3 Part F §3.2.8): 20-byte values. */
export const DEFAULT_ATT_MTU = 23;
/** The largest ATT MTU that matters: a 512-byte attribute value (the ATT maximum) plus the 5-byte header of a prepared write. */
export const MAX_ATT_MTU = 517;
/** Bytes of an ATT notification or write PDU that are not the value: opcode and handle. */
export const ATT_HEADER_SIZE = 3;
/** The smallest allowed fidoControlPointLength (CTAP 2.1 §11.4, "FIDO Service"). */
export const MIN_CONTROL_POINT_LENGTH = 20;
/** The largest allowed fidoControlPointLength (CTAP 2.1 §11.4, "FIDO Service"; an attribute value is at most 512 bytes). */
export const MAX_CONTROL_POINT_LENGTH = 512;
/** Header of an initialization fragment: CMD, HLEN, LLEN. */
export const INIT_HEADER_SIZE = 3;
/** Header of a continuation fragment: SEQ. */
export const CONT_HEADER_SIZE = 1;
/** The highest continuation sequence number; the next one is 0 again. */
export const MAX_SEQ = 0x7f;
/** The longest message HLEN ‖ LLEN can declare. */
export const MAX_MESSAGE_LENGTH = 0xffff;

/**
 * The largest fragment both sides may send: `min(fidoControlPointLength, ATT MTU − 3)` (CTAP 2.1
 * §11.4, "Fragmentation": maxLen).
 * @param controlPointLength - the authenticator's fidoControlPointLength, 20…512.
 * @param attMtu - the negotiated ATT MTU, 23…517 (default 23).
 * @returns maxLen, 20…512.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when a value is out of range.
 */
export function maxFragmentLength(controlPointLength: number, attMtu: number = DEFAULT_ATT_MTU): number {
  checkInt(controlPointLength, 'controlPointLength', MIN_CONTROL_POINT_LENGTH, MAX_CONTROL_POINT_LENGTH);
  checkInt(attMtu, 'attMtu', DEFAULT_ATT_MTU, MAX_ATT_MTU);
  return Math.min(controlPointLength, attMtu - ATT_HEADER_SIZE);
}

/**
 * How many fragments a message of `length` bytes takes at `maxLen`: 1 + ⌈(n − (maxLen − 3)) / (maxLen − 1)⌉.
 * @param length - the message's DATA length, 0…65535.
 * @param maxLen - the fragment size, 20…512.
 * @returns the number of fragments.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when a value is out of range.
 */
export function fragmentCount(length: number, maxLen: number): number {
  checkInt(length, 'length', 0, MAX_MESSAGE_LENGTH);
  checkInt(maxLen, 'maxLen', MIN_CONTROL_POINT_LENGTH, MAX_CONTROL_POINT_LENGTH);
  const first = maxLen - INIT_HEADER_SIZE;
  return length <= first ? 1 : 1 + Math.ceil((length - first) / (maxLen - CONT_HEADER_SIZE));
}

/**
 * Frames one message into fragments of at most `maxLen` bytes (CTAP 2.1 §11.4, "Fragmentation"). The fragments
 * are views of one buffer; the last one is as short as its data (BLE values are not padded).
 * @param cmd - the command byte, 0x80…0xFF ({@link CTAPBLE_COMMANDS}).
 * @param data - at most 65535 bytes.
 * @param maxLen - the fragment size from {@link maxFragmentLength}, 20…512.
 * @returns the initialization fragment followed by the continuation fragments.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` on a wrong argument.
 * @example
 * ```ts
 * encodeFrame(CTAPBLE_COMMANDS.MSG, Uint8Array.of(0x04), 20); // [83 00 01 04]: authenticatorGetInfo
 * ```
 */
export function encodeFrame(cmd: number, data: Uint8Array, maxLen: number): Uint8Array[] {
  checkInt(cmd, 'cmd', 0x80, 0xff);
  if (!(data instanceof Uint8Array)) {
    throw new InvalidArgumentError(`"data" expected Uint8Array, got ${describe(data)}`);
  }
  const count = fragmentCount(data.length, maxLen);
  const buffer = new Uint8Array(data.length + INIT_HEADER_SIZE + (count - 1) * CONT_HEADER_SIZE);
  const fragments: Uint8Array[] = new Array(count);
  buffer[0] = cmd;
  buffer[1] = data.length >>> 8;
  buffer[2] = data.length & 0xff;
  let taken = Math.min(data.length, maxLen - INIT_HEADER_SIZE);
  buffer.set(data.subarray(0, taken), INIT_HEADER_SIZE);
  let at = INIT_HEADER_SIZE + taken;
  fragments[0] = buffer.subarray(0, at);
  for (let i = 1; i < count; i++) {
    const start = at;
    const n = Math.min(data.length - taken, maxLen - CONT_HEADER_SIZE);
    buffer[at++] = (i - 1) & MAX_SEQ;
    buffer.set(data.subarray(taken, taken + n), at);
    at += n;
    taken += n;
    fragments[i] = buffer.subarray(start, at);
  }
  return fragments;
}

/** A decoded fragment. `data` views the fragment's payload. */
export type CtapbleFragment =
  | { readonly type: 'init'; readonly cmd: number; readonly length: number; readonly data: Uint8Array }
  | { readonly type: 'cont'; readonly seq: number; readonly data: Uint8Array };

/**
 * Decodes one fragment's header. Returns `undefined` for an empty value or an initialization
 * fragment shorter than its 3-byte header.
 * @param fragment - one GATT value.
 */
export function decodeFragment(fragment: Uint8Array): CtapbleFragment | undefined {
  if (!(fragment instanceof Uint8Array) || fragment.length === 0) return undefined;
  const b0 = fragment[0]!;
  if (b0 & 0x80) {
    if (fragment.length < INIT_HEADER_SIZE) return undefined;
    return {
      type: 'init',
      cmd: b0,
      length: (fragment[1]! << 8) | fragment[2]!,
      data: fragment.subarray(INIT_HEADER_SIZE),
    };
  }
  return { type: 'cont', seq: b0, data: fragment.subarray(CONT_HEADER_SIZE) };
}

/** Why {@link CtapbleReassembler} skipped a fragment or refused a message. */
export type CtapbleReassemblyProblem =
  /** A continuation fragment with no message under way (skipped: a leftover of an abandoned message). */
  | 'unexpected-continuation'
  /** An empty value, or an initialization fragment shorter than CMD ‖ HLEN ‖ LLEN. */
  | 'truncated-fragment'
  /** A fragment longer than maxLen. */
  | 'fragment-too-long'
  /** A continuation fragment whose SEQ is not the next one (lost, repeated or reordered fragment). */
  | 'wrong-sequence'
  /** An initialization fragment while a message is still incomplete: that message was cut short. */
  | 'unexpected-init'
  /** A declared length (HLEN ‖ LLEN) above the configured maximum. */
  | 'length-too-large'
  /** More data than the declared length. */
  | 'overrun'
  /** The link or the wait ended with a message still incomplete ({@link CtapbleReassembler.end}). */
  | 'truncated-message';

/** What {@link CtapbleReassembler.push} made of a fragment. */
export type CtapbleReassemblyResult =
  | { readonly status: 'complete'; readonly cmd: number; readonly data: Uint8Array }
  | { readonly status: 'partial'; readonly cmd: number; readonly received: number; readonly length: number }
  | { readonly status: 'skipped'; readonly reason: 'unexpected-continuation' }
  | {
      readonly status: 'error';
      readonly reason: Exclude<CtapbleReassemblyProblem, 'unexpected-continuation'>;
      /** The CTAPBLE error an authenticator answers with ({@link CTAPBLE_ERRORS}). */
      readonly errorCode: number;
    };

/** Options of {@link CtapbleReassembler}. */
export interface CtapbleReassemblerOptions {
  /** Fragments longer than this are refused (`fragment-too-long`); default 512. */
  maxFragmentLength?: number;
  /** Largest accepted declared length; default and upper bound 65535. */
  maxMessageLength?: number;
}

/**
 * Reassembles fragments into messages, one at a time (CTAP 2.1 §11.4, "Fragmentation"). Sequence numbers must
 * follow 0, 1, … 0x7F, 0, 1, …; a lost, repeated or reordered fragment, an initialization fragment
 * in the middle of a message, a declared length above the maximum, more data than declared and
 * over-long fragments are errors, after which the reassembler is idle again.
 *
 * @example
 * ```ts
 * const r = new CtapbleReassembler({ maxFragmentLength: maxLen });
 * for (const fragment of fragments) {
 *   const out = r.push(fragment);
 *   if (out.status === 'complete') return out;
 * }
 * ```
 */
export class CtapbleReassembler {
  readonly #maxFragment: number;
  readonly #maxMessage: number;
  #cmd = 0;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #seq = 0;

  /**
   * @param options - fragment and message limits.
   * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when a limit is out of range.
   */
  constructor(options: CtapbleReassemblerOptions = {}) {
    this.#maxFragment = options.maxFragmentLength ?? MAX_CONTROL_POINT_LENGTH;
    checkInt(this.#maxFragment, 'maxFragmentLength', MIN_CONTROL_POINT_LENGTH, MAX_CONTROL_POINT_LENGTH);
    this.#maxMessage = options.maxMessageLength ?? MAX_MESSAGE_LENGTH;
    checkInt(this.#maxMessage, 'maxMessageLength', 0, MAX_MESSAGE_LENGTH);
  }

  /** True while a message is partly received. */
  get busy(): boolean {
    return this.#buffer !== undefined;
  }

  /** Drops any partly received message. */
  reset(): void {
    this.#buffer = undefined;
    this.#filled = 0;
    this.#seq = 0;
  }

  /**
   * Says whether a message was left incomplete, and forgets it: call when the link closes or the
   * wait for the rest times out.
   * @returns a `truncated-message` error when a message was under way, otherwise `undefined`.
   */
  end(): CtapbleReassemblyResult | undefined {
    if (this.#buffer === undefined) return undefined;
    return this.#fail('truncated-message', CTAPBLE_ERRORS.ERR_REQ_TIMEOUT);
  }

  /**
   * Feeds one fragment (one GATT value).
   * @param fragment - the value written to fidoControlPoint or notified on fidoStatus.
   * @returns what the fragment completed, continued, or broke.
   */
  push(fragment: Uint8Array): CtapbleReassemblyResult {
    if (!(fragment instanceof Uint8Array))
      return this.#fail('truncated-fragment', CTAPBLE_ERRORS.ERR_INVALID_LEN);
    if (fragment.length > this.#maxFragment)
      return this.#fail('fragment-too-long', CTAPBLE_ERRORS.ERR_INVALID_LEN);
    const f = decodeFragment(fragment);
    if (f === undefined) return this.#fail('truncated-fragment', CTAPBLE_ERRORS.ERR_INVALID_LEN);
    if (f.type === 'init') {
      if (this.#buffer !== undefined) return this.#fail('unexpected-init', CTAPBLE_ERRORS.ERR_INVALID_SEQ);
      if (f.length > this.#maxMessage) return this.#fail('length-too-large', CTAPBLE_ERRORS.ERR_INVALID_LEN);
      if (f.data.length > f.length) return this.#fail('overrun', CTAPBLE_ERRORS.ERR_INVALID_LEN);
      if (f.data.length === f.length) return { status: 'complete', cmd: f.cmd, data: f.data.slice() };
      this.#cmd = f.cmd;
      this.#buffer = new Uint8Array(f.length);
      this.#buffer.set(f.data, 0);
      this.#filled = f.data.length;
      this.#seq = 0;
      return { status: 'partial', cmd: f.cmd, received: this.#filled, length: f.length };
    }
    const buffer = this.#buffer;
    if (buffer === undefined) return { status: 'skipped', reason: 'unexpected-continuation' };
    if (f.seq !== this.#seq) return this.#fail('wrong-sequence', CTAPBLE_ERRORS.ERR_INVALID_SEQ);
    if (f.data.length > buffer.length - this.#filled)
      return this.#fail('overrun', CTAPBLE_ERRORS.ERR_INVALID_LEN);
    buffer.set(f.data, this.#filled);
    this.#filled += f.data.length;
    this.#seq = (this.#seq + 1) & MAX_SEQ;
    if (this.#filled < buffer.length) {
      return { status: 'partial', cmd: this.#cmd, received: this.#filled, length: buffer.length };
    }
    const cmd = this.#cmd;
    this.reset();
    return { status: 'complete', cmd, data: buffer };
  }

  #fail(
    reason: Exclude<CtapbleReassemblyProblem, 'unexpected-continuation'>,
    errorCode: number,
  ): CtapbleReassemblyResult {
    this.reset();
    return { status: 'error', reason, errorCode };
  }
}

/**
 * Reads fidoControlPointLength's value: 2 bytes, big-endian (CTAP 2.1 §11.4, "FIDO Service").
 * @param value - the characteristic's value.
 * @returns the length, or `undefined` when the value is not 2 bytes or is outside 20…512.
 */
export function decodeControlPointLength(value: Uint8Array): number | undefined {
  if (!(value instanceof Uint8Array) || value.length !== 2) return undefined;
  const n = (value[0]! << 8) | value[1]!;
  return n >= MIN_CONTROL_POINT_LENGTH && n <= MAX_CONTROL_POINT_LENGTH ? n : undefined;
}

/**
 * The 2-byte value of fidoControlPointLength (peripheral side).
 * @param length - 20…512.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when out of range.
 */
export function encodeControlPointLength(length: number): Uint8Array {
  checkInt(length, 'controlPointLength', MIN_CONTROL_POINT_LENGTH, MAX_CONTROL_POINT_LENGTH);
  return Uint8Array.of(length >>> 8, length & 0xff);
}

/** The revisions an authenticator announces in fidoServiceRevisionBitfield. */
export interface ServiceRevisions {
  /** The first byte, as read. */
  bits: number;
  u2f11: boolean;
  u2f12: boolean;
  fido2: boolean;
}

/**
 * Reads fidoServiceRevisionBitfield (CTAP 2.1 §11.4, "FIDO Service"): only the first byte carries bits today;
 * longer values are allowed for future revisions.
 * @param value - the characteristic's value.
 * @returns the announced revisions, or `undefined` for an empty value.
 */
export function decodeServiceRevisions(value: Uint8Array): ServiceRevisions | undefined {
  if (!(value instanceof Uint8Array) || value.length === 0) return undefined;
  const bits = value[0]!;
  return {
    bits,
    u2f11: (bits & SERVICE_REVISION.U2F_1_1) !== 0,
    u2f12: (bits & SERVICE_REVISION.U2F_1_2) !== 0,
    fido2: (bits & SERVICE_REVISION.FIDO2) !== 0,
  };
}

// ——— helpers ———

function checkInt(value: number, name: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`"${name}" expected an integer in ${min}..${max}, got ${String(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}
