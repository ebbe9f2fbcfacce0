/**
 * The CTAP 2.2 getInfo members (CTAP 2.2 Proposed Standard 2025-07-14, §6.4
 * "authenticatorGetInfo", keys 0x16–0x1F) parsed into AuthenticatorInfo. No published example
 * response carries them, so the vector is built from §6.4's member table, one member each.
 */
import { type CborValue, decode, encode } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GET_INFO_KEYS, PIN_UV_AUTH_PERMISSIONS, parseAuthenticatorInfo } from '../src/index.js';

const K = GET_INFO_KEYS;

function infoMap(extra: [number, CborValue][]): Map<CborValue, CborValue> {
  return new Map<CborValue, CborValue>([
    [K.versions, ['FIDO_2_0', 'FIDO_2_1', 'FIDO_2_2']],
    [K.extensions, ['credProtect', 'hmac-secret', 'thirdPartyPayment']],
    [K.aaguid, new Uint8Array(16).fill(0x11)],
    [
      K.options,
      new Map<CborValue, CborValue>([
        ['rk', true],
        ['clientPin', true],
        ['credMgmt', true],
        ['perCredMgmtRO', true],
      ]),
    ],
    ...extra,
  ]);
}

const CTAP22: [number, CborValue][] = [
  [K.attestationFormats, ['packed', 'none']],
  [K.uvCountSinceLastPinEntry, 3],
  [K.longTouchForReset, true],
  [K.encIdentifier, new Uint8Array(32).fill(0xe1)],
  [K.transportsForReset, ['usb']],
  [K.pinComplexityPolicy, false],
  [K.pinComplexityPolicyURL, new Uint8Array([0x68, 0x74, 0x74, 0x70, 0x73])],
  [K.maxPINLength, 63],
  [K.encCredStoreState, new Uint8Array(32).fill(0xc5)],
  [K.authenticatorConfigCommands, [1, 2, 3]],
];

describe('getInfo: CTAP 2.2 §6.4 members', () => {
  it('keys 0x16..0x1F are numbered as §6.4 numbers them', () => {
    expect(CTAP22.map(([k]) => k)).toEqual([0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]);
    expect(PIN_UV_AUTH_PERMISSIONS.pcmr).toBe(0x40); // §6.5.5.7 permission table
  });

  it('parses every member, through canonical CBOR bytes', () => {
    const info = parseAuthenticatorInfo(decode(encode(infoMap(CTAP22))));
    expect(info).toMatchObject({
      versions: ['FIDO_2_0', 'FIDO_2_1', 'FIDO_2_2'],
      options: { perCredMgmtRO: true, credMgmt: true },
      attestationFormats: ['packed', 'none'],
      uvCountSinceLastPinEntry: 3,
      longTouchForReset: true,
      transportsForReset: ['usb'],
      pinComplexityPolicy: false,
      maxPINLength: 63,
      authenticatorConfigCommands: [1, 2, 3],
    });
    expect(info.encIdentifier).toEqual(new Uint8Array(32).fill(0xe1));
    expect(info.encCredStoreState).toEqual(new Uint8Array(32).fill(0xc5));
    expect(new TextDecoder().decode(info.pinComplexityPolicyURL)).toBe('https');
    expect(info.unknown.size).toBe(0);
  });

  it('property: a 2.2 member of the wrong type is ERR_INVALID_RESPONSE, never a TypeError', () => {
    const wrong = fc.oneof(fc.string(), fc.boolean(), fc.integer({ min: -5, max: -1 }), fc.constant(null));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CTAP22.length - 1 }), wrong, (i, v) => {
        const [k, good] = CTAP22[i] as [number, CborValue];
        if (typeof good === typeof v && !Array.isArray(good)) return; // same kind: not a wrong type
        try {
          parseAuthenticatorInfo(infoMap([[k, v as CborValue]]));
        } catch (e) {
          expect((e as { code?: string }).code).toBe('ERR_INVALID_RESPONSE');
          return;
        }
        throw new Error(`member 0x${k.toString(16)} accepted ${JSON.stringify(v)}`);
      }),
      { numRuns: 200 },
    );
  });
});
