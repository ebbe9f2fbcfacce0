import { parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';
import { gaParams, makeAuthenticator, mcParams, pinToken, send } from './helpers.js';

describe('exportState / fromState', () => {
  it('brings back the same key: credentials, counters, PIN, attestation', async () => {
    const { device, authenticator } = makeAuthenticator({
      pin: '1234',
      attestation: 'packed',
      fingerprints: 2,
    });
    const r = await send(device, 0x01, mcParams());
    const id = parseAuthenticatorData(r.body!.get(2) as Uint8Array).attestedCredentialData!.credentialId;
    await send(device, 0x02, gaParams({ allowList: [id] }));
    await send(device, 0x01, mcParams({ rk: true, uv: true }));
    await pinToken(device, '0000');
    const json = JSON.stringify(authenticator.exportState());
    const again = VirtualAuthenticator.fromState(JSON.parse(json));
    const d2 = again.device();
    const ga = await send(d2, 0x02, gaParams({ allowList: [id] }));
    expect(ga.name).toBe('CTAP2_OK');
    expect(parseAuthenticatorData(ga.body!.get(2) as Uint8Array).signCount).toBe(2);
    expect(again.credentials).toHaveLength(1);
    expect(again.pinRetries).toBe(7);
    expect((await pinToken(d2, '1234')).reply.name).toBe('CTAP2_OK');
    expect(again.attestationCertificate).toEqual(authenticator.attestationCertificate);
    expect(again.aaguid).toBe(authenticator.aaguid);
    expect(again.getInfo()).toEqual(authenticator.getInfo());
    expect((await send(d2, 0x02, gaParams({ uv: true }))).name).toBe('CTAP2_OK');
  });

  it('rejects malformed state with ERR_INVALID_STATE', () => {
    const good = new VirtualAuthenticator().exportState();
    for (const bad of [
      null,
      1,
      {},
      { ...good, version: 2 },
      { ...good, secret: 'AA' },
      { ...good, aaguid: 'x' },
    ]) {
      expect(() => VirtualAuthenticator.fromState(bad as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
      );
    }
  });
});

describe('constructor options', () => {
  it('names the bad option', () => {
    expect(() => new VirtualAuthenticator({ aaguid: 'nope' })).toThrow(/"aaguid"/);
    expect(() => new VirtualAuthenticator({ pin: '12' })).toThrow(/"pin"/);
    expect(() => new VirtualAuthenticator({ algorithms: [-257] })).toThrow(/"algorithms"/);
    expect(() => new VirtualAuthenticator({ attestation: 'tpm' as never })).toThrow(/"attestation"/);
  });

  it('a custom AAGUID shows in getInfo and authData', async () => {
    const aaguid = '01020304-0506-0708-090a-0b0c0d0e0f10';
    const { device, authenticator } = makeAuthenticator({ aaguid });
    expect(authenticator.getInfo().aaguid).toBe(aaguid);
    const r = await send(device, 0x01, mcParams());
    const parsed = parseAuthenticatorData(r.body!.get(2) as Uint8Array);
    expect(Array.from(parsed.attestedCredentialData!.aaguid)).toEqual([...Array(16)].map((_, i) => i + 1));
  });
});
