import { parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  CDH,
  changePin,
  gaParams,
  keyAgreement,
  m,
  makeAuthenticator,
  mcParams,
  pinToken,
  send,
  setPin,
  uvToken,
} from './helpers.js';

const retries = async (device: Parameters<typeof send>[0]) =>
  (
    await send(
      device,
      0x06,
      m([
        [1, 2],
        [2, 1],
      ]),
    )
  ).body!;

describe('setPIN, changePIN, retries', () => {
  for (const version of [1, 2] as const) {
    it(`sets and changes a PIN with protocol ${version}`, async () => {
      const { device, authenticator } = makeAuthenticator();
      expect((await setPin(device, '1234', version)).name).toBe('CTAP2_OK');
      expect(authenticator.getInfo().options.clientPin).toBe(true);
      expect((await setPin(device, '5678', version)).name).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
      expect((await changePin(device, '1234', '98765', version)).name).toBe('CTAP2_OK');
      expect((await pinToken(device, '98765', { version })).reply.name).toBe('CTAP2_OK');
      expect((await pinToken(device, '98765', { version, legacy: true })).reply.name).toBe('CTAP2_OK');
    });
  }

  it('enforces the PIN policy', async () => {
    const { device } = makeAuthenticator({ minPinLength: 6 });
    expect((await setPin(device, '12345')).name).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect((await setPin(device, 'x'.repeat(64))).name).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect((await setPin(device, '€€€€€€')).name).toBe('CTAP2_OK');
  });

  it('wrong PINs decrement retries; three in a row block until a power cycle; 0 blocks the PIN', async () => {
    const { device, authenticator } = makeAuthenticator({ pin: '1234' });
    expect((await retries(device)).get(3)).toBe(8);
    expect((await pinToken(device, '0000')).reply.name).toBe('CTAP2_ERR_PIN_INVALID');
    expect((await retries(device)).get(3)).toBe(7);
    expect((await pinToken(device, '0000')).reply.name).toBe('CTAP2_ERR_PIN_INVALID');
    expect((await pinToken(device, '0000')).reply.name).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect((await retries(device)).get(4)).toBe(true);
    // even the right PIN is refused until a power cycle, without costing a retry
    expect((await pinToken(device, '1234')).reply.name).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(authenticator.pinRetries).toBe(5);
    authenticator.powerCycle();
    expect((await pinToken(device, '1234')).reply.name).toBe('CTAP2_OK');
    expect(authenticator.pinRetries).toBe(8);
    // 8 wrong in total block the PIN for good
    const names: string[] = [];
    for (let i = 0; i < 8; i++) {
      if (i % 3 === 0) authenticator.powerCycle();
      names.push((await pinToken(device, '0000')).reply.name);
    }
    expect(names.at(-1)).toBe('CTAP2_ERR_PIN_BLOCKED');
    authenticator.powerCycle();
    expect((await pinToken(device, '1234')).reply.name).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect((await retries(device)).get(3)).toBe(0);
  });

  it('answers PIN_NOT_SET, MISSING_PARAMETER, INVALID_PARAMETER and INVALID_SUBCOMMAND', async () => {
    const { device } = makeAuthenticator();
    expect((await pinToken(device, '1234')).reply.name).toBe('CTAP2_ERR_PIN_NOT_SET');
    expect((await send(device, 0x06, m([[2, 2]]))).name).toBe('CTAP2_ERR_MISSING_PARAMETER');
    expect(
      (
        await send(
          device,
          0x06,
          m([
            [1, 3],
            [2, 2],
          ]),
        )
      ).name,
    ).toBe('CTAP1_ERR_INVALID_PARAMETER');
    expect(
      (
        await send(
          device,
          0x06,
          m([
            [1, 2],
            [2, 0x42],
          ]),
        )
      ).name,
    ).toBe('CTAP2_ERR_INVALID_SUBCOMMAND');
    expect(
      (
        await send(
          device,
          0x06,
          m([
            [1, 2],
            [2, 7],
          ]),
        )
      ).name,
    ).toBe('CTAP2_ERR_INVALID_SUBCOMMAND');
    const { ka } = await keyAgreement(device);
    const bad = new Map(ka);
    bad.set(-2, new Uint8Array(32));
    const p = m([
      [1, 2],
      [2, 3],
      [3, bad],
      [4, new Uint8Array(32)],
      [5, new Uint8Array(80)],
    ]);
    expect((await send(device, 0x06, p)).name).toBe('CTAP1_ERR_INVALID_PARAMETER');
  });

  it('refuses permissions it does not support and permissions 0', async () => {
    const { device } = makeAuthenticator({ pin: '1234' });
    // be (0x08) needs a fingerprint sensor, which this key lacks
    expect((await pinToken(device, '1234', { permissions: 0x08 })).reply.name).toBe(
      'CTAP2_ERR_UNAUTHORIZED_PERMISSION',
    );
    expect((await pinToken(device, '1234', { permissions: 0 })).reply.name).toBe(
      'CTAP1_ERR_INVALID_PARAMETER',
    );
  });
});

describe('pinUvAuthParam in makeCredential and getAssertion', () => {
  it('a PIN-protected key requires a pinUvAuthToken for discoverable credentials', async () => {
    const { device } = makeAuthenticator({ pin: '1234' });
    expect((await send(device, 0x01, mcParams({ rk: true }))).name).toBe('CTAP2_ERR_PUAT_REQUIRED');
    // makeCredUvNotRqd: non-discoverable credentials need no UV
    const plain = await send(device, 0x01, mcParams());
    expect(plain.name).toBe('CTAP2_OK');
    const t = await pinToken(device, '1234', { rpId: 'example.com' });
    const r = await send(
      device,
      0x01,
      mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 }),
    );
    expect(r.name).toBe('CTAP2_OK');
    expect(parseAuthenticatorData(r.body!.get(2) as Uint8Array).flags.uv).toBe(true);
    // one use with user presence clears the token's UV flag
    const again = await send(
      device,
      0x01,
      mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 }),
    );
    expect(again.name).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    // getAssertion with a fresh token returns the user's name
    const g = await pinToken(device, '1234', { permissions: 0x02, rpId: 'example.com' });
    const ga = await send(device, 0x02, gaParams({ pinUvAuthParam: g.auth(CDH), pinUvAuthProtocol: 2 }));
    expect(ga.name).toBe('CTAP2_OK');
    expect((ga.body!.get(4) as Map<string, unknown>).get('name')).toBe('alice');
    expect(parseAuthenticatorData(ga.body!.get(2) as Uint8Array).flags.uv).toBe(true);
  });

  it('binds tokens to permissions and the RP ID', async () => {
    const { device } = makeAuthenticator({ pin: '1234' });
    const t = await pinToken(device, '1234', { permissions: 0x02, rpId: 'example.com' });
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    const u = await pinToken(device, '1234', { permissions: 0x01, rpId: 'other.example' });
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: u.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    const v = await pinToken(device, '1234', { permissions: 0x01 });
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: v.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_OK');
    const w = await pinToken(device, '1234', { version: 1 });
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: w.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    const x = await pinToken(device, '1234', { version: 1 });
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: x.auth(CDH), pinUvAuthProtocol: 1 })))
        .name,
    ).toBe('CTAP2_OK');
  });

  it('expires unused tokens after 30 s', async () => {
    let now = 0;
    const { device } = makeAuthenticator({ pin: '1234', now: () => now });
    const t = await pinToken(device, '1234');
    now += 31_000;
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
  });

  it('answers the zero-length pinUvAuthParam probe after a touch', async () => {
    const { device, authenticator } = makeAuthenticator();
    const probe = mcParams({ pinUvAuthParam: new Uint8Array(0), pinUvAuthProtocol: 2 });
    expect((await send(device, 0x01, probe)).name).toBe('CTAP2_ERR_PIN_NOT_SET');
    await setPin(device, '1234');
    expect((await send(device, 0x01, probe)).name).toBe('CTAP2_ERR_PIN_INVALID');
    authenticator.presence = 'deny';
    expect((await send(device, 0x01, probe)).name).toBe('CTAP2_ERR_OPERATION_DENIED');
  });

  it('checks pinUvAuthProtocol', async () => {
    const { device } = makeAuthenticator({ pin: '1234' });
    expect((await send(device, 0x01, mcParams({ pinUvAuthParam: new Uint8Array(32) }))).name).toBe(
      'CTAP2_ERR_MISSING_PARAMETER',
    );
    expect(
      (await send(device, 0x01, mcParams({ pinUvAuthParam: new Uint8Array(32), pinUvAuthProtocol: 7 }))).name,
    ).toBe('CTAP1_ERR_INVALID_PARAMETER');
    expect(
      (await send(device, 0x02, gaParams({ pinUvAuthParam: new Uint8Array(32), pinUvAuthProtocol: 2 }))).name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
  });

  it('changing the PIN invalidates tokens', async () => {
    const { device } = makeAuthenticator({ pin: '1234' });
    const t = await pinToken(device, '1234');
    expect((await changePin(device, '1234', '4321')).name).toBe('CTAP2_OK');
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    expect((await changePin(device, '1234', '5555')).name).toBe('CTAP2_ERR_PIN_INVALID');
  });

  it('alwaysUv requires UV even for non-discoverable credentials', async () => {
    const { device } = makeAuthenticator({ alwaysUv: true });
    expect((await send(device, 0x01, mcParams())).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    await setPin(device, '1234');
    expect((await send(device, 0x01, mcParams())).name).toBe('CTAP2_ERR_PUAT_REQUIRED');
  });
});

describe('built-in user verification (fingerprint)', () => {
  it('reports uv in getInfo and gets a token by fingerprint', async () => {
    const { device, authenticator } = makeAuthenticator({ fingerprints: 1 });
    const info = authenticator.getInfo();
    expect(info.options.uv).toBe(true);
    expect(info.uvModality).toBe(2);
    const t = await uvToken(device, { rpId: 'example.com' });
    expect(t.reply.name).toBe('CTAP2_OK');
    // a fingerprint is also a touch: no second prompt
    authenticator.presence = 'deny';
    const r = await send(
      device,
      0x01,
      mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 }),
    );
    expect(r.name).toBe('CTAP2_OK');
    const flags = parseAuthenticatorData(r.body!.get(2) as Uint8Array).flags;
    expect(flags.up && flags.uv).toBe(true);
  });

  it('counts failed matches and blocks UV', async () => {
    const { device, authenticator } = makeAuthenticator({ fingerprints: 2, uv: 'no-match', uvRetries: 3 });
    expect((await uvToken(device)).reply.name).toBe('CTAP2_ERR_UV_INVALID');
    expect(authenticator.uvRetries).toBe(2);
    const getUvRetries = await send(
      device,
      0x06,
      m([
        [1, 2],
        [2, 7],
      ]),
    );
    expect(getUvRetries.body!.get(5)).toBe(2);
    expect((await send(device, 0x01, mcParams({ uv: true }))).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    expect((await uvToken(device)).reply.name).toBe('CTAP2_ERR_UV_BLOCKED');
    expect((await uvToken(device)).reply.name).toBe('CTAP2_ERR_UV_BLOCKED');
    expect((await send(device, 0x01, mcParams({ uv: true }))).name).toBe('CTAP2_ERR_PIN_BLOCKED');
  });

  it('the uv option uses the sensor; no enrolled finger is an invalid option / not allowed', async () => {
    const { device } = makeAuthenticator({ fingerprints: 1 });
    const r = await send(device, 0x01, mcParams({ rk: true, uv: true }));
    expect(r.name).toBe('CTAP2_OK');
    expect(parseAuthenticatorData(r.body!.get(2) as Uint8Array).flags.uv).toBe(true);
    // protected by UV: a discoverable credential without UV is refused
    expect((await send(device, 0x01, mcParams({ rk: true }))).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    const none = makeAuthenticator({ fingerprints: 0 });
    expect(none.authenticator.getInfo().options.uv).toBe(false);
    expect((await send(none.device, 0x01, mcParams({ uv: true }))).name).toBe('CTAP2_ERR_INVALID_OPTION');
    expect((await uvToken(none.device)).reply.name).toBe('CTAP2_ERR_NOT_ALLOWED');
  });
});
