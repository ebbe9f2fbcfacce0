import { bytesToHex, hexToBytes } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommandApdu,
  type DecodeCommandApduOptions,
  decodeCommandApdu,
  decodeResponseApdu,
  encodeCommandApdu,
  encodeResponseApdu,
  encodeU2fApdu,
  U2F_INS,
} from '../src/index.js';
import fido from './vectors/fido-apdu.json' with { type: 'json' };
import iso from './vectors/iso7816-apdu.json' with { type: 'json' };

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
  options?: DecodeCommandApduOptions;
  command?: JsonCommand;
  apdu?: string;
  response?: string;
  data?: string;
  sw?: number;
}

const toCommand = (c: JsonCommand): CommandApdu => ({
  cla: c.cla,
  ins: c.ins,
  p1: c.p1,
  p2: c.p2,
  data: hexToBytes(c.data),
  le: c.le,
});

function runVector(v: Vector): void {
  switch (v.kind) {
    case 'encode': {
      const bytes = encodeCommandApdu(toCommand(v.command!), v.form as 'short' | 'extended' | undefined);
      expect(bytesToHex(bytes)).toBe(v.apdu);
      expect(decodeCommandApdu(bytes)).toMatchObject(toCommand(v.command!));
      return;
    }
    case 'decode': {
      if (v.result === 'invalid') {
        expect(() => decodeCommandApdu(hexToBytes(v.apdu!), v.options)).toThrow(
          expect.objectContaining({ code: v.code, details: { reason: 'apdu-malformed' } }),
        );
        return;
      }
      const decoded = decodeCommandApdu(hexToBytes(v.apdu!), v.options);
      expect({ ...decoded, data: bytesToHex(decoded.data) }).toEqual({ le: undefined, ...v.command });
      if (v.options === undefined) {
        const form = decoded.extended ? 'extended' : 'short';
        expect(bytesToHex(encodeCommandApdu(decoded, form))).toBe(v.apdu);
      }
      return;
    }
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
    default:
      throw new Error(`unknown vector kind ${v.kind}`);
  }
}

for (const set of [iso, fido]) {
  describe(`APDU vectors: ${set.source.slice(0, 70)}…`, () => {
    for (const v of set.vectors as Vector[]) it(`${v.result}: ${v.name}`, () => runVector(v));
  });
}

describe('encodeCommandApdu arguments', () => {
  const big: CommandApdu = { cla: 0x80, ins: 0x10, p1: 0, p2: 0, data: new Uint8Array(300), le: 256 };
  it.each([
    ['a command too long for short form', () => encodeCommandApdu(big, 'short'), 'a short APDU carries'],
    ['Le 0', () => encodeCommandApdu({ ...big, le: 0 }), '"le" expected an integer 1…65536'],
    ['CLA 256', () => encodeCommandApdu({ ...big, cla: 256 }), '"cla" expected an integer 0…255, got 256'],
    [
      '65536 data bytes',
      () => encodeCommandApdu({ ...big, data: new Uint8Array(65536) }),
      '"data" expected at most 65535 bytes, got length=65536',
    ],
    ['data not bytes', () => encodeCommandApdu({ ...big, data: [1] as never }), '"data" expected Uint8Array'],
    ['no command', () => encodeCommandApdu(null as never), '"command" expected an object'],
    ['SW 0x10000', () => encodeResponseApdu(new Uint8Array(0), 0x10000), '"sw" expected an integer'],
  ])('refuses %s with ERR_INVALID_ARGUMENT', (_name, call, message) => {
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(call).toThrow(message);
  });

  it('encodes extended when a short APDU cannot hold the command', () => {
    expect(bytesToHex(encodeCommandApdu(big).subarray(0, 7))).toBe('8010000000012c');
  });

  it('the U2F request framing is the codec in extended form with Le 65536', () => {
    const data = Uint8Array.of(1, 2, 3);
    expect(encodeU2fApdu(U2F_INS.register, 0, 0, data)).toEqual(
      encodeCommandApdu({ cla: 0, ins: U2F_INS.register, p1: 0, p2: 0, data, le: 65536 }, 'extended'),
    );
    expect(() => encodeU2fApdu(256, 0, 0, data)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('properties', () => {
  const command = fc.record({
    cla: fc.integer({ min: 0, max: 255 }),
    ins: fc.integer({ min: 0, max: 255 }),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 700 }),
    le: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
  });

  it('decode(encode(c)) = c in extended and (when it fits) short form', () => {
    fc.assert(
      fc.property(command, fc.boolean(), (c, short) => {
        const bytes = encodeCommandApdu(c, short ? 'auto' : 'extended');
        const back = decodeCommandApdu(bytes);
        expect(back.data).toEqual(c.data);
        expect(back.le).toBe(c.le);
        expect([back.cla, back.ins, back.p1, back.p2]).toEqual([c.cla, c.ins, c.p1, c.p2]);
      }),
    );
  });

  it('decoding random or mutated bytes gives a command or ERR_INVALID_ARGUMENT, never anything else', () => {
    const mutated = fc.tuple(command, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([c, at, b]) => {
      const bytes = encodeCommandApdu(c).slice();
      bytes[at % bytes.length] = b;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), fc.boolean(), (bytes, lenient) => {
        try {
          const c = decodeCommandApdu(bytes, { allowEmptyExtendedLc: lenient });
          expect(c.data.length).toBeLessThanOrEqual(bytes.length);
        } catch (e) {
          expect(e).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { reason: 'apdu-malformed' } });
        }
      }),
    );
  });

  it('hostile inputs give ERR_INVALID_ARGUMENT naming the argument', () => {
    for (const bad of [null, undefined, 'x', [1, 2, 3], new Uint16Array(4)]) {
      expect(() => decodeCommandApdu(bad as never)).toThrow('"bytes" expected Uint8Array');
      expect(() => decodeResponseApdu(bad as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });
});
