import { concatBytes, parseAuthenticatorData, verifySignature } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { CDH, gaParams, makeAuthenticator, mcParams, OK, send } from './helpers.js';

describe('getInfo', () => {
  it('describes a fresh security key', async () => {
    const { device, authenticator } = makeAuthenticator();
    const r = await send(device, 0x04);
    expect(r.status).toBe(OK);
    const info = r.body!;
    expect(info.get(1)).toEqual(['FIDO_2_0', 'FIDO_2_1']);
    const options = info.get(4) as Map<string, boolean>;
    expect(options.get('rk')).toBe(true);
    expect(options.get('clientPin')).toBe(false);
    expect(options.has('uv')).toBe(false);
    expect(info.get(6)).toEqual([2, 1]);
    expect(authenticator.getInfo().aaguid).toBe(authenticator.aaguid);
  });
});

describe('makeCredential and getAssertion', () => {
  it('creates a non-discoverable ES256 credential and asserts with it', async () => {
    const { device, authenticator } = makeAuthenticator();
    const mc = await send(device, 0x01, mcParams());
    expect(mc.name).toBe('CTAP2_OK');
    expect(mc.body!.get(1)).toBe('none');
    const authData = parseAuthenticatorData(mc.body!.get(2) as Uint8Array);
    expect(authData.flags.up).toBe(true);
    expect(authData.flags.uv).toBe(false);
    const cred = authData.attestedCredentialData!;
    const ga = await send(device, 0x02, gaParams({ allowList: [cred.credentialId] }));
    expect(ga.name).toBe('CTAP2_OK');
    const gaAuthData = ga.body!.get(2) as Uint8Array;
    expect(parseAuthenticatorData(gaAuthData).signCount).toBe(1);
    expect(
      await verifySignature({
        publicKey: cred.credentialPublicKey,
        data: concatBytes(gaAuthData, CDH),
        signature: ga.body!.get(3) as Uint8Array,
      }),
    ).toBe(true);
    expect(authenticator.signCount(cred.credentialId)).toBe(1);
  });
});
