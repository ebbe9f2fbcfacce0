import { describe, expect, it } from 'vitest';
import {
  type BackendName,
  encodeCoseKey,
  getBuiltinBackend,
  getCryptoBackend,
  setCryptoBackend,
  verifySignature,
} from '../src/index.js';
import { signedSamples } from './keys.js';

const BACKENDS: BackendName[] = ['node', 'webcrypto', 'noble'];
const RSA = /^(RS|PS)/;

describe('backend selection', () => {
  it('picks node:crypto on Node, and every built-in backend is available here', () => {
    expect(getCryptoBackend().name).toBe('node');
    for (const b of BACKENDS) expect(getBuiltinBackend(b)?.name).toBe(b);
  });
  it('setCryptoBackend switches the default and "auto" restores it', () => {
    setCryptoBackend('noble');
    expect(getCryptoBackend().name).toBe('noble');
    setCryptoBackend('auto');
    expect(getCryptoBackend().name).toBe('node');
  });
});

describe.each(BACKENDS)('verifySignature through the %s backend', (backend) => {
  for (const s of signedSamples()) {
    const unsupported = backend === 'noble' && RSA.test(s.name);
    it(`${s.name}: ${unsupported ? 'reports ERR_COSE_ALG_UNSUPPORTED (noble has no RSA)' : 'valid, altered data, altered signature'}`, async () => {
      const opts = {
        publicKey: s.key,
        data: s.data,
        signature: s.signature,
        algorithm: s.alg,
        backend,
        allowLegacy: true,
      };
      if (unsupported) {
        await expect(verifySignature(opts)).rejects.toMatchObject({ code: 'ERR_COSE_ALG_UNSUPPORTED' });
        return;
      }
      expect(await verifySignature(opts)).toBe(true);
      // COSE bytes give the same answer as the decoded key
      expect(await verifySignature({ ...opts, publicKey: encodeCoseKey({ ...s.key, alg: s.alg }) })).toBe(
        true,
      );
      const data = s.data.slice();
      data[0] = (data[0] as number) ^ 1;
      expect(await verifySignature({ ...opts, data })).toBe(false);
      const sig = s.signature.slice();
      sig[sig.length - 5] = (sig[sig.length - 5] as number) ^ 1;
      expect(await verifySignature({ ...opts, signature: sig })).toBe(false);
      expect(await verifySignature({ ...opts, signature: sig.subarray(0, sig.length - 1) })).toBe(false);
    });
  }
});

describe('verifySignature refuses what it must', () => {
  const [es256] = signedSamples();
  const rs1 = signedSamples().find((s) => s.name === 'RS1')!;
  it('RS1 needs allowLegacy', async () => {
    await expect(
      verifySignature({ publicKey: rs1.key, data: rs1.data, signature: rs1.signature, algorithm: -65535 }),
    ).rejects.toMatchObject({
      code: 'ERR_COSE_ALG_UNSUPPORTED',
    });
  });
  it('an algorithm that does not suit the key is ERR_COSE_KEY_INVALID', async () => {
    await expect(
      verifySignature({
        publicKey: es256!.key,
        data: es256!.data,
        signature: es256!.signature,
        algorithm: -35,
      }),
    ).rejects.toMatchObject({
      code: 'ERR_COSE_KEY_INVALID',
    });
  });
  it('an unknown algorithm is ERR_COSE_ALG_UNSUPPORTED', async () => {
    await expect(
      verifySignature({
        publicKey: { ...es256!.key, alg: undefined } as never,
        data: es256!.data,
        signature: es256!.signature,
        algorithm: -999,
      }),
    ).rejects.toMatchObject({ code: 'ERR_COSE_ALG_UNSUPPORTED' });
  });
  it('ES256 and ESP256 are synonyms for a key that names one of them', async () => {
    expect(
      await verifySignature({
        publicKey: es256!.key,
        data: es256!.data,
        signature: es256!.signature,
        algorithm: -9,
      }),
    ).toBe(true);
  });
  it('wrong argument types are InvalidArgumentError (a TypeError with ERR_INVALID_ARGUMENT)', async () => {
    for (const bad of [null, 'x', new Uint16Array(4), { kty: 1 }]) {
      await expect(
        verifySignature({ publicKey: bad as never, data: es256!.data, signature: es256!.signature }),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/ERR_INVALID_ARGUMENT|ERR_COSE_KEY_INVALID/),
      });
    }
    await expect(
      verifySignature({ publicKey: es256!.key, data: 'x' as never, signature: es256!.signature }),
    ).rejects.toBeInstanceOf(TypeError);
  });
  it('a high-S ECDSA signature verifies (authenticators do not normalise S) on every backend', async () => {
    // s' = n - s is the other valid signature of the same message
    const { ecdsaDerToRaw, ecdsaRawToDer } = await import('../src/index.js');
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const raw = ecdsaDerToRaw(es256!.signature, 32)!;
    const s = BigInt(`0x${Buffer.from(raw.subarray(32)).toString('hex')}`);
    const flipped = raw.slice();
    flipped.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    for (const backend of BACKENDS) {
      expect(
        await verifySignature({
          publicKey: es256!.key,
          data: es256!.data,
          signature: ecdsaRawToDer(flipped),
          backend,
        }),
      ).toBe(true);
    }
  });
});
