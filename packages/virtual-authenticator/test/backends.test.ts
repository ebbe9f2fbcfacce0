/**
 * The virtual key signs through cose's backend seam: node:crypto (the fast path) and the
 * portable paths (WebCrypto, noble) make credentials that verify the same way, keys stay
 * random, and credential IDs stay authenticated-encrypted.
 */
import {
  type BackendName,
  concatBytes,
  parseAuthenticatorData,
  setCryptoBackend,
  verifySignature,
} from '@fido2kit/cose';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';
import { CDH, gaParams, makeAuthenticator, mcParams, seededRandom, send } from './helpers.js';

afterEach(() => setCryptoBackend('auto'));

async function roundTrip(authenticator: VirtualAuthenticator, alg: number) {
  const device = authenticator.device();
  const mc = await send(device, 0x01, mcParams({ algs: [alg] }));
  expect(mc.name).toBe('CTAP2_OK');
  const cred = parseAuthenticatorData(mc.body!.get(2) as Uint8Array).attestedCredentialData!;
  const ga = await send(device, 0x02, gaParams({ allowList: [cred.credentialId] }));
  expect(ga.name).toBe('CTAP2_OK');
  const data = concatBytes(ga.body!.get(2) as Uint8Array, CDH);
  const signature = ga.body!.get(3) as Uint8Array;
  return { device, cred, data, signature };
}

describe.each<BackendName>(['node', 'webcrypto', 'noble'])('the virtual key on the %s backend', (backend) => {
  for (const alg of [-7, -8]) {
    it(`makes ${alg} credentials whose assertions verify on every backend`, async () => {
      setCryptoBackend(backend);
      const { cred, data, signature } = await roundTrip(makeAuthenticator().authenticator, alg);
      setCryptoBackend('auto');
      for (const v of ['node', 'webcrypto', 'noble'] as const) {
        expect(
          await verifySignature({ publicKey: cred.credentialPublicKey, data, signature, backend: v }),
        ).toBe(true);
      }
    });
  }
});

describe('what the speed-up must not weaken', () => {
  it('every credential gets a fresh random key', async () => {
    const { authenticator } = makeAuthenticator();
    const a = await roundTrip(authenticator, -7);
    const b = await roundTrip(authenticator, -7);
    expect(a.cred.credentialPublicKey).not.toEqual(b.cred.credentialPublicKey);
  });

  it('a credential ID with any byte changed, or for another RP, is not ours', async () => {
    const { authenticator } = makeAuthenticator();
    const { device, cred } = await roundTrip(authenticator, -7);
    for (const i of [0, 1, 13, cred.credentialId.length - 1]) {
      const id = cred.credentialId.slice();
      id[i] = (id[i] as number) ^ 0x01;
      expect((await send(device, 0x02, gaParams({ allowList: [id] }))).name).toBe('CTAP2_ERR_NO_CREDENTIALS');
    }
    const other = await send(
      device,
      0x02,
      gaParams({ rpId: 'other.example', allowList: [cred.credentialId] }),
    );
    expect(other.name).toBe('CTAP2_ERR_NO_CREDENTIALS');
  });

  it('a key restored from its exported state (keys not cached) signs for the same credential', async () => {
    const { authenticator } = makeAuthenticator();
    const { cred } = await roundTrip(authenticator, -7);
    const again = VirtualAuthenticator.fromState(JSON.parse(JSON.stringify(authenticator.exportState())));
    const ga = await send(again.device(), 0x02, gaParams({ allowList: [cred.credentialId] }));
    expect(ga.name).toBe('CTAP2_OK');
    const data = concatBytes(ga.body!.get(2) as Uint8Array, CDH);
    expect(
      await verifySignature({
        publicKey: cred.credentialPublicKey,
        data,
        signature: ga.body!.get(3) as Uint8Array,
      }),
    ).toBe(true);
  });

  it('an injected random source still makes the same keys (derived, not generated)', async () => {
    const one = await roundTrip(
      new VirtualAuthenticator({ attestation: 'none', random: seededRandom(3) }),
      -7,
    );
    const two = await roundTrip(
      new VirtualAuthenticator({ attestation: 'none', random: seededRandom(3) }),
      -7,
    );
    expect(one.cred.credentialPublicKey).toEqual(two.cred.credentialPublicKey);
  });
});
