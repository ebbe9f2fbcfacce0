import { describe, expect, it } from 'vitest';
import { gaParams, makeAuthenticator, mcParams, pinToken, send } from './helpers.js';

describe('scripted user presence', () => {
  it('deny and timeout end makeCredential with CTAP2_ERR_OPERATION_DENIED and store nothing', async () => {
    for (const presence of ['deny', 'timeout'] as const) {
      const { device, authenticator } = makeAuthenticator({ presence, presenceTimeoutMs: 50 });
      expect((await send(device, 0x01, mcParams({ rk: true }))).name).toBe('CTAP2_ERR_OPERATION_DENIED');
      expect(authenticator.credentials).toHaveLength(0);
    }
  });

  it('sends user-presence-needed keepalives while waiting', async () => {
    const { device } = makeAuthenticator({
      presence: 'timeout',
      presenceTimeoutMs: 350,
      keepaliveIntervalMs: 100,
    });
    const seen: string[] = [];
    const r = await send(device, 0x01, mcParams(), { onKeepalive: (s) => seen.push(s) });
    expect(r.name).toBe('CTAP2_ERR_OPERATION_DENIED');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set(['user-presence-needed']));
  });

  it('an aborted signal ends the wait with CTAP2_ERR_KEEPALIVE_CANCEL', async () => {
    const { device, authenticator } = makeAuthenticator({ presence: 'timeout', presenceTimeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = send(device, 0x01, mcParams({ rk: true }), {
      signal: controller.signal,
      onKeepalive: () => controller.abort(),
    });
    expect((await pending).name).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(authenticator.credentials).toHaveLength(0);
    // already aborted
    expect((await send(device, 0x0b, undefined, { signal: AbortSignal.abort() })).name).toBe(
      'CTAP2_ERR_KEEPALIVE_CANCEL',
    );
  });

  it('a presence function sees each request and may answer later', async () => {
    const seen: string[] = [];
    const { device } = makeAuthenticator({
      presence: async (r) => {
        seen.push(`${r.command}:${r.rpId}:${r.kind}`);
        await new Promise((res) => setTimeout(res, 10));
        return r.command !== 'getAssertion';
      },
    });
    expect((await send(device, 0x01, mcParams({ rk: true }))).name).toBe('CTAP2_OK');
    expect((await send(device, 0x02, gaParams())).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    expect(seen).toEqual(['makeCredential:example.com:presence', 'getAssertion:example.com:presence']);
  });

  it('answerBeforeTouch answers without asking', async () => {
    const { device } = makeAuthenticator({ presence: 'deny', quirks: { answerBeforeTouch: true } });
    const seen: string[] = [];
    expect((await send(device, 0x01, mcParams(), { onKeepalive: (s) => seen.push(s) })).name).toBe(
      'CTAP2_OK',
    );
    expect(seen).toEqual([]);
  });

  it('selection waits for a touch', async () => {
    const { device, authenticator } = makeAuthenticator();
    expect((await send(device, 0x0b)).name).toBe('CTAP2_OK');
    authenticator.presence = 'deny';
    expect((await send(device, 0x0b)).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    authenticator.presence = 'timeout';
    expect((await send(device, 0x0b)).name).toBe('CTAP2_ERR_USER_ACTION_TIMEOUT');
  });
});

describe('reset', () => {
  it('works within 10 s of power-up with a touch, and wipes credentials and PIN', async () => {
    let now = 0;
    const { device, authenticator } = makeAuthenticator({ pin: '1234', now: () => now });
    const mc = await send(device, 0x01, mcParams());
    expect(mc.name).toBe('CTAP2_OK');
    const t = await pinToken(device, '1234', { rpId: 'example.com' });
    const { CDH } = await import('./helpers.js');
    expect(
      (await send(device, 0x01, mcParams({ rk: true, pinUvAuthParam: t.auth(CDH), pinUvAuthProtocol: 2 })))
        .name,
    ).toBe('CTAP2_OK');
    now = 10_001;
    expect((await send(device, 0x07)).name).toBe('CTAP2_ERR_NOT_ALLOWED');
    authenticator.powerCycle();
    authenticator.presence = 'deny';
    expect((await send(device, 0x07)).name).toBe('CTAP2_ERR_OPERATION_DENIED');
    authenticator.presence = 'timeout';
    expect((await send(device, 0x07)).name).toBe('CTAP2_ERR_USER_ACTION_TIMEOUT');
    expect(authenticator.credentials).toHaveLength(1);
    authenticator.presence = 'approve';
    expect((await send(device, 0x07)).name).toBe('CTAP2_OK');
    expect(authenticator.credentials).toHaveLength(0);
    expect(authenticator.getInfo().options.clientPin).toBe(false);
    expect((await send(device, 0x02, gaParams())).name).toBe('CTAP2_ERR_NO_CREDENTIALS');
  });
});
