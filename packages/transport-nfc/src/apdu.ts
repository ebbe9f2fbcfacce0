/**
 * The ISO/IEC 7816-4 APDU codec and the CTAP-over-NFC framing (CTAP 2.1 §11.3), host side and card
 * side. Pure: no I/O, no timers, no Node modules.
 *
 * - Command APDUs in short form (Lc ≤ 255, Le ≤ 256) and extended form (Lc ≤ 65535, Le ≤ 65536),
 *   decoded by the four cases of ISO/IEC 7816-3 §12.1.
 * - Command chaining (ISO/IEC 7816-4 §5.1.1: CLA bit 0x10 on every part but the last) for readers
 *   and cards that only take short APDUs.
 * - Response APDUs: data ‖ SW1 SW2; `61xx` (more data: send GET RESPONSE with Le = xx) and `6Cxx`
 *   (wrong Le: send the command again with Le = xx).
 * - The FIDO applet: SELECT of AID A0000006472F0001 (answers `FIDO_2_0` or `U2F_V2`),
 *   NFCCTAP_MSG (80 10) and NFCCTAP_GETRESPONSE (80 11), whose `9100` answer is a keepalive.
 */
import { NfcError } from './errors.js';

/** The FIDO applet identifier (CTAP 2.1 §11.3.3). */
export const FIDO_AID: Uint8Array = Uint8Array.of(0xa0, 0x00, 0x00, 0x06, 0x47, 0x2f, 0x00, 0x01);

/** Instruction bytes used by CTAP over NFC. */
export const INS = {
  /** ISO SELECT. */
  SELECT: 0xa4,
  /** ISO GET RESPONSE (after `61xx`). */
  GET_RESPONSE: 0xc0,
  /** NFCCTAP_MSG: a CTAP2 command byte ‖ CBOR (CTAP 2.1 §11.3.5). */
  NFCCTAP_MSG: 0x10,
  /** NFCCTAP_GETRESPONSE: polls a command that answered `9100` (CTAP 2.1 §11.3.7). */
  NFCCTAP_GETRESPONSE: 0x11,
} as const;

/** The class byte of NFCCTAP_MSG and NFCCTAP_GETRESPONSE. */
export const CLA_NFCCTAP = 0x80;
/** ISO 7816-4 command chaining: set in CLA on every part of a chain but the last. */
export const CLA_CHAINING = 0x10;
/** NFCCTAP_MSG P1 bit: "the client understands `9100` and NFCCTAP_GETRESPONSE" (CTAP 2.1 §11.3.7). */
export const P1_GETRESPONSE_SUPPORTED = 0x80;
/** NFCCTAP_GETRESPONSE P1 asking the authenticator to cancel the pending command. */
export const P1_CANCEL = 0x11;

/** Status words (ISO/IEC 7816-4 §5.6 and CTAP 2.1 §11.3). */
export const SW = {
  OK: 0x9000,
  /** CTAP: still processing; the data byte is the keepalive status (1 processing, 2 user presence). */
  STATUS_UPDATE: 0x9100,
  WRONG_LENGTH: 0x6700,
  LAST_COMMAND_EXPECTED: 0x6883,
  CHAINING_NOT_SUPPORTED: 0x6884,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** Status word names by number (the inverse of {@link SW}). */
export const SW_NAMES: Readonly<Record<number, keyof typeof SW>> = Object.freeze(
  Object.fromEntries(Object.entries(SW).map(([k, v]) => [v, k])) as Record<number, keyof typeof SW>,
);

/** SW1 of "more data available: send GET RESPONSE with Le = SW2". */
export const SW1_MORE_DATA = 0x61;
/** SW1 of "wrong Le: send the command again with Le = SW2". */
export const SW1_WRONG_LE = 0x6c;

/** What the FIDO applet answers to SELECT (CTAP 2.1 §11.3.3). */
export type FidoAppletVersion = 'FIDO_2_0' | 'U2F_V2';

/** A command APDU. `le` is the number of response bytes expected (1…65536), absent when none. */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data; empty when there is none (then no Lc is sent). */
  data: Uint8Array;
  /** Expected response length, 1…256 in short form, 1…65536 in extended form; `undefined` = no Le. */
  le?: number | undefined;
}

/** A decoded command APDU: the command and whether it came in extended form. */
export interface DecodedCommandApdu extends CommandApdu {
  extended: boolean;
}

/** A response APDU split into its data and status word. */
export interface ResponseApdu {
  data: Uint8Array;
  /** SW1 SW2 as one number, e.g. 0x9000. */
  sw: number;
}

/** Largest command data of a short APDU. */
export const SHORT_MAX_LC = 255;
/** Largest Le of a short APDU (encoded as 00). */
export const SHORT_MAX_LE = 256;
/** Largest command data of an extended APDU. */
export const EXTENDED_MAX_LC = 65535;
/** Largest Le of an extended APDU (encoded as 0000). */
export const EXTENDED_MAX_LE = 65536;

function malformed(message: string): NfcError {
  return new NfcError('ERR_INVALID_ARGUMENT', 'apdu-malformed', message);
}

function checkByte(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`"${name}" expected an integer 0…255, got ${String(value)}`);
  }
  return value;
}

function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`);
  }
  return value;
}

/** True when `command` fits a short APDU (Lc ≤ 255 and Le ≤ 256). */
export function fitsShortApdu(command: CommandApdu): boolean {
  return command.data.length <= SHORT_MAX_LC && (command.le === undefined || command.le <= SHORT_MAX_LE);
}

/**
 * Encodes a command APDU.
 *
 * @param command - the command; `le` 1…256 (short) or 1…65536 (extended), or absent.
 * @param form - `'short'`, `'extended'`, or `'auto'` (short when it fits, the default).
 * @returns the APDU bytes.
 * @throws RangeError when a field is out of range or the command does not fit a short APDU and
 *   `form` is `'short'`.
 * @example
 * ```ts
 * encodeCommandApdu({ cla: 0x80, ins: 0x10, p1: 0x80, p2: 0, data: Uint8Array.of(4), le: 256 });
 * // → 80 10 80 00 01 04 00
 * ```
 */
export function encodeCommandApdu(
  command: CommandApdu,
  form: 'short' | 'extended' | 'auto' = 'auto',
): Uint8Array {
  const cla = checkByte(command.cla, 'cla');
  const ins = checkByte(command.ins, 'ins');
  const p1 = checkByte(command.p1, 'p1');
  const p2 = checkByte(command.p2, 'p2');
  const data = checkBytes(command.data, 'data');
  const le = command.le;
  if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > EXTENDED_MAX_LE)) {
    throw new RangeError(`"le" expected an integer 1…65536 or undefined, got ${String(le)}`);
  }
  if (data.length > EXTENDED_MAX_LC) {
    throw new RangeError(`"data" expected at most 65535 bytes, got length=${data.length}`);
  }
  const short = form === 'short' || (form === 'auto' && fitsShortApdu(command));
  if (short) {
    if (!fitsShortApdu(command)) {
      throw new RangeError(
        `a short APDU carries at most 255 data bytes and Le 256, got length=${data.length} le=${String(le)}`,
      );
    }
    const out = new Uint8Array(4 + (data.length > 0 ? 1 + data.length : 0) + (le === undefined ? 0 : 1));
    out.set([cla, ins, p1, p2]);
    let i = 4;
    if (data.length > 0) {
      out[i++] = data.length;
      out.set(data, i);
      i += data.length;
    }
    if (le !== undefined) out[i] = le & 0xff;
    return out;
  }
  // Extended form: a 00 marker, then 2-byte Lc (when there is data) and 2-byte Le.
  const out = new Uint8Array(4 + 1 + (data.length > 0 ? 2 + data.length : 0) + (le === undefined ? 0 : 2));
  out.set([cla, ins, p1, p2, 0]);
  let i = 5;
  if (data.length > 0) {
    out[i++] = data.length >> 8;
    out[i++] = data.length & 0xff;
    out.set(data, i);
    i += data.length;
  }
  if (le !== undefined) {
    out[i++] = (le >> 8) & 0xff;
    out[i] = le & 0xff;
  }
  if (data.length === 0 && le === undefined) return out.subarray(0, 4); // case 1 has no extended form
  return out;
}

/**
 * Decodes a command APDU by the four cases of ISO/IEC 7816-3 §12.1 (card side).
 *
 * @throws NfcError `ERR_INVALID_ARGUMENT` (reason `apdu-malformed`) when the lengths do not add up.
 */
export function decodeCommandApdu(bytes: Uint8Array): DecodedCommandApdu {
  checkBytes(bytes, 'bytes');
  const n = bytes.length;
  if (n < 4) throw malformed(`a command APDU has at least 4 bytes, got ${n}`);
  const [cla, ins, p1, p2] = bytes as unknown as [number, number, number, number];
  const head = { cla, ins, p1, p2 };
  if (n === 4) return { ...head, data: new Uint8Array(0), le: undefined, extended: false }; // case 1
  const b4 = bytes[4]!;
  if (n === 5) return { ...head, data: new Uint8Array(0), le: b4 === 0 ? 256 : b4, extended: false }; // case 2S
  if (b4 !== 0) {
    if (n === 5 + b4) return { ...head, data: bytes.slice(5), le: undefined, extended: false }; // case 3S
    if (n === 6 + b4) {
      const le = bytes[n - 1]!;
      return { ...head, data: bytes.slice(5, 5 + b4), le: le === 0 ? 256 : le, extended: false }; // case 4S
    }
    throw malformed(`short APDU with Lc=${b4} has ${n} bytes, expected ${5 + b4} or ${6 + b4}`);
  }
  if (n === 7) {
    const le = (bytes[5]! << 8) | bytes[6]!;
    return { ...head, data: new Uint8Array(0), le: le === 0 ? 65536 : le, extended: true }; // case 2E
  }
  if (n < 8) throw malformed(`extended APDU of ${n} bytes is truncated`);
  const lc = (bytes[5]! << 8) | bytes[6]!;
  if (lc === 0) throw malformed('extended APDU with Lc=0000');
  if (n === 7 + lc) return { ...head, data: bytes.slice(7), le: undefined, extended: true }; // case 3E
  if (n === 9 + lc) {
    const le = (bytes[n - 2]! << 8) | bytes[n - 1]!;
    return { ...head, data: bytes.slice(7, 7 + lc), le: le === 0 ? 65536 : le, extended: true }; // case 4E
  }
  throw malformed(`extended APDU with Lc=${lc} has ${n} bytes, expected ${7 + lc} or ${9 + lc}`);
}

/**
 * Splits a response APDU into data and status word.
 *
 * @throws NfcError `ERR_INVALID_RESPONSE` (reason `apdu-malformed`) when it has fewer than 2 bytes.
 */
export function decodeResponseApdu(bytes: Uint8Array): ResponseApdu {
  checkBytes(bytes, 'bytes');
  if (bytes.length < 2) {
    throw new NfcError(
      'ERR_INVALID_RESPONSE',
      'apdu-malformed',
      `a response APDU has at least 2 bytes (SW1 SW2), got ${bytes.length}`,
    );
  }
  const n = bytes.length;
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

/** Encodes a response APDU: `data ‖ SW1 SW2`. */
export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  checkBytes(data, 'data');
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)
    throw new RangeError(`"sw" expected 0…0xffff, got ${sw}`);
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** Options of {@link chainCommand}. */
export interface ChainOptions {
  /** Data bytes per part, 1…255 (default 255; python-fido2 uses 250, libfido2 240). */
  chunkSize?: number;
  /** Le sent on the parts before the last (default none; libfido2 sends 256, encoded 00). */
  intermediateLe?: number | undefined;
}

/**
 * Splits a command into a chain of short APDUs (ISO/IEC 7816-4 §5.1.1): every part but the last
 * has CLA | 0x10; the last carries the command's own CLA and Le (capped at 256).
 *
 * @example
 * ```ts
 * chainCommand({ cla: 0x80, ins: 0x10, p1: 0x80, p2: 0, data: new Uint8Array(300), le: 256 })
 *   .map((c) => encodeCommandApdu(c, 'short')); // two APDUs: 90 10 80 00 FF … and 80 10 80 00 2D … 00
 * ```
 */
export function chainCommand(command: CommandApdu, options: ChainOptions = {}): CommandApdu[] {
  const chunkSize = options.chunkSize ?? SHORT_MAX_LC;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > SHORT_MAX_LC) {
    throw new RangeError(`"chunkSize" expected an integer 1…255, got ${String(chunkSize)}`);
  }
  const data = checkBytes(command.data, 'data');
  const le = command.le === undefined ? undefined : Math.min(command.le, SHORT_MAX_LE);
  const parts: CommandApdu[] = [];
  let offset = 0;
  while (data.length - offset > chunkSize) {
    parts.push({
      cla: command.cla | CLA_CHAINING,
      ins: command.ins,
      p1: command.p1,
      p2: command.p2,
      data: data.subarray(offset, offset + chunkSize),
      le: options.intermediateLe,
    });
    offset += chunkSize;
  }
  parts.push({
    cla: command.cla,
    ins: command.ins,
    p1: command.p1,
    p2: command.p2,
    data: data.subarray(offset),
    le,
  });
  return parts;
}

/** The GET RESPONSE command that fetches the bytes a `61xx` announced (`xx` = 00 means 256). */
export function getResponseCommand(sw2: number): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.GET_RESPONSE,
    p1: 0,
    p2: 0,
    data: new Uint8Array(0),
    le: sw2 === 0 ? 256 : sw2,
  };
}

/** SELECT of the FIDO applet: `00 A4 04 00 08 A0000006472F0001`, with Le 256 (`00`) by default. */
export function selectFidoCommand(le: number | undefined = 256): CommandApdu {
  return { cla: 0x00, ins: INS.SELECT, p1: 0x04, p2: 0x00, data: FIDO_AID.slice(), le };
}

/**
 * NFCCTAP_MSG carrying a CTAP2 request (command byte ‖ CBOR). `getResponse` sets P1 bit 0x80,
 * telling the authenticator it may answer `9100` and be polled with NFCCTAP_GETRESPONSE.
 */
export function nfcctapMsgCommand(
  request: Uint8Array,
  options: { getResponse?: boolean; le?: number } = {},
): CommandApdu {
  return {
    cla: CLA_NFCCTAP,
    ins: INS.NFCCTAP_MSG,
    p1: options.getResponse === false ? 0x00 : P1_GETRESPONSE_SUPPORTED,
    p2: 0x00,
    data: checkBytes(request, 'request'),
    le: options.le ?? 256,
  };
}

/** NFCCTAP_GETRESPONSE: polls a pending command; `cancel` asks the authenticator to stop it. */
export function nfcctapGetResponseCommand(options: { cancel?: boolean; le?: number } = {}): CommandApdu {
  return {
    cla: CLA_NFCCTAP,
    ins: INS.NFCCTAP_GETRESPONSE,
    p1: options.cancel ? P1_CANCEL : 0x00,
    p2: 0x00,
    data: new Uint8Array(0),
    le: options.le ?? 256,
  };
}

/** Reads the applet version from a SELECT answer's data, or `undefined` for anything else. */
export function parseSelectResponse(data: Uint8Array): FidoAppletVersion | undefined {
  const text = String.fromCharCode(...data.subarray(0, 16));
  return text === 'FIDO_2_0' || text === 'U2F_V2' ? text : undefined;
}

/** The keepalive status byte carried by a `9100` answer (CTAP 2.1 §8.1.9.1.3: 1 processing, 2 UP needed). */
export function keepaliveStatus(data: Uint8Array): 'processing' | 'user-presence-needed' {
  return data[0] === 0x02 ? 'user-presence-needed' : 'processing';
}

/** True when `command` is a SELECT of the FIDO applet. */
export function isSelectFido(command: CommandApdu): boolean {
  const { data } = command;
  return (
    (command.cla & ~CLA_CHAINING) === 0x00 &&
    command.ins === INS.SELECT &&
    command.p1 === 0x04 &&
    data.length === FIDO_AID.length &&
    data.every((b, i) => b === FIDO_AID[i])
  );
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** Hex of bytes, lower case, no separators (for messages and tests). */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string; spaces are ignored. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new TypeError(
      `"hex" expected an even number of hex digits, got ${JSON.stringify(hex.slice(0, 40))}`,
    );
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
