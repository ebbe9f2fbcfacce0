import { type CborValue, encode } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallOptions,
  checkRpId,
  type PublicKeyCredentialCreationOptionsJSON,
  prfSalt,
  WebAuthnClient,
} from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import recorded from './vectors/recorded.json' with { type: 'json' };

const INFO20 = recorded.vectors[0]?.response as string;
const MC = recorded.vectors[3]?.response as string;
const creation: PublicKeyCredentialCreationOptionsJSON = {
  rp: { id: 'example.com', name: 'Example' },
  user: { id: 'dXNlcg', name: 'u', displayName: 'U' },
  challenge: 'AAECAw',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  authenticatorSelection: { userVerification: 'discouraged' },
  attestation: 'direct',
};

describe('checkRpId (WebAuthn §5.1.3 step 7–8)', () => {
  it.each([
    ['https://example.com', undefined, 'example.com'],
    ['https://login.example.com', 'example.com', 'example.com'],
    ['https://login.example.com:8443', 'login.example.com', 'login.example.com'],
    ['http://localhost:3000', undefined, 'localhost'],
    ['http://app.localhost', 'localhost', 'localhost'],
  ])('%s with %s → %s', (origin, rpId, expected) => {
    expect(checkRpId(origin, rpId)).toBe(expected);
  });
  it.each([
    ['https://example.com', 'other.com'],
    ['https://badexample.com', 'example.com'],
    ['http://example.com', undefined],
    ['https://192.168.1.1', '168.1.1'],
    ['https://192.168.1.1', '192.168.1.1'],
    ['https://[::1]', '[::1]'],
    ['https://127.0.0.1', undefined],
    ['https://example.com', 'example.com:443'],
    ['https://example.com', 'exa mple.com'],
    ['not a url', undefined],
    ['https://example.com/path', undefined],
  ])('%s with %s is SecurityError', (origin, rpId) => {
    expect(() => checkRpId(origin, rpId)).toThrow(
      expect.objectContaining({ code: 'ERR_SECURITY', domName: 'SecurityError' }),
    );
  });
});

// Public Suffix List (https://publicsuffix.org/list/public_suffix_list.dat, ICANN and PRIVATE
// sections): an RP ID that is a public suffix would let every site under it claim the others'
// credentials; browsers refuse it with SecurityError (Chromium: HostHasRegistryControlledDomain).
describe('checkRpId refuses public suffixes (issue 17)', () => {
  it.each([
    ['https://evil.co.uk', 'co.uk'], // ICANN, two labels
    ['https://someone.github.io', 'github.io'], // PRIVATE section
    ['https://app.appspot.com', 'appspot.com'], // PRIVATE section
    ['https://example.com', 'com'], // a TLD
    ['https://city.kawasaki.jp', 'kawasaki.jp'], // listed, with the *.kawasaki.jp wildcard
    ['https://github.io', undefined], // the host itself is a public suffix
    ['https://foo.invalidtld', 'invalidtld'], // an unknown TLD is a suffix by the default "*" rule
  ])('%s with %s is SecurityError ERR_PUBLIC_SUFFIX', (origin, rpId) => {
    expect(() => checkRpId(origin, rpId)).toThrow(
      expect.objectContaining({ code: 'ERR_PUBLIC_SUFFIX', domName: 'SecurityError' }),
    );
  });
  it.each([
    ['https://shop.example.co.uk', 'example.co.uk', 'example.co.uk'],
    ['https://someone.github.io', 'someone.github.io', 'someone.github.io'],
    ['https://a.someone.github.io', 'someone.github.io', 'someone.github.io'],
    ['https://login.example.com', undefined, 'login.example.com'],
    ['https://www.city.kawasaki.jp', 'city.kawasaki.jp', 'city.kawasaki.jp'], // the !city.kawasaki.jp exception
    ['http://localhost:8080', 'localhost', 'localhost'],
    ['http://app.localhost:8080', 'app.localhost', 'app.localhost'],
  ])('%s with %s → %s', (origin, rpId, expected) => {
    expect(checkRpId(origin, rpId)).toBe(expected);
  });
  it('a sibling under a public suffix is not a suffix of the origin', () => {
    expect(() => checkRpId('https://evil.github.io', 'someone.github.io')).toThrow(
      expect.objectContaining({ code: 'ERR_SECURITY', domName: 'SecurityError' }),
    );
  });
});

describe('checkRpId on arbitrary input (fast-check)', () => {
  it('returns a lower-case suffix of the host, or throws SecurityError with ERR_SECURITY / ERR_PUBLIC_SUFFIX', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.constantFrom('localhost', 'github.io', 'co.uk', '127.0.0.1', '[::1]'),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          host.map((h) => `https://${h}`),
          fc.webUrl(),
          fc.string(),
        ),
        fc.option(fc.oneof(host, fc.string()), { nil: undefined }),
        (origin, rpId) => {
          try {
            const id = checkRpId(origin, rpId);
            const h = new URL(origin).hostname;
            expect(id).toBe(id.toLowerCase());
            expect(h === id || h.endsWith(`.${id}`)).toBe(true);
          } catch (e) {
            expect(e).toMatchObject({ domName: 'SecurityError' });
            expect(['ERR_SECURITY', 'ERR_PUBLIC_SUFFIX']).toContain((e as { code: string }).code);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('WebAuthnClient on scripted keys', () => {
  it('among several CTAP 2.0 keys, picks the one touched with the dummy makeCredential and cancels the other', async () => {
    let cancelled = false;
    const waiting = new ScriptedDevice(
      INFO20,
      (_req: Uint8Array, options?: CallOptions) =>
        new Promise<Uint8Array>((resolve) => {
          options?.onKeepalive?.('user-presence-needed');
          options?.signal?.addEventListener('abort', () => {
            cancelled = true;
            resolve(new Uint8Array([0x2d]));
          });
        }),
    );
    const touched = new ScriptedDevice(INFO20, '35', MC);
    const presence: number[] = [];
    const client = new WebAuthnClient({
      devices: [waiting, touched],
      origin: 'https://example.com',
      onUserPresence: () => presence.push(1),
    });
    const reg = await client.create(creation);
    expect(reg.id).toBe(
      '_jqsA20UweHGVRi2mN0dqPWWvDPhEHKBNGbGvzhFaRUJuA-3bVkwm4054Kk0UmiPbKOjmnbz_FJ0T7c5SLFXgw',
    );
    expect(cancelled).toBe(true);
    expect(presence.length).toBeGreaterThan(0);
    // the dummy request: rp ".dummy", empty pinUvAuthParam, protocol 1
    expect(touched.requests[1]?.[0]).toBe(1);
    // a recorded packed attestation passes through when attestation is "direct"
    expect(reg.response.transports).toEqual(['usb']);
    expect(reg.authenticatorAttachment).toBe('cross-platform');
  });
  it('maps statuses to the errors a browser raises', async () => {
    const cases: [string, string, string][] = [
      ['19', 'ERR_INVALID_STATE', 'InvalidStateError'],
      ['27', 'ERR_NOT_ALLOWED', 'NotAllowedError'],
      ['26', 'ERR_NOT_SUPPORTED', 'NotSupportedError'],
      ['28', 'ERR_CONSTRAINT', 'ConstraintError'],
    ];
    for (const [status, code, domName] of cases) {
      const client = new WebAuthnClient({
        device: new ScriptedDevice(INFO20, status),
        origin: 'https://example.com',
      });
      await expect(client.create(creation)).rejects.toMatchObject({ code, domName });
    }
  });
  it('a malformed answer keeps its code under NotAllowedError', async () => {
    const client = new WebAuthnClient({
      device: new ScriptedDevice(INFO20, '00a0'),
      origin: 'https://example.com',
    });
    await expect(client.create(creation)).rejects.toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      domName: 'NotAllowedError',
    });
  });
  it('a timeout from the options is NotAllowedError with ERR_TIMEOUT', async () => {
    const slow = new ScriptedDevice(
      INFO20,
      (_r: Uint8Array, o?: CallOptions) =>
        new Promise<Uint8Array>((resolve) =>
          o?.signal?.addEventListener('abort', () => resolve(new Uint8Array([0x2d]))),
        ),
    );
    const client = new WebAuthnClient({ device: slow, origin: 'https://example.com' });
    await expect(client.create({ ...creation, timeout: 20 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
      domName: 'NotAllowedError',
    });
  });
  it('residentKey required on a key without rk is ConstraintError; bad base64url is TypeError', async () => {
    const noRk = new Map<CborValue, CborValue>([
      [1, ['FIDO_2_0']],
      [3, new Uint8Array(16)],
      [4, new Map([['rk', false]])],
    ]);
    const client = new WebAuthnClient({
      device: new ScriptedDevice(new Uint8Array([0, ...encode(noRk)])),
      origin: 'https://example.com',
    });
    await expect(
      client.create({
        ...creation,
        authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_CONSTRAINT', domName: 'ConstraintError' });
    await expect(client.create({ ...creation, challenge: '***' })).rejects.toMatchObject({
      domName: 'TypeError',
    });
  });
  it('prf salts: SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input)', async () => {
    const { createHash } = await import('node:crypto');
    const input = new Uint8Array([1, 2, 3]);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('WebAuthn PRF'), Buffer.from([0]), input]))
      .digest();
    expect(prfSalt(input)).toEqual(new Uint8Array(expected));
  });
});
