/**
 * Every public parser given a detached buffer, a view over one, or anything but a Uint8Array
 * throws ERR_INVALID_ARGUMENT — never a bare TypeError from inside (issue #13 §1).
 */
import { describe, expect, it } from 'vitest';
import {
  base64url,
  bytesToHex,
  coseKeyToJwk,
  coseKeyToSpki,
  decode,
  parseClientDataJSON,
  sha256,
  spkiToCoseKey,
  utf8Encode,
} from '../src/index.js';
import { thrown } from './helpers.js';
import { BYTE_PARSERS } from './parsers.js';

/** A buffer detached by transferring it, as postMessage would. */
function detached(bytes: Uint8Array): { buffer: ArrayBuffer; whole: Uint8Array; view: Uint8Array } {
  const buffer = bytes.slice().buffer as ArrayBuffer;
  const whole = new Uint8Array(buffer);
  const view = new Uint8Array(buffer, 1, 2);
  structuredClone(buffer, { transfer: [buffer] });
  return { buffer, whole, view };
}

const parsers: [string, (x: never) => unknown][] = [
  ...BYTE_PARSERS,
  ['spkiToCoseKey', spkiToCoseKey],
  ['coseKeyToJwk', coseKeyToJwk],
  ['coseKeyToSpki', coseKeyToSpki],
  ['base64url.encode', base64url.encode],
  ['bytesToHex', bytesToHex],
  ['sha256', sha256],
];

describe('detached buffers and non-Uint8Array arguments', () => {
  const d = detached(utf8Encode('{"type":"webauthn.get","challenge":"AA","origin":"https://a.example"}'));
  it('the detached fixture is really detached (a view reads as empty, slice throws TypeError)', () => {
    expect(d.whole.length).toBe(0);
    expect(() => d.whole.slice()).toThrow(TypeError);
  });
  const inputs: [string, unknown][] = [
    ['a Uint8Array over a detached ArrayBuffer', d.whole],
    ['a sub-view over a detached ArrayBuffer', d.view],
    ['a detached ArrayBuffer', d.buffer],
    ['a live ArrayBuffer', new ArrayBuffer(4)],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['an Int8Array', new Int8Array(4)],
    ['a plain array', [0xa0]],
    ['a string', 'a0'],
    ['null', null],
  ];
  for (const [pname, parse] of parsers) {
    it(`${pname} → ERR_INVALID_ARGUMENT`, () => {
      for (const [iname, input] of inputs) {
        const e = thrown(() => parse(input as never));
        expect(e.code, `${pname}(${iname}): ${e.message}`).toBe('ERR_INVALID_ARGUMENT');
        expect(e.name, `${pname}(${iname})`).toBe('InvalidArgumentError');
      }
    });
  }
  it('names the detached buffer in the message', () => {
    expect(thrown(() => parseClientDataJSON(d.whole)).message).toBe(
      '"bytes" expected Uint8Array, got Uint8Array over a detached ArrayBuffer',
    );
  });
  it('base64url.decode refuses non-strings with ERR_INVALID_ARGUMENT', () => {
    for (const v of [d.whole, d.buffer, null, 1]) {
      expect(thrown(() => base64url.decode(v as never)).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
  it('an empty live Uint8Array is not mistaken for a detached one', () => {
    expect(thrown(() => decode(new Uint8Array(0))).code).toBe('ERR_CBOR_TRUNCATED');
    expect(thrown(() => parseClientDataJSON(new Uint8Array(0))).code).toBe('ERR_CLIENT_DATA_MALFORMED');
  });
});
