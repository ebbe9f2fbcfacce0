import { bytesToHex, hexToBytes } from '@fido2kit/cose';
import {
  type CommandApdu,
  decodeCommandApdu,
  decodeResponseApdu,
  encodeCommandApdu,
  encodeResponseApdu,
} from '@fido2kit/ctap2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chainCommand,
  getResponseCommand,
  isSelectFido,
  keepaliveStatus,
  nfcctapGetResponseCommand,
  nfcctapMsgCommand,
  parseSelectResponse,
  SW,
  SW_NAMES,
  selectFidoCommand,
} from '../src/apdu.js';
import libfido2 from './vectors/libfido2.json' with { type: 'json' };
import pythonFido2 from './vectors/python-fido2.json' with { type: 'json' };

interface JsonCommand {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: string;
  le?: number;
  extended?: boolean;
}
interface Vector {
  name: string;
  kind: string;
  result: string;
  code?: string;
  form?: string;
  command?: JsonCommand;
  apdu?: string;
  apdus?: string[];
  chunkSize?: number;
  intermediateLe?: number;
  response?: string;
  data?: string;
  sw?: number;
  sw2?: number;
  version?: string | null;
  status?: string;
}

function toCommand(c: JsonCommand): CommandApdu {
  return { cla: c.cla, ins: c.ins, p1: c.p1, p2: c.p2, data: hexToBytes(c.data), le: c.le };
}

function runVector(v: Vector): void {
  switch (v.kind) {
    case 'encode':
      expect(bytesToHex(encodeCommandApdu(toCommand(v.command!), v.form as 'short'))).toBe(v.apdu);
      // and back again
      expect(decodeCommandApdu(hexToBytes(v.apdu!))).toMatchObject({ ...toCommand(v.command!) });
      return;
    case 'decode': {
      if (v.result === 'invalid') {
        expect(() => decodeCommandApdu(hexToBytes(v.apdu!))).toThrow(
          expect.objectContaining({ code: v.code }),
        );
        return;
      }
      const decoded = decodeCommandApdu(hexToBytes(v.apdu!));
      expect({ ...decoded, data: bytesToHex(decoded.data) }).toEqual({ le: undefined, ...v.command });
      expect(bytesToHex(encodeCommandApdu(decoded, decoded.extended ? 'extended' : 'short'))).toBe(v.apdu);
      return;
    }
    case 'chain': {
      const parts = chainCommand(toCommand(v.command!), {
        chunkSize: v.chunkSize!,
        intermediateLe: v.intermediateLe,
      });
      expect(parts.map((p) => bytesToHex(encodeCommandApdu(p, 'short')))).toEqual(v.apdus);
      return;
    }
    case 'get-response':
      expect(bytesToHex(encodeCommandApdu(getResponseCommand(v.sw2!), 'short'))).toBe(v.apdu);
      return;
    case 'response':
      if (v.result === 'invalid') {
        expect(() => decodeResponseApdu(hexToBytes(v.response!))).toThrow(
          expect.objectContaining({ code: v.code }),
        );
        return;
      }
      expect(decodeResponseApdu(hexToBytes(v.response!))).toEqual({ data: hexToBytes(v.data!), sw: v.sw });
      expect(bytesToHex(encodeResponseApdu(hexToBytes(v.data!), v.sw!))).toBe(v.response);
      return;
    case 'select-response': {
      const { data, sw } = decodeResponseApdu(hexToBytes(v.response!));
      expect(sw).toBe(v.sw);
      expect(parseSelectResponse(data)).toBe(v.version ?? undefined);
      return;
    }
    case 'keepalive': {
      const { data, sw } = decodeResponseApdu(hexToBytes(v.response!));
      expect(sw).toBe(SW.STATUS_UPDATE);
      expect(keepaliveStatus(data)).toBe(v.status);
      return;
    }
    default:
      throw new Error(`unknown vector kind ${v.kind}`);
  }
}

for (const [file, set] of [
  ['python-fido2', pythonFido2],
  ['libfido2', libfido2],
] as const) {
  describe(`APDU vectors: ${file} (${set.source.slice(0, 60)}…)`, () => {
    for (const v of set.vectors as Vector[]) {
      it(`${v.result}: ${v.name}`, () => runVector(v));
    }
  });
}

describe('FIDO commands', () => {
  it('builds SELECT, NFCCTAP_MSG and NFCCTAP_GETRESPONSE (with cancel)', () => {
    expect(bytesToHex(encodeCommandApdu(selectFidoCommand()))).toBe('00a4040008a0000006472f000100');
    expect(isSelectFido(selectFidoCommand())).toBe(true);
    expect(isSelectFido({ ...selectFidoCommand(), data: hexToBytes('a0000006472f0002') })).toBe(false);
    expect(bytesToHex(encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(4))))).toBe('80108000010400');
    expect(bytesToHex(encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(4), { getResponse: false })))).toBe(
      '80100000010400',
    );
    expect(bytesToHex(encodeCommandApdu(nfcctapGetResponseCommand({ cancel: true })))).toBe('8011110000');
    expect(SW_NAMES[0x9100]).toBe('STATUS_UPDATE');
  });

  it('chains with the default 255-byte parts and caps the final Le at 256', () => {
    const parts = chainCommand({
      cla: 0x80,
      ins: 0x10,
      p1: 0x80,
      p2: 0,
      data: new Uint8Array(600),
      le: 65536,
    });
    expect(parts.map((p) => [p.cla, p.data.length, p.le])).toEqual([
      [0x90, 255, undefined],
      [0x90, 255, undefined],
      [0x80, 90, 256],
    ]);
    expect(() => chainCommand({ ...parts[0]!, cla: 0x80 }, { chunkSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

// The ISO 7816-4 codec's own properties are tested with it, in packages/ctap2/test/apdu.test.ts.
describe('properties', () => {
  const command = fc.record({
    cla: fc.integer({ min: 0, max: 255 }),
    ins: fc.integer({ min: 0, max: 255 }),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 700 }),
    le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
  });

  it('a chain reassembles to the command data', () => {
    fc.assert(
      fc.property(command, fc.integer({ min: 1, max: 255 }), (c, chunkSize) => {
        const parts = chainCommand(c, { chunkSize });
        expect(parts.slice(0, -1).every((p) => (p.cla & 0x10) === 0x10 && p.data.length === chunkSize)).toBe(
          true,
        );
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.data.length, 0));
        let i = 0;
        for (const p of parts) {
          joined.set(p.data, i);
          i += p.data.length;
        }
        expect(joined).toEqual(c.data);
      }),
    );
  });
});
