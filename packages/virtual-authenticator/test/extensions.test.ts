import { type CborValue, decode, parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { CDH, gaParams, keyAgreement, m, makeAuthenticator, mcParams, send, uvToken } from './helpers.js';

type Device = Parameters<typeof send>[0];

function extensionsOf(authData: Uint8Array): Map<string, CborValue> {
  const parsed = parseAuthenticatorData(authData);
  return (parsed.extensions ?? new Map()) as Map<string, CborValue>;
}

async function register(device: Device, args: Parameters<typeof mcParams>[0]) {
  const r = await send(device, 0x01, mcParams(args));
  expect(r.name).toBe('CTAP2_OK');
  const authData = r.body!.get(2) as Uint8Array;
  return { reply: r, id: parseAuthenticatorData(authData).attestedCredentialData!.credentialId, authData };
}

describe('getInfo lists the extensions', () => {
  it('all by default, none when disabled', () => {
    expect(makeAuthenticator().authenticator.getInfo().extensions).toEqual([
      'credProtect',
      'hmac-secret',
      'hmac-secret-mc',
      'credBlob',
      'largeBlobKey',
      'minPinLength',
      'thirdPartyPayment',
    ]);
    expect(makeAuthenticator({ extensions: [] }).authenticator.getInfo().extensions).toEqual([]);
  });
});

describe('credProtect', () => {
  it('reports the level and enforces it', async () => {
    const { device } = makeAuthenticator({ fingerprints: 1 });
    const levels = [];
    for (const level of [1, 2, 3]) {
      const r = await register(device, {
        rk: true,
        uv: true,
        userId: Uint8Array.of(level),
        extensions: m([['credProtect', level]]),
      });
      expect(extensionsOf(r.authData).get('credProtect')).toBe(level);
      levels.push(r.id);
    }
    // without UV: only level 1 is discoverable; level 2 with its ID; level 3 never
    const d = await send(device, 0x02, gaParams());
    expect(d.body!.has(5)).toBe(false);
    expect((d.body!.get(4) as Map<string, Uint8Array>).get('id')).toEqual(Uint8Array.of(1));
    expect((await send(device, 0x02, gaParams({ allowList: [levels[1]!] }))).name).toBe('CTAP2_OK');
    expect((await send(device, 0x02, gaParams({ allowList: [levels[2]!] }))).name).toBe(
      'CTAP2_ERR_NO_CREDENTIALS',
    );
    // with UV, all three
    expect((await send(device, 0x02, gaParams({ uv: true }))).body!.get(5)).toBe(3);
    // a level-3 credential does not exclude without UV
    expect((await send(device, 0x01, mcParams({ excludeList: [levels[2]!] }))).name).toBe('CTAP2_OK');
    expect((await send(device, 0x01, mcParams({ uv: true, excludeList: [levels[2]!] }))).name).toBe(
      'CTAP2_ERR_CREDENTIAL_EXCLUDED',
    );
  });

  it('refuses bad levels', async () => {
    const { device } = makeAuthenticator();
    expect((await send(device, 0x01, mcParams({ extensions: m([['credProtect', 4]]) }))).name).toBe(
      'CTAP1_ERR_INVALID_PARAMETER',
    );
    expect((await send(device, 0x01, mcParams({ extensions: m([['credProtect', 'x']]) }))).name).toBe(
      'CTAP2_ERR_CBOR_UNEXPECTED_TYPE',
    );
  });
});

async function hmacInput(device: Device, salts: Uint8Array, version: 1 | 2 = 2) {
  const { proto, ka, shared } = await keyAgreement(device, version);
  const saltEnc = proto.encrypt(shared, salts);
  const input = m([
    [1, ka],
    [2, saltEnc],
    [3, proto.authenticate(shared, saltEnc)],
    [4, version],
  ]);
  return { input, open: (out: Uint8Array) => proto.decrypt(shared, out) };
}

describe('hmac-secret and hmac-secret-mc', () => {
  it('gives stable per-credential outputs, different with and without UV', async () => {
    const { device } = makeAuthenticator({ fingerprints: 1 });
    const salt1 = new Uint8Array(32).fill(1);
    const salt2 = new Uint8Array(32).fill(2);
    const mcIn = await hmacInput(device, salt1);
    const reg = await register(device, {
      extensions: m([
        ['hmac-secret', true],
        ['hmac-secret-mc', mcIn.input],
      ]),
    });
    const ext = extensionsOf(reg.authData);
    expect(ext.get('hmac-secret')).toBe(true);
    const atCreation = mcIn.open(ext.get('hmac-secret-mc') as Uint8Array);
    expect(atCreation).toHaveLength(32);

    const get = async (salts: Uint8Array, uv: boolean, version: 1 | 2 = 2) => {
      const h = await hmacInput(device, salts, version);
      const r = await send(
        device,
        0x02,
        gaParams({ allowList: [reg.id], uv, extensions: m([['hmac-secret', h.input]]) }),
      );
      expect(r.name).toBe('CTAP2_OK');
      return h.open(extensionsOf(r.body!.get(2) as Uint8Array).get('hmac-secret') as Uint8Array);
    };
    const a = await get(salt1, false);
    expect(a).toEqual(atCreation);
    expect(await get(salt1, false, 1)).toEqual(a);
    const both = await get(new Uint8Array([...salt1, ...salt2]), false);
    expect(both.subarray(0, 32)).toEqual(a);
    expect(both.subarray(32)).not.toEqual(a);
    expect(await get(salt1, true)).not.toEqual(a);
  });

  it('checks saltAuth and salt lengths', async () => {
    const { device } = makeAuthenticator();
    const reg = await register(device, { extensions: m([['hmac-secret', true]]) });
    const h = await hmacInput(device, new Uint8Array(32));
    h.input.set(3, new Uint8Array(32));
    expect(
      (await send(device, 0x02, gaParams({ allowList: [reg.id], extensions: m([['hmac-secret', h.input]]) })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    const short = await hmacInput(device, new Uint8Array(48));
    expect(
      (
        await send(
          device,
          0x02,
          gaParams({ allowList: [reg.id], extensions: m([['hmac-secret', short.input]]) }),
        )
      ).name,
    ).toBe('CTAP1_ERR_INVALID_LENGTH');
  });
});

describe('credBlob, largeBlobKey, minPinLength', () => {
  it('stores a credBlob and returns it', async () => {
    const { device, authenticator } = makeAuthenticator();
    expect(authenticator.getInfo().maxCredBlobLength).toBe(32);
    const blob = Uint8Array.of(1, 2, 3);
    const reg = await register(device, { rk: true, extensions: m([['credBlob', blob]]) });
    expect(extensionsOf(reg.authData).get('credBlob')).toBe(true);
    const r = await send(device, 0x02, gaParams({ extensions: m([['credBlob', true]]) }));
    expect(extensionsOf(r.body!.get(2) as Uint8Array).get('credBlob')).toEqual(blob);
    const big = await register(device, { extensions: m([['credBlob', new Uint8Array(33)]]) });
    expect(extensionsOf(big.authData).get('credBlob')).toBe(false);
  });

  it('largeBlobKey for discoverable credentials only', async () => {
    const { device } = makeAuthenticator();
    expect((await send(device, 0x01, mcParams({ extensions: m([['largeBlobKey', true]]) }))).name).toBe(
      'CTAP2_ERR_INVALID_OPTION',
    );
    const reg = await register(device, { rk: true, extensions: m([['largeBlobKey', true]]) });
    const key = reg.reply.body!.get(5) as Uint8Array;
    expect(key).toHaveLength(32);
    expect(extensionsOf(reg.authData).size).toBe(0);
    const r = await send(device, 0x02, gaParams({ extensions: m([['largeBlobKey', true]]) }));
    expect(r.body!.get(7)).toEqual(key);
  });

  it('minPinLength for listed RPs', async () => {
    const { device } = makeAuthenticator({ minPinLengthRpIds: ['example.com'], minPinLength: 6 });
    const r = await register(device, { extensions: m([['minPinLength', true]]) });
    expect(extensionsOf(r.authData).get('minPinLength')).toBe(6);
    const other = await register(device, { rpId: 'other.example', extensions: m([['minPinLength', true]]) });
    expect(extensionsOf(other.authData).has('minPinLength')).toBe(false);
  });

  it('ignores unknown and disabled extensions', async () => {
    const { device } = makeAuthenticator({ extensions: ['credProtect'] });
    const r = await register(device, {
      extensions: m([
        ['credBlob', Uint8Array.of(1)],
        ['unknown', 1],
      ]),
    });
    expect(parseAuthenticatorData(r.authData).flags.ed).toBe(false);
    expect(decode).toBeDefined();
    expect(CDH).toHaveLength(32);
    expect(uvToken).toBeDefined();
  });
});
