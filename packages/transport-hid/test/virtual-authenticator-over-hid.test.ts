/**
 * End to end: Ctap2 → HidTransport → CTAPHID reports → SimulatedHidDevice → VirtualAuthenticator.
 */
import { Ctap2 } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import { SimulatedHidDevice } from '../src/simulated-device.js';
import { HidTransport } from '../src/transport.js';

describe('VirtualAuthenticator over CTAPHID', () => {
  it('getInfo, makeCredential and getAssertion through 64-byte reports', async () => {
    const key = new SimulatedHidDevice(new VirtualAuthenticator());
    const device = await HidTransport.open(key.connection(), { timeoutMs: 2000 });
    const ctap = await Ctap2.open(device);
    expect(ctap.info.versions).toContain('FIDO_2_0');
    const clientDataHash = crypto.getRandomValues(new Uint8Array(32));
    const keepalives: string[] = [];
    const made = await ctap.makeCredential(
      {
        clientDataHash,
        rp: { id: 'example.com', name: 'Example' },
        user: { id: Uint8Array.of(1, 2, 3), name: 'alice', displayName: 'Alice' },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        options: { rk: true },
      },
      { onKeepalive: (s) => keepalives.push(s) },
    );
    expect(made.fmt).toBe('packed');
    const credentialId = made.authenticatorData.attestedCredentialData?.credentialId;
    expect(credentialId).toBeInstanceOf(Uint8Array);
    const asserted = await ctap.getAssertion({
      rpId: 'example.com',
      clientDataHash,
      allowList: [{ type: 'public-key', id: credentialId! }],
    });
    expect(asserted.signature.length).toBeGreaterThan(60);
    expect(asserted.authenticatorData.flags.up).toBe(true);
    expect(key.stats.requests).toBe(3);
    expect(key.stats.reportsToHost).toBeGreaterThan(6);
    await device.close();
  });

  it('a user who never touches the key: keepalives, then abort → CANCEL → KEEPALIVE_CANCEL', async () => {
    const key = new SimulatedHidDevice(new VirtualAuthenticator({ presence: () => new Promise(() => {}) }));
    const device = await HidTransport.open(key.connection(), { timeoutMs: 2000 });
    const ctap = await Ctap2.open(device);
    const controller = new AbortController();
    const statuses: string[] = [];
    const e = await ctap
      .makeCredential(
        {
          clientDataHash: new Uint8Array(32),
          rp: { id: 'example.com' },
          user: { id: Uint8Array.of(1), name: 'bob' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        },
        {
          signal: controller.signal,
          onKeepalive: (s) => {
            statuses.push(s);
            if (s === 'user-presence-needed') setTimeout(() => controller.abort(), 50);
          },
        },
      )
      .catch((x: { code?: string }) => x);
    expect(e).toMatchObject({ code: 'ERR_ABORTED' });
    expect(statuses).toContain('user-presence-needed');
    expect(key.stats.cancels).toBe(1);
    // The next request works.
    expect((await ctap.getInfo()).versions).toContain('FIDO_2_0');
    await device.close();
  });
});
