import { bytesToHex, type CborValue, decode, encode, hexToBytes } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  ClientPin,
  type CoseKeyMap,
  Ctap2,
  type Encapsulation,
  ecdhZ,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  padPin,
} from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import one from './vectors/pin-protocol-one.json' with { type: 'json' };
import two from './vectors/pin-protocol-two.json' with { type: 'json' };

const h = hexToBytes;
const coseKey = (x: string, y: string): CoseKeyMap =>
  new Map<CborValue, CborValue>([
    [1, 2],
    [3, -25],
    [-1, 1],
    [-2, h(x)],
    [-3, h(y)],
  ]);
const devKey1 = coseKey(one.authenticatorPublicKeyX, one.authenticatorPublicKeyY);

/** Protocol one with python-fido2's fixed platform key, so every output is a vector. */
class FixedOne extends PinUvAuthProtocolOne {
  override encapsulate(peer: CoseKeyMap): Encapsulation {
    return {
      keyAgreement: coseKey(one.platformPublicKeyX, one.platformPublicKeyY),
      sharedSecret: this.kdf(ecdhZ(h(one.platformPrivateKey), peer)),
    };
  }
}

// an info with clientPin set and protocol 1, then getKeyAgreement's answer
const INFO = bytesToHex(
  new Uint8Array([
    0,
    ...encode(
      new Map<CborValue, CborValue>([
        [1, ['FIDO_2_0']],
        [3, new Uint8Array(16)],
        [4, new Map([['clientPin', true]])],
        [6, [1]],
      ]),
    ),
  ]),
);
const KEY_AGREEMENT = bytesToHex(new Uint8Array([0, ...encode(new Map([[1, devKey1]]))]));

describe('PIN/UV auth protocol one: python-fido2 vectors (CTAP 2.1 §6.5.6)', () => {
  const p = new PinUvAuthProtocolOne();
  it('ECDH + SHA-256 gives the shared secret', () => {
    expect(bytesToHex(p.kdf(ecdhZ(h(one.platformPrivateKey), devKey1)))).toBe(one.sharedSecret);
  });
  it('pinHashEnc of "1234" and token decryption', () => {
    expect(bytesToHex(p.encrypt(h(one.sharedSecret), h(one.pinHash1234)))).toBe(one.pinHashEnc1234);
    expect(bytesToHex(p.decrypt(h(one.sharedSecret), h(one.tokenEnc)))).toBe(one.token);
  });
  it('padPin("1234") is the 64-byte padded PIN', () => {
    expect(bytesToHex(padPin('1234'))).toBe(one.paddedPin1234);
  });
  it('ClientPin.setPin sends python-fido2’s newPinEnc and pinUvAuthParam', async () => {
    const dev = new ScriptedDevice(INFO, KEY_AGREEMENT, '00');
    const pin = new ClientPin(await Ctap2.open(dev), new FixedOne());
    await pin.setPin('1234');
    const req = decode(dev.requests[2]?.subarray(1) as Uint8Array) as Map<number, CborValue>;
    expect(dev.requests[2]?.[0]).toBe(0x06);
    expect(req.get(1)).toBe(1);
    expect(req.get(2)).toBe(3);
    expect(bytesToHex(req.get(5) as Uint8Array)).toBe(one.setPin1234.newPinEnc);
    expect(bytesToHex(req.get(4) as Uint8Array)).toBe(one.setPin1234.pinUvAuthParam);
  });
  it('ClientPin.changePin sends python-fido2’s values', async () => {
    const dev = new ScriptedDevice(INFO, KEY_AGREEMENT, '00');
    const pin = new ClientPin(await Ctap2.open(dev), new FixedOne());
    await pin.changePin('1234', '4321');
    const req = decode(dev.requests[2]?.subarray(1) as Uint8Array) as Map<number, CborValue>;
    expect(req.get(2)).toBe(4);
    expect(bytesToHex(req.get(5) as Uint8Array)).toBe(one.changePin1234to4321.newPinEnc);
    expect(bytesToHex(req.get(6) as Uint8Array)).toBe(one.changePin1234to4321.pinHashEnc);
    expect(bytesToHex(req.get(4) as Uint8Array)).toBe(one.changePin1234to4321.pinUvAuthParam);
  });
  it('ClientPin.getPinToken sends pinHashEnc and decrypts the token', async () => {
    const tokenAnswer = bytesToHex(new Uint8Array([0, ...encode(new Map([[2, h(one.tokenEnc)]]))]));
    const dev = new ScriptedDevice(INFO, KEY_AGREEMENT, tokenAnswer);
    const pin = new ClientPin(await Ctap2.open(dev), new FixedOne());
    const { token } = await pin.getPinToken('1234');
    expect(bytesToHex(token)).toBe(one.token);
    const req = decode(dev.requests[2]?.subarray(1) as Uint8Array) as Map<number, CborValue>;
    expect(req.get(2)).toBe(5);
    expect(bytesToHex(req.get(6) as Uint8Array)).toBe(one.pinHashEnc1234);
    expect(req.get(3)).toEqual(coseKey(one.platformPublicKeyX, one.platformPublicKeyY));
  });
});

describe('PIN/UV auth protocol two: vectors computed with node:crypto (CTAP 2.1 §6.5.7)', () => {
  const ivs = [two.pinHashEncIv, two.newPinEncIv, two.tokenEncIv].map(h);
  const devKey = coseKey(two.authenticatorPublicKey.slice(2, 66), two.authenticatorPublicKey.slice(66));
  it('ECDH + HKDF-SHA-256 (HMAC key ‖ AES key) gives the shared secret', () => {
    const p = new PinUvAuthProtocolTwo();
    expect(bytesToHex(ecdhZ(h(two.platformPrivateKey), devKey))).toBe(two.z);
    expect(bytesToHex(p.kdf(h(two.z)))).toBe(two.sharedSecret);
  });
  it('encrypt with a given IV, MAC with the HMAC half, decrypt, token MAC', () => {
    let i = 0;
    const p = new PinUvAuthProtocolTwo(() => ivs[i++] as Uint8Array);
    const ss = h(two.sharedSecret);
    const pinHash = h(one.pinHash1234);
    expect(bytesToHex(p.encrypt(ss, pinHash))).toBe(two.pinHashEnc);
    const newPinEnc = p.encrypt(ss, padPin('1234'));
    expect(bytesToHex(newPinEnc)).toBe(two.newPinEnc);
    expect(bytesToHex(p.authenticate(ss, newPinEnc))).toBe(two.setPinPinUvAuthParam);
    expect(bytesToHex(p.decrypt(ss, h(two.tokenEnc)))).toBe(two.token);
    expect(bytesToHex(p.authenticate(h(two.token), h(two.clientDataHash)))).toBe(
      two.makeCredentialPinUvAuthParam,
    );
  });
});

describe('PIN rules (CTAP 2.1 §6.5.5.5)', () => {
  it('at least minPINLength code points, counted after NFC', () => {
    expect(() => padPin('123')).toThrow(expect.objectContaining({ code: 'ERR_PIN_POLICY' }));
    expect(padPin('😀😀😀😀').length).toBe(64); // 4 code points, 16 bytes
    expect(() => padPin('12345', 6)).toThrow(expect.objectContaining({ code: 'ERR_PIN_POLICY' }));
  });
  it('at most 63 bytes of UTF-8', () => {
    expect(padPin('1'.repeat(63)).length).toBe(64);
    expect(() => padPin('1'.repeat(64))).toThrow(expect.objectContaining({ code: 'ERR_PIN_POLICY' }));
    expect(() => padPin('é'.repeat(32))).toThrow(expect.objectContaining({ code: 'ERR_PIN_POLICY' }));
  });
});
