import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  coseKeyToJwk,
  coseKeyToSpki,
  decodeCoseKey,
  encode,
  encodeCoseKey,
  jwkToCoseKey,
  spkiToCoseKey,
} from '../src/index.js';
import { hex, thrown, toHex } from './helpers.js';
import { signedSamples } from './keys.js';

describe('COSE keys', () => {
  for (const s of signedSamples()) {
    it(`${s.name}: COSE → SPKI is byte-identical to node:crypto's DER, and round-trips`, () => {
      expect(toHex(coseKeyToSpki(s.key))).toBe(toHex(s.spki));
      const back = spkiToCoseKey(s.spki, { alg: s.alg, minRsaBits: 1024 });
      expect(back).toEqual(s.key);
      expect(decodeCoseKey(encodeCoseKey(s.key), { minRsaBits: 1024 })).toEqual(s.key);
      const jwk = coseKeyToJwk(s.key);
      const nodeJwk = nodeCrypto
        .createPublicKey({ key: Buffer.from(s.spki), format: 'der', type: 'spki' })
        .export({ format: 'jwk' });
      for (const k of ['kty', 'crv', 'x', 'y', 'n', 'e'] as const) expect(jwk[k]).toBe(nodeJwk[k]);
      expect(jwkToCoseKey(jwk, { alg: s.alg, minRsaBits: 1024 })).toEqual(s.key);
    });
  }

  // WebAuthn §6.5.1.1 example: an EC2 P-256 ES256 credential public key
  const es256 = new Map<number, unknown>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, hex('65eda5a12577c2bae829437fe338701a10aaa375e1bb5b5de108de439c08551d')],
    [-3, hex('1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19c')],
  ]);

  it('decodes the typed union from bytes or a map', () => {
    const key = decodeCoseKey(encode(es256));
    expect(key).toMatchObject({ kty: 'EC2', alg: -7, crv: 'P-256' });
    expect(decodeCoseKey(es256 as never)).toEqual(key);
  });

  const bad: [string, Map<number, unknown> | Uint8Array, RegExp][] = [
    [
      'a point off the curve',
      new Map([...es256, [-3, hex('1e52ed75701163f7f9e40ddf9f341b3dc9ba860af7e0ca7ca7e9eecd0084d19d')]]),
      /not a point/,
    ],
    // the identity has no affine form; COSE writes it, if at all, as (0, 0)
    [
      'the point at infinity as (0, 0)',
      new Map([...es256, [-2, new Uint8Array(32)], [-3, new Uint8Array(32)]]),
      /not a point/,
    ],
    [
      // (0, sqrt(b)) is on P-256; x = p is the same field element written out of range
      'a coordinate outside the field (x = p)',
      new Map([
        ...es256,
        [-2, hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff')],
        [-3, hex('66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4')],
      ]),
      /not a point/,
    ],
    ['short coordinates', new Map([...es256, [-2, new Uint8Array(31)]]), /32 bytes/],
    ['point compression', new Map([...es256, [-3, true]]), /compression/],
    ['a private key', new Map([...es256, [-4, new Uint8Array(32)]]), /private/],
    ['an unknown curve', new Map([...es256, [-1, 99]]), /curve/],
    ['an unknown key type', new Map([[1, 9]]), /key type/],
    ['ES384 on a P-256 key', new Map([...es256, [3, -35]]), /cannot be used/],
    ['EdDSA on an EC2 key', new Map([...es256, [3, -8]]), /cannot be used/],
    ['a non-integer alg', new Map([...es256, [3, 'ES256']]), /integer/],
    ['x of the wrong type', new Map([...es256, [-2, 'x']]), /byte string/],
    ['not a map', encode([1, 2]), /map/],
    ['not CBOR', new Uint8Array([0xff]), /CBOR/],
    [
      'a small RSA modulus',
      new Map<number, unknown>([
        [1, 3],
        [-1, new Uint8Array(128).fill(0xff)],
        [-2, hex('010001')],
      ]),
      /outside/,
    ],
    [
      'an even RSA exponent',
      new Map<number, unknown>([
        [1, 3],
        [-1, new Uint8Array(256).fill(0xff)],
        [-2, hex('010000')],
      ]),
      /exponent/,
    ],
    [
      'an Ed25519 key of 31 bytes',
      new Map<number, unknown>([
        [1, 1],
        [-1, 6],
        [-2, new Uint8Array(31)],
      ]),
      /32 bytes/,
    ],
  ];
  for (const [name, input, msg] of bad) {
    it(`refuses ${name} with ERR_COSE_KEY_INVALID`, () => {
      const e = thrown(() => decodeCoseKey(input as never));
      expect(e.code).toBe('ERR_COSE_KEY_INVALID');
      expect(e.message).toMatch(msg);
    });
  }
  it('refuses a JWK with private members', () => {
    expect(thrown(() => jwkToCoseKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' })).code).toBe(
      'ERR_COSE_KEY_INVALID',
    );
  });
});
