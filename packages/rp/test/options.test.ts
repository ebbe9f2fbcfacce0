import { base64url } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  buildRelatedOriginsDocument,
  DEFAULT_SUPPORTED_ALGORITHM_IDS,
  generateAuthenticationOptions,
  generateRegistrationOptions,
} from '../src/index.js';

describe('generateRegistrationOptions', () => {
  it('fills secure defaults', () => {
    const o = generateRegistrationOptions({
      rpName: 'Example',
      rpID: 'example.com',
      user: { name: 'alice' },
    });
    expect(base64url.decode(o.challenge)).toHaveLength(32);
    expect(base64url.decode(o.user.id)).toHaveLength(32);
    expect(o).toMatchObject({
      rp: { name: 'Example', id: 'example.com' },
      user: { name: 'alice', displayName: '' },
      timeout: 60000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: {
        residentKey: 'preferred',
        requireResidentKey: false,
        userVerification: 'required',
      },
    });
    expect(o.pubKeyCredParams.map((p) => p.alg)).toEqual(DEFAULT_SUPPORTED_ALGORITHM_IDS);
    expect(o.pubKeyCredParams.every((p) => p.type === 'public-key')).toBe(true);
    const again = generateRegistrationOptions({
      rpName: 'Example',
      rpID: 'example.com',
      user: { name: 'alice' },
    });
    expect(again.challenge).not.toBe(o.challenge);
  });

  it('takes every option, and SimpleWebAuthn spellings', () => {
    const o = generateRegistrationOptions({
      rpName: 'Example',
      rpID: 'example.com',
      userName: 'alice',
      userID: new Uint8Array([1, 2, 3]),
      userDisplayName: 'Alice',
      challenge: new Uint8Array(16).fill(7),
      timeout: 120000,
      attestationType: 'enterprise',
      attestationFormats: ['packed'],
      excludeCredentials: [{ id: 'AQID', transports: ['usb', 'nfc'] }, { id: new Uint8Array([4]) }],
      authenticatorSelection: {
        residentKey: 'required',
        userVerification: 'preferred',
        authenticatorAttachment: 'cross-platform',
      },
      hints: ['security-key'],
      supportedAlgorithmIDs: [-7, -8],
      extensions: {
        credProps: true,
        credProtect: { policy: 3, enforce: true },
        largeBlob: { support: 'required' },
        prf: { eval: { first: new Uint8Array(32) } },
        minPinLength: true,
      },
    });
    expect(o).toEqual({
      rp: { name: 'Example', id: 'example.com' },
      user: { id: 'AQID', name: 'alice', displayName: 'Alice' },
      challenge: base64url.encode(new Uint8Array(16).fill(7)),
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -8 },
      ],
      timeout: 120000,
      excludeCredentials: [
        { id: 'AQID', type: 'public-key', transports: ['usb', 'nfc'] },
        { id: 'BA', type: 'public-key' },
      ],
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'preferred',
        authenticatorAttachment: 'cross-platform',
      },
      attestation: 'enterprise',
      hints: ['security-key'],
      attestationFormats: ['packed'],
      extensions: {
        credProps: true,
        credentialProtectionPolicy: 'userVerificationRequired',
        enforceCredentialProtectionPolicy: true,
        largeBlob: { support: 'required' },
        prf: { eval: { first: base64url.encode(new Uint8Array(32)) } },
        minPinLength: true,
      },
    });
    // a string user ID / challenge is taken as UTF-8
    const s = generateRegistrationOptions({
      rpName: 'x',
      rpID: 'example.com',
      user: { name: 'a', id: 'user-1' },
      challenge: 'a-challenge-string-of-some-length',
    });
    expect(s.user.id).toBe(base64url.encode(new TextEncoder().encode('user-1')));
    expect(s.challenge).toBe(base64url.encode(new TextEncoder().encode('a-challenge-string-of-some-length')));
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
  });

  it('rejects programming mistakes with a TypeError naming the argument', () => {
    const base = { rpName: 'x', rpID: 'example.com', user: { name: 'a' } };
    const bad: [unknown, RegExp][] = [
      [{ ...base, rpID: '' }, /"rpID"/],
      [{ ...base, user: { name: 42 } }, /"user.name"/],
      [{ ...base, user: { name: 'a', id: new Uint8Array(65) } }, /"user.id" expected 1 to 64 bytes/],
      [{ ...base, challenge: new Uint8Array(8) }, /"challenge" expected at least 16 bytes/],
      [{ ...base, attestation: 'always' }, /"attestation" expected one of/],
      [{ ...base, supportedAlgorithmIDs: [] }, /"supportedAlgorithmIDs"/],
      [{ ...base, supportedAlgorithmIDs: [12345] }, /12345/],
      [{ ...base, hints: ['phone'] }, /"hints\[0\]"/],
      [{ ...base, excludeCredentials: [{ id: '***' }] }, /"excludeCredentials\[0\].id"/],
      [{ ...base, timeout: -1 }, /"timeout"/],
      [{ ...base, extensions: { credProtect: 7 } }, /credProtect/],
      [null, /"options"/],
    ];
    for (const [o, re] of bad) {
      expect(() => generateRegistrationOptions(o as never)).toThrow(TypeError);
      expect(() => generateRegistrationOptions(o as never)).toThrow(re);
    }
  });
});

describe('generateAuthenticationOptions', () => {
  it('makes usernameless options by default', () => {
    const o = generateAuthenticationOptions({ rpID: 'example.com' });
    expect(o).toEqual({
      challenge: o.challenge,
      timeout: 60000,
      rpId: 'example.com',
      userVerification: 'required',
    });
    expect(base64url.decode(o.challenge)).toHaveLength(32);
  });
  it('takes allowCredentials, hints and extensions', () => {
    const o = generateAuthenticationOptions({
      rpID: 'example.com',
      allowCredentials: [{ id: 'AQID', transports: ['usb'] }],
      userVerification: 'discouraged',
      hints: ['security-key', 'hybrid'],
      timeout: 30000,
      extensions: {
        largeBlob: { read: true },
        prf: { eval: { first: 'AAAA' } },
        appid: 'https://example.com/app-id.json',
      },
    });
    expect(o).toMatchObject({
      allowCredentials: [{ id: 'AQID', type: 'public-key', transports: ['usb'] }],
      userVerification: 'discouraged',
      hints: ['security-key', 'hybrid'],
      timeout: 30000,
      extensions: {
        largeBlob: { read: true },
        prf: { eval: { first: 'AAAA' } },
        appid: 'https://example.com/app-id.json',
      },
    });
    expect(() =>
      generateAuthenticationOptions({
        rpID: 'example.com',
        extensions: { largeBlob: { read: true, write: new Uint8Array(1) } },
      }),
    ).toThrow(TypeError);
  });
});

describe('buildRelatedOriginsDocument', () => {
  it('lists https origins once each', () => {
    expect(
      buildRelatedOriginsDocument([
        'https://example.co.uk',
        'https://EXAMPLE.de',
        'https://example.de',
        'https://a.example:8443',
      ]),
    ).toEqual({
      origins: ['https://example.co.uk', 'https://example.de', 'https://a.example:8443'],
    });
  });
  it('rejects anything that is not an https origin', () => {
    for (const o of [
      'http://example.com',
      'https://example.com/',
      'https://example.com/path',
      'example.com',
      '',
      42,
    ]) {
      expect(() => buildRelatedOriginsDocument([o as string])).toThrow(TypeError);
    }
  });
});
