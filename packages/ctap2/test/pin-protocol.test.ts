import { describe, expect, it } from 'vitest';
import {
  generateKeyAgreementKey,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  pinUvAuthProtocol,
} from '../src/index.js';

describe.each([new PinUvAuthProtocolOne(), new PinUvAuthProtocolTwo()])(
  'PIN/UV auth protocol $version',
  (p) => {
    it('platform and authenticator derive the same shared secret', () => {
      const auth = generateKeyAgreementKey();
      const { keyAgreement, sharedSecret } = p.encapsulate(auth.publicKey);
      expect(p.decapsulate(auth.privateKey, keyAgreement)).toEqual(sharedSecret);
      expect(sharedSecret.length).toBe(p.version === 1 ? 32 : 64);
      expect(keyAgreement.get(3)).toBe(-25);
    });
    it('encrypt/decrypt round trip; MACs verify and have the protocol length', () => {
      const auth = generateKeyAgreementKey();
      const { sharedSecret } = p.encapsulate(auth.publicKey);
      const pt = new Uint8Array(64).map((_, i) => i);
      const ct = p.encrypt(sharedSecret, pt);
      expect(ct.length).toBe(p.version === 1 ? 64 : 80);
      expect(p.decrypt(sharedSecret, ct)).toEqual(pt);
      const mac = p.authenticate(sharedSecret, pt);
      expect(mac.length).toBe(p.version === 1 ? 16 : 32);
      expect(p.verify(sharedSecret, pt, mac)).toBe(true);
      mac[0] = (mac[0] as number) ^ 1;
      expect(p.verify(sharedSecret, pt, mac)).toBe(false);
    });
    it('refuses a key agreement key that is not on P-256, with ERR_INVALID_RESPONSE', () => {
      const bad = generateKeyAgreementKey().publicKey;
      const y = bad.get(-3) as Uint8Array;
      y[5] = (y[5] as number) ^ 1;
      expect(() => p.encapsulate(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RESPONSE' }));
    });
    it('refuses ciphertexts of impossible lengths', () => {
      expect(() => p.decrypt(new Uint8Array(64), new Uint8Array(p.version === 1 ? 15 : 17))).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_RESPONSE' }),
      );
    });
  },
);

it('pinUvAuthProtocol(3) is ERR_NOT_SUPPORTED', () => {
  expect(() => pinUvAuthProtocol(3)).toThrow(expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }));
});
