import { base64url } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_INVALID_MESSAGE,
  type VerifyAuthenticationResponseOpts,
  verifyAuthenticationResponse,
  WebAuthnVerificationError,
} from '../src/index.js';
import {
  type AssertInput,
  assertion,
  CHALLENGE,
  FLAGS,
  makeKey,
  ORIGIN,
  RP_ID,
  rejected,
  sha,
} from './soft-authenticator.js';

const key = makeKey(-7);
const credentialId = sha('credential-1');
const credential = { id: base64url.encode(credentialId), publicKey: key.cose, counter: 0 };

function opts(
  a: Partial<AssertInput> = {},
  o: Partial<VerifyAuthenticationResponseOpts> = {},
): VerifyAuthenticationResponseOpts {
  return {
    response: assertion({ key, credentialId, ...a }),
    expectedChallenge: CHALLENGE,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    ...o,
  };
}

async function code(
  a: Partial<AssertInput>,
  o: Partial<VerifyAuthenticationResponseOpts> = {},
): Promise<string | undefined> {
  const e = await rejected(verifyAuthenticationResponse(opts(a, o)));
  expect(e).toBeInstanceOf(WebAuthnVerificationError);
  return e.code;
}

describe('verifyAuthenticationResponse', () => {
  it('accepts a valid assertion and reports what it saw', async () => {
    const r = await verifyAuthenticationResponse(opts({ counter: 7 }));
    expect(r).toMatchObject({
      verified: true,
      credentialId: credential.id,
      userHandle: base64url.encode(new TextEncoder().encode('user-1')),
      newCounter: 7,
      userVerified: true,
      userPresent: true,
      backedUp: false,
      backupEligible: false,
      counterRegression: false,
      rpID: RP_ID,
      origin: ORIGIN,
    });
  });

  it('accepts every signature algorithm', async () => {
    for (const alg of [-7, -9, -35, -36, -8, -19, -257, -258, -259, -37, -38, -39]) {
      const k = makeKey(alg);
      const r = await verifyAuthenticationResponse({
        ...opts(),
        response: assertion({ key: k, credentialId }),
        credential: { ...credential, publicKey: k.cose },
      });
      expect(r.verified, `alg ${alg}`).toBe(true);
    }
  });

  it('accepts the response as a JSON string', async () => {
    const o = opts();
    await expect(
      verifyAuthenticationResponse({ ...o, response: JSON.stringify(o.response) }),
    ).resolves.toMatchObject({
      verified: true,
    });
  });

  describe('JSON shape', () => {
    it('rejects id ≠ rawId, a wrong type, bad base64url and missing members', async () => {
      const base = assertion({ key, credentialId });
      const cases: unknown[] = [
        { ...base, rawId: `${base.rawId}A` },
        { ...base, type: 'password' },
        { ...base, id: 'not base64url!', rawId: 'not base64url!' },
        { ...base, response: { ...base.response, signature: '***' } },
        { ...base, response: { ...base.response, authenticatorData: undefined } },
        { ...base, response: null },
        { ...base, clientExtensionResults: [] },
        null,
        42,
        '{not json',
      ];
      for (const response of cases) {
        const e = await rejected(verifyAuthenticationResponse({ ...opts(), response: response as never }));
        expect(e.code, JSON.stringify(response)?.slice(0, 80)).toBe('ERR_RESPONSE_MALFORMED');
      }
    });
  });

  it('rejects a response for another credential', async () => {
    expect(await code({ credentialId: sha('other') })).toBe('ERR_CREDENTIAL_ID_MISMATCH');
  });

  it("rejects a userHandle that is not the stored credential's user", async () => {
    expect(await code({}, { credential: { ...credential, userHandle: 'dXNlci0y' } })).toBe(
      'ERR_USER_HANDLE_MISMATCH',
    );
    await expect(
      verifyAuthenticationResponse(
        opts({}, { credential: { ...credential, userHandle: new TextEncoder().encode('user-1') } }),
      ),
    ).resolves.toBeTruthy();
  });

  it('rejects malformed client data', async () => {
    const base = assertion({ key, credentialId });
    const e = await rejected(
      verifyAuthenticationResponse({
        ...opts(),
        response: {
          ...base,
          response: { ...base.response, clientDataJSON: base64url.encode(new Uint8Array([0xff])) },
        },
      }),
    );
    expect(e.code).toBe('ERR_CLIENT_DATA_MALFORMED');
  });

  it('checks clientData.type', async () => {
    expect(await code({ clientData: { type: 'webauthn.create' } })).toBe('ERR_CLIENT_DATA_TYPE_MISMATCH');
  });

  describe('challenge', () => {
    it('rejects another challenge, accepts bytes and predicates', async () => {
      expect(await code({ challenge: base64url.encode(sha('other')) })).toBe('ERR_CHALLENGE_MISMATCH');
      expect(await code({ challenge: 'not base64url!' })).toBe('ERR_CHALLENGE_MISMATCH');
      expect(await code({}, { expectedChallenge: () => false })).toBe('ERR_CHALLENGE_MISMATCH');
      expect(await code({}, { expectedChallenge: async () => false })).toBe('ERR_CHALLENGE_MISMATCH');
      await expect(
        verifyAuthenticationResponse(opts({}, { expectedChallenge: base64url.decode(CHALLENGE) })),
      ).resolves.toBeTruthy();
      await expect(
        verifyAuthenticationResponse(opts({}, { expectedChallenge: async (c) => c === CHALLENGE })),
      ).resolves.toBeTruthy();
    });
  });

  describe('origin', () => {
    it('matches exactly, in lists and by predicate', async () => {
      expect(await code({ clientData: { origin: 'https://evil.example' } })).toBe('ERR_ORIGIN_MISMATCH');
      expect(await code({ clientData: { origin: 'https://example.com:8443' } })).toBe('ERR_ORIGIN_MISMATCH');
      expect(await code({ clientData: { origin: 'http://example.com' } })).toBe('ERR_ORIGIN_MISMATCH');
      expect(await code({ clientData: { origin: 'https://example.com/' } })).toBe('ERR_ORIGIN_MISMATCH');
      await expect(
        verifyAuthenticationResponse(opts({}, { expectedOrigin: ['https://a.example', ORIGIN] })),
      ).resolves.toBeTruthy();
      await expect(
        verifyAuthenticationResponse(opts({}, { expectedOrigin: (o) => o === ORIGIN })),
      ).resolves.toBeTruthy();
    });

    it('accepts Android apk-key-hash origins listed exactly', async () => {
      const android = 'android:apk-key-hash:Rgj1lOgMzZ5UUQ2ixaVPxwlQ_y0i0bcHr8vYIPcqx9w';
      await expect(
        verifyAuthenticationResponse(
          opts({ clientData: { origin: android } }, { expectedOrigin: [ORIGIN, android] }),
        ),
      ).resolves.toMatchObject({ origin: android });
      expect(
        await code(
          { clientData: { origin: `${android}x` } },
          { expectedOrigin: [ORIGIN, android], allowSubdomains: true },
        ),
      ).toBe('ERR_ORIGIN_MISMATCH');
    });

    it('accepts subdomains only when allowed, and only on a dot boundary', async () => {
      const sub = { clientData: { origin: 'https://login.example.com' } };
      expect(await code(sub)).toBe('ERR_ORIGIN_MISMATCH');
      await expect(verifyAuthenticationResponse(opts(sub, { allowSubdomains: true }))).resolves.toBeTruthy();
      for (const origin of [
        'https://evilexample.com',
        'https://example.com.evil.com',
        'http://login.example.com',
        'https://login.example.com:444',
        'https://.example.com',
      ]) {
        expect(await code({ clientData: { origin } }, { allowSubdomains: true }), origin).toBe(
          'ERR_ORIGIN_MISMATCH',
        );
      }
    });
  });

  describe('crossOrigin and topOrigin', () => {
    it('rejects cross-origin responses unless allowed', async () => {
      expect(await code({ clientData: { crossOrigin: true } })).toBe('ERR_CROSS_ORIGIN_NOT_ALLOWED');
      expect(await code({ clientData: { crossOrigin: false, topOrigin: 'https://top.example' } })).toBe(
        'ERR_CROSS_ORIGIN_NOT_ALLOWED',
      );
      await expect(
        verifyAuthenticationResponse(opts({ clientData: { crossOrigin: true } }, { allowCrossOrigin: true })),
      ).resolves.toBeTruthy();
      await expect(
        verifyAuthenticationResponse(opts({ clientData: { crossOrigin: false } })),
      ).resolves.toBeTruthy();
    });
    it('checks topOrigin against the expected list', async () => {
      const cd = { clientData: { crossOrigin: true, topOrigin: 'https://shop.example' } };
      expect(await code(cd, { allowCrossOrigin: true, expectedTopOrigin: ['https://other.example'] })).toBe(
        'ERR_TOP_ORIGIN_MISMATCH',
      );
      await expect(
        verifyAuthenticationResponse(
          opts(cd, { allowCrossOrigin: true, expectedTopOrigin: ['https://shop.example'] }),
        ),
      ).resolves.toBeTruthy();
    });
  });

  describe('authenticator data', () => {
    it('checks rpIdHash against each expected RP ID', async () => {
      expect(await code({ rpId: 'evil.example' })).toBe('ERR_RPID_MISMATCH');
      await expect(
        verifyAuthenticationResponse(
          opts({ rpId: 'example.org' }, { expectedRPID: ['example.com', 'example.org'] }),
        ),
      ).resolves.toMatchObject({ rpID: 'example.org' });
    });
    it('requires UP, and UV by default', async () => {
      expect(await code({ flags: FLAGS.UV })).toBe('ERR_USER_PRESENCE_REQUIRED');
      expect(await code({ flags: FLAGS.UP })).toBe('ERR_USER_VERIFICATION_REQUIRED');
      await expect(
        verifyAuthenticationResponse(opts({ flags: FLAGS.UP }, { requireUserVerification: false })),
      ).resolves.toMatchObject({ userVerified: false });
    });
    it('rejects BS without BE', async () => {
      expect(await code({ flags: FLAGS.UP | FLAGS.UV | FLAGS.BS })).toBe('ERR_BACKUP_STATE_INVALID');
    });
    it('handles a change of backup eligibility by policy', async () => {
      const a = { flags: FLAGS.UP | FLAGS.UV | FLAGS.BE };
      const c = { credential: { ...credential, backupEligible: false } };
      expect(await code(a, c)).toBe('ERR_BACKUP_ELIGIBILITY_CHANGED');
      await expect(
        verifyAuthenticationResponse(opts(a, { ...c, backupEligibilityPolicy: 'flag' })),
      ).resolves.toMatchObject({ backupEligibilityChanged: true });
      await expect(
        verifyAuthenticationResponse(opts(a, { ...c, backupEligibilityPolicy: 'ignore' })),
      ).resolves.toMatchObject({ backupEligibilityChanged: false });
    });
    it('rejects attested credential data and trailing bytes', async () => {
      expect(await code({ attested: { aaguid: new Uint8Array(16), credentialId, cose: key.cose } })).toBe(
        'ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED',
      );
      expect(await code({ trailing: new Uint8Array([0]) })).toBe('ERR_AUTHENTICATOR_DATA_TRAILING_BYTES');
      expect(await code({ flags: FLAGS.UP | FLAGS.UV | FLAGS.ED })).toBe('ERR_AUTHDATA_MALFORMED');
      const base = assertion({ key, credentialId });
      const e = await rejected(
        verifyAuthenticationResponse({
          ...opts(),
          response: {
            ...base,
            response: { ...base.response, authenticatorData: base64url.encode(new Uint8Array(36)) },
          },
        }),
      );
      expect(e.code).toBe('ERR_AUTHDATA_MALFORMED');
    });
  });

  describe('algorithm', () => {
    it('rejects a stored key whose algorithm is not allowed, counting ESP256 as ES256', async () => {
      expect(await code({}, { supportedAlgorithmIDs: [-8] })).toBe('ERR_ALGORITHM_NOT_ALLOWED');
      await expect(
        verifyAuthenticationResponse(opts({}, { supportedAlgorithmIDs: [-9] })),
      ).resolves.toBeTruthy();
      const esp = makeKey(-9);
      await expect(
        verifyAuthenticationResponse({
          ...opts({}, { supportedAlgorithmIDs: [-7] }),
          response: assertion({ key: esp, credentialId }),
          credential: { ...credential, publicKey: esp.cose },
        }),
      ).resolves.toBeTruthy();
    });
    it('rejects RS1 unless asked for', async () => {
      const rs1 = makeKey(-65535);
      const o = {
        ...opts(),
        response: assertion({ key: rs1, credentialId }),
        credential: { ...credential, publicKey: rs1.cose },
      };
      expect((await rejected(verifyAuthenticationResponse(o))).code).toBe('ERR_ALGORITHM_NOT_ALLOWED');
      await expect(
        verifyAuthenticationResponse({ ...o, supportedAlgorithmIDs: [-257, -65535] }),
      ).resolves.toBeTruthy();
    });
  });

  describe('signature', () => {
    it('rejects a bad signature with a fixed message', async () => {
      const e = await rejected(verifyAuthenticationResponse(opts({ breakSignature: true })));
      expect(e.code).toBe('ERR_SIGNATURE_INVALID');
      expect(e.message).toBe(SIGNATURE_INVALID_MESSAGE);
    });
    it('rejects a signature by another key', async () => {
      expect(await code({ key: makeKey(-7) })).toBe('ERR_SIGNATURE_INVALID');
    });
    it('rejects an unusable stored key', async () => {
      expect(await code({}, { credential: { ...credential, publicKey: new Uint8Array([0xa0]) } })).toBe(
        'ERR_CREDENTIAL_KEY_INVALID',
      );
    });
  });

  describe('counter', () => {
    it('rejects a regression for a single-device key, flags it for a synced one', async () => {
      const stored = { credential: { ...credential, counter: 10 } };
      expect(await code({ counter: 10 }, stored)).toBe('ERR_COUNTER_REGRESSION');
      expect(await code({ counter: 3 }, stored)).toBe('ERR_COUNTER_REGRESSION');
      expect(await code({ counter: 0 }, stored)).toBe('ERR_COUNTER_REGRESSION');
      await expect(verifyAuthenticationResponse(opts({ counter: 11 }, stored))).resolves.toMatchObject({
        newCounter: 11,
        counterRegression: false,
      });
      await expect(
        verifyAuthenticationResponse(
          opts(
            { counter: 3, flags: FLAGS.UP | FLAGS.UV | FLAGS.BE },
            { credential: { ...credential, counter: 10, backupEligible: true } },
          ),
        ),
      ).resolves.toMatchObject({ counterRegression: true, newCounter: 3 });
      await expect(
        verifyAuthenticationResponse(opts({ counter: 3 }, { ...stored, counterPolicy: 'flag' })),
      ).resolves.toMatchObject({
        counterRegression: true,
      });
      await expect(
        verifyAuthenticationResponse(opts({ counter: 3 }, { ...stored, counterPolicy: 'ignore' })),
      ).resolves.toMatchObject({
        counterRegression: false,
      });
    });
    it('treats two zero counters as no counter', async () => {
      await expect(verifyAuthenticationResponse(opts({ counter: 0 }))).resolves.toMatchObject({
        counterRegression: false,
      });
      expect(await code({ counter: 0 }, { counterPolicy: 'reject' }).catch(() => 'ok')).toBe('ok');
    });
  });

  describe('extensions', () => {
    it('checks output shapes and unsolicited outputs, tolerating credProtect', async () => {
      const hmac = new Map([['hmac-secret', new Uint8Array(32)]]);
      await expect(verifyAuthenticationResponse(opts({ extensions: hmac }))).resolves.toMatchObject({
        authenticatorExtensionResults: { 'hmac-secret': new Uint8Array(32) },
      });
      expect(await code({ extensions: hmac }, { expectedExtensions: [] })).toBe('ERR_EXTENSION_UNEXPECTED');
      await expect(
        verifyAuthenticationResponse(opts({ extensions: hmac }, { expectedExtensions: { prf: {} } })),
      ).resolves.toBeTruthy();
      await expect(
        verifyAuthenticationResponse(
          opts({ extensions: new Map([['credProtect', 2]]) }, { expectedExtensions: [] }),
        ),
      ).resolves.toBeTruthy();
      expect(await code({ extensions: new Map([['hmac-secret', true]]) })).toBe(
        'ERR_EXTENSION_OUTPUT_INVALID',
      );
      expect(await code({ clientExtensionResults: { prf: { results: { first: 42 } } } })).toBe(
        'ERR_EXTENSION_OUTPUT_INVALID',
      );
      expect(await code({ clientExtensionResults: { largeBlob: { blob: '***' } } })).toBe(
        'ERR_EXTENSION_OUTPUT_INVALID',
      );
    });
  });

  it('reports checks in the spec order (challenge before origin before rpIdHash before signature)', async () => {
    expect(
      await code({
        challenge: base64url.encode(sha('x')),
        clientData: { origin: 'https://evil' },
        rpId: 'evil',
        breakSignature: true,
      }),
    ).toBe('ERR_CHALLENGE_MISMATCH');
    expect(await code({ clientData: { origin: 'https://evil' }, rpId: 'evil', breakSignature: true })).toBe(
      'ERR_ORIGIN_MISMATCH',
    );
    expect(await code({ rpId: 'evil', flags: 0, breakSignature: true })).toBe('ERR_RPID_MISMATCH');
    expect(await code({ flags: 0, breakSignature: true })).toBe('ERR_USER_PRESENCE_REQUIRED');
  });

  it('throws InvalidArgumentError for programming mistakes', async () => {
    await expect(verifyAuthenticationResponse(null as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      verifyAuthenticationResponse({ ...opts(), credential: { ...credential, counter: -1 } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(
      verifyAuthenticationResponse({ ...opts(), credential: { ...credential, publicKey: 42 as never } }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
