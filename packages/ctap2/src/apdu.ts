/**
 * The ISO/IEC 7816-4 APDU codec, host side and card side: the one home of command and response
 * APDU encoding for every fido2kit package (CTAP1/U2F messages through {@link CtapDevice.msg},
 * the NFC transport, the virtual authenticator's U2F applet). Pure: no I/O, no Node modules.
 *
 * - Command APDUs in short form (Lc ≤ 255, Le ≤ 256) and extended form (Lc ≤ 65535, Le ≤ 65536),
 *   decoded by the four cases of ISO/IEC 7816-3 §12.1 (ISO/IEC 7816-4 §5.1).
 * - Response APDUs: data ‖ SW1 SW2 (ISO/IEC 7816-4 §5.6).
 *
 * Transport-specific framing (command chaining, GET RESPONSE, the FIDO applet's SELECT and
 * NFCCTAP_MSG) lives in `@fido2kit/transport-nfc` on top of this codec.
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import { argBytes, describe } from './_assert.js';
import { Ctap2ClientError } from './errors.js';

/** A command APDU. `le` is the number of response bytes expected (1…65536), absent when none. */
export interface CommandApdu {
  /** The class byte. */
  cla: number;
  /** The instruction byte. */
  ins: number;
  /** Parameter byte 1. */
  p1: number;
  /** Parameter byte 2. */
  p2: number;
  /** Command data; empty when there is none (then no Lc is sent). */
  data: Uint8Array;
  /** Expected response length, 1…256 in short form, 1…65536 in extended form; `undefined` = no Le. */
  le?: number | undefined;
}

/** A decoded command APDU: the command and whether it came in extended form. */
export interface DecodedCommandApdu extends CommandApdu {
  /** True when the APDU used extended lengths (a `00` byte, then 2-byte Lc / Le). */
  extended: boolean;
}

/** A response APDU split into its data and status word. */
export interface ResponseApdu {
  /** The response data (without the status word). */
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

function malformed(message: string): Ctap2ClientError {
  return new Ctap2ClientError('ERR_INVALID_ARGUMENT', message, { details: { reason: 'apdu-malformed' } });
}

function checkByte(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new InvalidArgumentError(`"${name}" expected an integer 0…255, got ${String(value)}`);
  }
  return value;
}

/**
 * True when `command` fits a short APDU (Lc ≤ 255 and Le ≤ 256).
 *
 * @param command - the command to measure.
 * @returns whether {@link encodeCommandApdu} can encode it in short form.
 * @example
 * ```ts
 * fitsShortApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: new Uint8Array(8), le: 256 }); // true
 * ```
 */
export function fitsShortApdu(command: CommandApdu): boolean {
  return command.data.length <= SHORT_MAX_LC && (command.le === undefined || command.le <= SHORT_MAX_LE);
}

/**
 * Encodes a command APDU (ISO/IEC 7816-4 §5.1; the cases of ISO/IEC 7816-3 §12.1).
 *
 * @param command - the command; `le` 1…256 (short) or 1…65536 (extended), or absent.
 * @param form - `'short'`, `'extended'`, or `'auto'` (short when it fits, the default).
 * @returns the APDU bytes.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when a field is out of range, or the command
 *   does not fit a short APDU and `form` is `'short'`.
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
  if (command === null || typeof command !== 'object') {
    throw new InvalidArgumentError(`"command" expected an object, got ${describe(command)}`);
  }
  const cla = checkByte(command.cla, 'cla');
  const ins = checkByte(command.ins, 'ins');
  const p1 = checkByte(command.p1, 'p1');
  const p2 = checkByte(command.p2, 'p2');
  const data = argBytes(command.data, 'data');
  const le = command.le;
  if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > EXTENDED_MAX_LE)) {
    throw new InvalidArgumentError(`"le" expected an integer 1…65536 or undefined, got ${String(le)}`);
  }
  if (data.length > EXTENDED_MAX_LC) {
    throw new InvalidArgumentError(`"data" expected at most 65535 bytes, got length=${data.length}`);
  }
  const short = form === 'short' || (form === 'auto' && fitsShortApdu(command));
  if (short && !fitsShortApdu(command)) {
    throw new InvalidArgumentError(
      `a short APDU carries at most 255 data bytes and Le 256, got length=${data.length} le=${String(le)}`,
    );
  }
  // case 1 (no data, no Le) has the same four bytes in both forms
  if (data.length === 0 && le === undefined) return Uint8Array.of(cla, ins, p1, p2);
  const lenBytes = short ? 1 : 2;
  // extended: a 00 marker after the header, then 2-byte Lc (when there is data) and 2-byte Le
  const marker = short ? 0 : 1;
  const lc = data.length > 0 ? lenBytes + data.length : 0;
  const out = new Uint8Array(4 + marker + lc + (le === undefined ? 0 : lenBytes));
  out.set([cla, ins, p1, p2]);
  let i = 4 + marker;
  if (data.length > 0) {
    if (!short) out[i++] = data.length >> 8;
    out[i++] = data.length & 0xff;
    out.set(data, i);
    i += data.length;
  }
  if (le !== undefined) {
    if (!short) out[i++] = (le >> 8) & 0xff;
    out[i] = le & 0xff; // 256 → 00, 65536 → 0000
  }
  return out;
}

/** Options of {@link decodeCommandApdu}. */
export interface DecodeCommandApduOptions {
  /**
   * Also read `CLA INS P1 P2 00 00 00 Le1 Le2` (an extended Lc of 0000 followed by Le) as a
   * command without data. ISO 7816-4 has no such case, but U2F hosts send it for requests without
   * data (python-fido2's `Ctap1.send_apdu` packs `00 ‖ len(data) as 2 bytes ‖ data ‖ 00 00` for
   * every request, so U2F_VERSION is `00 03 00 00 00 00 00 00 00`) and U2F keys accept it.
   * Default false.
   */
  allowEmptyExtendedLc?: boolean;
}

/**
 * Decodes a command APDU by the four cases of ISO/IEC 7816-3 §12.1 (card side).
 *
 * @param bytes - the APDU as received.
 * @param options - {@link DecodeCommandApduOptions}; strict ISO 7816-4 by default.
 * @returns the command, with `extended` telling which form it came in.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `bytes` is not a `Uint8Array`.
 * @throws Ctap2ClientError `ERR_INVALID_ARGUMENT` (`details.reason` `'apdu-malformed'`) when the
 *   lengths do not add up.
 * @example
 * ```ts
 * decodeCommandApdu(Uint8Array.of(0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00)); // case 2E, le 65536
 * ```
 */
export function decodeCommandApdu(
  bytes: Uint8Array,
  options: DecodeCommandApduOptions = {},
): DecodedCommandApdu {
  argBytes(bytes, 'bytes');
  const n = bytes.length;
  if (n < 4) throw malformed(`a command APDU has at least 4 bytes, got ${n}`);
  const [cla, ins, p1, p2] = bytes as unknown as [number, number, number, number];
  const head = { cla, ins, p1, p2 };
  const empty = new Uint8Array(0);
  if (n === 4) return { ...head, data: empty, le: undefined, extended: false }; // case 1
  const b4 = bytes[4]!;
  if (n === 5) return { ...head, data: empty, le: b4 === 0 ? 256 : b4, extended: false }; // case 2S
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
    return { ...head, data: empty, le: le === 0 ? 65536 : le, extended: true }; // case 2E
  }
  if (n < 8) throw malformed(`extended APDU of ${n} bytes is truncated`);
  const lc = (bytes[5]! << 8) | bytes[6]!;
  if (lc === 0) {
    if (n === 9 && options.allowEmptyExtendedLc) {
      const le = (bytes[7]! << 8) | bytes[8]!;
      return { ...head, data: empty, le: le === 0 ? 65536 : le, extended: true }; // U2F hosts' case 2E
    }
    throw malformed('extended APDU with Lc=0000');
  }
  if (n === 7 + lc) return { ...head, data: bytes.slice(7), le: undefined, extended: true }; // case 3E
  if (n === 9 + lc) {
    const le = (bytes[n - 2]! << 8) | bytes[n - 1]!;
    return { ...head, data: bytes.slice(7, 7 + lc), le: le === 0 ? 65536 : le, extended: true }; // case 4E
  }
  throw malformed(`extended APDU with Lc=${lc} has ${n} bytes, expected ${7 + lc} or ${9 + lc}`);
}

/**
 * Splits a response APDU into data and status word (host side).
 *
 * @param bytes - the response as received: data ‖ SW1 SW2.
 * @returns the data and the status word.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `bytes` is not a `Uint8Array`.
 * @throws Ctap2ClientError `ERR_INVALID_RESPONSE` (`details.reason` `'apdu-malformed'`) when it has
 *   fewer than 2 bytes.
 * @example
 * ```ts
 * decodeResponseApdu(Uint8Array.of(0x55, 0x90, 0x00)); // { data: 55, sw: 0x9000 }
 * ```
 */
export function decodeResponseApdu(bytes: Uint8Array): ResponseApdu {
  argBytes(bytes, 'bytes');
  const n = bytes.length;
  if (n < 2) {
    throw new Ctap2ClientError(
      'ERR_INVALID_RESPONSE',
      `a response APDU has at least 2 bytes (SW1 SW2), got ${n}`,
      { details: { reason: 'apdu-malformed' } },
    );
  }
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

/**
 * Encodes a response APDU: `data ‖ SW1 SW2` (card side).
 *
 * @param data - the response data (may be empty).
 * @param sw - the status word, 0…0xFFFF.
 * @returns the response bytes.
 * @throws InvalidArgumentError `ERR_INVALID_ARGUMENT` when `data` is not bytes or `sw` is out of range.
 * @example
 * ```ts
 * encodeResponseApdu(new Uint8Array(0), 0x6985); // 69 85
 * ```
 */
export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  argBytes(data, 'data');
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) {
    throw new InvalidArgumentError(`"sw" expected an integer 0…0xffff, got ${String(sw)}`);
  }
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}
