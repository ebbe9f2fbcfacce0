import { parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { gaParams, makeAuthenticator, mcParams, send } from './helpers.js';

async function register(device: Parameters<typeof send>[0], args: Parameters<typeof mcParams>[0] = {}) {
  const r = await send(device, 0x01, mcParams(args));
  expect(r.name).toBe('CTAP2_OK');
  return parseAuthenticatorData(r.body!.get(2) as Uint8Array).attestedCredentialData!.credentialId;
}

describe('getAssertion', () => {
  it('returns several accounts on one key newest first, the rest through getNextAssertion', async () => {
    const { device } = makeAuthenticator();
    await register(device, { rk: true, userId: Uint8Array.of(1), userName: 'alice' });
    await register(device, { rk: true, userId: Uint8Array.of(2), userName: 'bob' });
    await register(device, { rk: true, userId: Uint8Array.of(3), userName: 'carol' });
    await register(device, { rk: true, rpId: 'other.example', userId: Uint8Array.of(4) });
    const first = await send(device, 0x02, gaParams());
    expect(first.name).toBe('CTAP2_OK');
    expect(first.body!.get(5)).toBe(3);
    const ids = [first];
    ids.push(await send(device, 0x08));
    ids.push(await send(device, 0x08));
    const users = ids.map((r) => (r.body!.get(4) as Map<string, Uint8Array>).get('id')![0]);
    expect(users).toEqual([3, 2, 1]);
    expect(ids[1]!.body!.has(5)).toBe(false);
    // no name without user verification
    expect((first.body!.get(4) as Map<string, unknown>).has('name')).toBe(false);
    expect((await send(device, 0x08)).name).toBe('CTAP2_ERR_NOT_ALLOWED');
  });

  it('getNextAssertion is not allowed after another command or after 30 s', async () => {
    let now = 1_000_000;
    const { device } = makeAuthenticator({ now: () => now });
    await register(device, { rk: true, userId: Uint8Array.of(1) });
    await register(device, { rk: true, userId: Uint8Array.of(2) });
    await register(device, { rk: true, userId: Uint8Array.of(3) });
    expect((await send(device, 0x02, gaParams())).body!.get(5)).toBe(3);
    await send(device, 0x04);
    expect((await send(device, 0x08)).name).toBe('CTAP2_ERR_NOT_ALLOWED');
    await send(device, 0x02, gaParams());
    now += 29_000;
    expect((await send(device, 0x08)).name).toBe('CTAP2_OK');
    now += 31_000;
    expect((await send(device, 0x08)).name).toBe('CTAP2_ERR_NOT_ALLOWED');
  });

  it('with an allowList returns one credential and no numberOfCredentials', async () => {
    const { device } = makeAuthenticator();
    const a = await register(device, { rk: true, userId: Uint8Array.of(1) });
    const b = await register(device);
    const r = await send(device, 0x02, gaParams({ allowList: [Uint8Array.of(9, 9, 9), b, a] }));
    expect(r.name).toBe('CTAP2_OK');
    expect((r.body!.get(1) as Map<string, Uint8Array>).get('id')).toEqual(b);
    expect(r.body!.has(5)).toBe(false);
    expect(r.body!.has(4)).toBe(false); // not discoverable: no user
    const ra = await send(device, 0x02, gaParams({ allowList: [a] }));
    expect((ra.body!.get(4) as Map<string, Uint8Array>).get('id')).toEqual(Uint8Array.of(1));
  });

  it('answers CTAP2_ERR_NO_CREDENTIALS for unknown, other-RP and tampered credential IDs', async () => {
    const { device } = makeAuthenticator();
    expect((await send(device, 0x02, gaParams())).name).toBe('CTAP2_ERR_NO_CREDENTIALS');
    const id = await register(device);
    expect((await send(device, 0x02, gaParams({ rpId: 'evil.example', allowList: [id] }))).name).toBe(
      'CTAP2_ERR_NO_CREDENTIALS',
    );
    for (let i = 0; i < id.length; i += 7) {
      const t = id.slice();
      t[i] = (t[i] as number) ^ 0x01;
      expect((await send(device, 0x02, gaParams({ allowList: [t] }))).name).toBe('CTAP2_ERR_NO_CREDENTIALS');
    }
    const other = makeAuthenticator();
    expect((await send(other.device, 0x02, gaParams({ allowList: [id] }))).name).toBe(
      'CTAP2_ERR_NO_CREDENTIALS',
    );
  });

  it('keeps a signature counter per credential', async () => {
    const { device, authenticator } = makeAuthenticator();
    const a = await register(device);
    const b = await register(device);
    const count = async (id: Uint8Array) =>
      parseAuthenticatorData(
        (await send(device, 0x02, gaParams({ allowList: [id] }))).body!.get(2) as Uint8Array,
      ).signCount;
    expect(await count(a)).toBe(1);
    expect(await count(a)).toBe(2);
    expect(await count(b)).toBe(1);
    expect(await count(a)).toBe(3);
    expect(authenticator.signCount(b)).toBe(1);
  });

  it('silent assertions (up=false) carry no UP flag and ask nobody', async () => {
    const { device, authenticator } = makeAuthenticator();
    const id = await register(device);
    authenticator.presence = 'deny';
    const r = await send(device, 0x02, gaParams({ allowList: [id], up: false }));
    expect(r.name).toBe('CTAP2_OK');
    expect(parseAuthenticatorData(r.body!.get(2) as Uint8Array).flags.up).toBe(false);
  });

  it('refuses the rk option and uv without a built-in method', async () => {
    const { device } = makeAuthenticator();
    const p = gaParams();
    p.set(5, new Map([['rk', true]]));
    expect((await send(device, 0x02, p)).name).toBe('CTAP2_ERR_UNSUPPORTED_OPTION');
    expect((await send(device, 0x02, gaParams({ uv: true }))).name).toBe('CTAP2_ERR_INVALID_OPTION');
  });
});

describe('makeCredential rules', () => {
  it('answers CTAP2_ERR_CREDENTIAL_EXCLUDED after a touch for an excluded credential', async () => {
    const { device, authenticator } = makeAuthenticator();
    const id = await register(device);
    const asked: string[] = [];
    authenticator.presence = (r) => {
      asked.push(r.command);
      return true;
    };
    expect((await send(device, 0x01, mcParams({ excludeList: [id] }))).name).toBe(
      'CTAP2_ERR_CREDENTIAL_EXCLUDED',
    );
    expect(asked).toEqual(['makeCredential']);
    // excluding a credential of another RP excludes nothing
    expect((await send(device, 0x01, mcParams({ rpId: 'other.example', excludeList: [id] }))).name).toBe(
      'CTAP2_OK',
    );
  });

  it('refuses a credential ID sealed before authenticatorReset, even one it has just opened', async () => {
    // the authenticator remembers the IDs it made or opened lately (opening costs an AES-GCM
    // decryption): that memory must not outlive the secret the IDs were sealed with
    const { device } = makeAuthenticator();
    const id = await register(device);
    expect((await send(device, 0x02, gaParams({ allowList: [id] }))).name).toBe('CTAP2_OK');
    expect((await send(device, 0x07)).name).toBe('CTAP2_OK');
    expect((await send(device, 0x02, gaParams({ allowList: [id] }))).name).toBe('CTAP2_ERR_NO_CREDENTIALS');
  });

  it('overwrites the discoverable credential of the same user and fills up to capacity', async () => {
    const { device, authenticator } = makeAuthenticator({ residentKeyCapacity: 2 });
    const first = await register(device, { rk: true, userId: Uint8Array.of(1) });
    await register(device, { rk: true, userId: Uint8Array.of(1) });
    expect(authenticator.credentials).toHaveLength(1);
    expect((await send(device, 0x02, gaParams({ allowList: [first] }))).name).toBe(
      'CTAP2_ERR_NO_CREDENTIALS',
    );
    await register(device, { rk: true, userId: Uint8Array.of(2) });
    expect(authenticator.getInfo().remainingDiscoverableCredentials).toBe(0);
    const full = await send(device, 0x01, mcParams({ rk: true, userId: Uint8Array.of(3) }));
    expect(full.name).toBe('CTAP2_ERR_KEY_STORE_FULL');
    expect(authenticator.credentials).toHaveLength(2);
    // non-discoverable credentials need no room
    expect((await send(device, 0x01, mcParams())).name).toBe('CTAP2_OK');
  });

  it('checks algorithms and options', async () => {
    const { device } = makeAuthenticator();
    expect((await send(device, 0x01, mcParams({ algs: [-257, -35] }))).name).toBe(
      'CTAP2_ERR_UNSUPPORTED_ALGORITHM',
    );
    expect((await send(device, 0x01, mcParams({ algs: [] }))).name).toBe('CTAP2_ERR_UNSUPPORTED_ALGORITHM');
    const ed = await send(device, 0x01, mcParams({ algs: [-257, -8, -7] }));
    expect(ed.name).toBe('CTAP2_OK');
    expect(
      parseAuthenticatorData(ed.body!.get(2) as Uint8Array).attestedCredentialData!.credentialPublicKey[0],
    ).toBe(0xa4);
    expect((await send(device, 0x01, mcParams({ up: false }))).name).toBe('CTAP2_ERR_INVALID_OPTION');
    expect((await send(device, 0x01, mcParams({ uv: true }))).name).toBe('CTAP2_ERR_INVALID_OPTION');
    const p = mcParams();
    p.set(10, 1);
    expect((await send(device, 0x01, p)).name).toBe('CTAP1_ERR_INVALID_PARAMETER');
  });

  it('EdDSA credentials assert', async () => {
    const { device } = makeAuthenticator({ algorithms: [-8] });
    const id = await register(device, { algs: [-7, -8] });
    const r = await send(device, 0x02, gaParams({ allowList: [id] }));
    expect(r.name).toBe('CTAP2_OK');
    expect((r.body!.get(3) as Uint8Array).length).toBe(64);
  });
});
