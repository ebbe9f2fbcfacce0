/** Error codes callers can rely on: CTAP status names (CTAP 2.1 §8.2) and ERR_INVALID_ARGUMENT. */
import { type CborValue, encode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  AuthenticatorConfig,
  CTAP_STATUS,
  Ctap2,
  CtapError,
  type CtapErrorCode,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  serializeLargeBlobArray,
  u2fPublicKeyToCose,
  WebAuthnClient,
} from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';

const info = () =>
  new Uint8Array([
    0,
    ...encode(
      new Map<CborValue, CborValue>([
        [1, ['FIDO_2_0', 'FIDO_2_1']],
        [3, new Uint8Array(16)],
        [4, new Map<CborValue, CborValue>([['authnrCfg', true]])],
        [6, [2, 1]],
      ]),
    ),
  ]);

/** How a caller reacts to a status: the switch compiles only against CtapErrorCode's members. */
function reaction(code: CtapErrorCode): string {
  switch (code) {
    case 'CTAP2_ERR_PIN_INVALID':
      return 'ask again';
    case 'CTAP2_ERR_PIN_BLOCKED':
      return 'reset';
    case 'CTAP2_ERR_NO_CREDENTIALS':
      return 'register first';
    default:
      return 'fail';
  }
}

describe('CtapError.code (CTAP 2.1 §8.2)', () => {
  it.each([
    [0x31, 'CTAP2_ERR_PIN_INVALID', 'ask again'],
    [0x32, 'CTAP2_ERR_PIN_BLOCKED', 'reset'],
    [0x2e, 'CTAP2_ERR_NO_CREDENTIALS', 'register first'],
    [0x01, 'CTAP1_ERR_INVALID_COMMAND', 'fail'],
    [0xe3, 'CTAP2_ERR_EXTENSION_0xe3', 'fail'],
    [0xf7, 'CTAP2_ERR_VENDOR_0xf7', 'fail'],
    [0x55, 'CTAP_STATUS_0x55', 'fail'],
  ])('status 0x%s is %s', (status, code, what) => {
    const e = new CtapError(status);
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(reaction(e.code)).toBe(what);
  });
  it('every named status of the table is a code, by the same name', () => {
    for (const [name, status] of Object.entries(CTAP_STATUS)) {
      if (status === 0 || name.endsWith('_FIRST') || name.endsWith('_LAST')) continue;
      expect(new CtapError(status).code).toBe(name);
    }
  });
});

const invalid = { code: 'ERR_INVALID_ARGUMENT' };

describe('argument errors carry ERR_INVALID_ARGUMENT and stay TypeErrors', () => {
  it('Ctap2.send with a command that is not a byte', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info()));
    for (const command of [999, -1, 1.5, Number.NaN]) {
      const e = await ctap.send(command).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TypeError);
      expect(e).toMatchObject(invalid);
      expect((e as Error).message).toContain('"command" expected a byte');
    }
  });
  it('makeCredential with pubKeyCredParams that is not an array', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info()));
    const e = await ctap
      .makeCredential({
        clientDataHash: new Uint8Array(32),
        rp: { id: 'example.com' },
        user: { id: new Uint8Array([1]) },
        pubKeyCredParams: 'ES256' as never,
      })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ ...invalid, message: '"pubKeyCredParams" expected an array, got string' });
  });
  it('a WebAuthnClient without an origin or without a device', () => {
    const device = new ScriptedDevice();
    expect(() => new WebAuthnClient({ device } as never)).toThrow(
      expect.objectContaining({ ...invalid, message: '"origin" expected string, got undefined' }),
    );
    expect(() => new WebAuthnClient({ origin: 'https://example.com' })).toThrow(
      expect.objectContaining(invalid),
    );
    expect(() => new WebAuthnClient({ device } as never)).toThrow(TypeError);
  });
  it('u2fPublicKeyToCose with a point of the wrong length', () => {
    expect(() => u2fPublicKeyToCose(new Uint8Array(64))).toThrow(expect.objectContaining(invalid));
  });
  it('serializeLargeBlobArray with something that is not an array', () => {
    expect(() => serializeLargeBlobArray({} as never)).toThrow(expect.objectContaining(invalid));
  });
  it('PIN/UV protocols refuse plaintext that is not whole AES blocks', () => {
    const key = new Uint8Array(64);
    expect(() => new PinUvAuthProtocolOne().encrypt(key.subarray(0, 32), new Uint8Array(15))).toThrow(
      expect.objectContaining(invalid),
    );
    expect(() => new PinUvAuthProtocolTwo().encrypt(key, new Uint8Array(17))).toThrow(
      expect.objectContaining(invalid),
    );
  });
  it('setMinPINLength with a length outside 4..63 or a wrong member type', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info()));
    const config = new AuthenticatorConfig(ctap, new PinUvAuthProtocolTwo(), new Uint8Array(32));
    for (const params of [{ newMinPINLength: 3 }, { minPinLengthRPIDs: 'x' }, { forceChangePin: 1 }]) {
      const e = await config.setMinPINLength(params as never).catch((x: unknown) => x);
      expect(e).toMatchObject(invalid);
    }
  });
});
