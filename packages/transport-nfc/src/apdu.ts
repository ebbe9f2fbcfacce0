/**
 * The CTAP-over-NFC framing (CTAP 2.1 §11.3), host side and card side, on top of the ISO/IEC
 * 7816-4 APDU codec that `@fido2kit/ctap2` owns (encode/decode of command and response APDUs,
 * re-exported by this package's index). Pure: no I/O, no timers, no Node modules.
 *
 * - Command chaining (ISO/IEC 7816-4 §5.1.1: CLA bit 0x10 on every part but the last) for readers
 *   and cards that only take short APDUs.
 * - Response APDUs: data ‖ SW1 SW2; `61xx` (more data: send GET RESPONSE with Le = xx) and `6Cxx`
 *   (wrong Le: send the command again with Le = xx).
 * - The FIDO applet: SELECT of AID A0000006472F0001 (answers `FIDO_2_0` or `U2F_V2`),
 *   NFCCTAP_MSG (80 10) and NFCCTAP_GETRESPONSE (80 11), whose `9100` answer is a keepalive.
 */
import { equalBytes, InvalidArgumentError } from '@fido2kit/cose';
import { type CommandApdu, SHORT_MAX_LC, SHORT_MAX_LE } from '@fido2kit/ctap2';

function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
  }
  return value;
}

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
    throw new InvalidArgumentError(`"chunkSize" expected an integer 1…255, got ${String(chunkSize)}`);
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
    equalBytes(data, FIDO_AID)
  );
}
