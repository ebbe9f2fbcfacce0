/**
 * Signing and AES-256-GCM through the backend seam: every backend gives the same public keys,
 * signatures that verify everywhere, and the same ciphertexts.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  type BackendName,
  type Ec2PublicKey,
  generateSigningKey,
  importSigningKey,
  type OkpPublicKey,
  verifySignature,
} from '../src/index.js';
import { hex, toHex } from './helpers.js';

const BACKENDS: BackendName[] = ['node', 'webcrypto', 'noble'];

// RFC 6979 §A.2.5 (ECDSA, 256 bits (prime field)): private key x and public key U = xG.
const P256 = {
  d: hex('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721'),
  x: '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6',
  y: '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
};
// RFC 8032 §7.1, TEST 1 (Ed25519, empty message).
const ED = {
  secret: hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
  x: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
// The GCM specification (McGrew & Viega, "The Galois/Counter Mode of Operation"), Test Case 16.
const GCM = {
  key: hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
  nonce: hex('cafebabefacedbaddecaf888'),
  aad: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
  plaintext: hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  ),
  sealed:
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
    '76fc6ece0f4e1768cddf8853bb2d551b',
};

describe.each(BACKENDS)('importSigningKey through the %s backend', (backend) => {
  it('derives the RFC 6979 A.2.5 public key and signs ES256 that every backend verifies', async () => {
    const key = await importSigningKey(-7, P256.d, { backend });
    const pub = key.publicKey as Ec2PublicKey;
    expect([toHex(pub.x), toHex(pub.y), pub.alg]).toEqual([P256.x, P256.y, -7]);
    const data = new TextEncoder().encode('sample');
    const signature = await key.sign(data);
    expect(signature[0]).toBe(0x30); // DER, as WebAuthn carries ECDSA
    for (const v of BACKENDS) {
      expect(await verifySignature({ publicKey: key.publicKey, data, signature, backend: v })).toBe(true);
    }
  });

  it('gives the RFC 8032 TEST 1 Ed25519 public key and signature exactly', async () => {
    const key = await importSigningKey(-8, ED.secret, { backend });
    expect(toHex((key.publicKey as OkpPublicKey).x)).toBe(ED.x);
    expect(toHex(await key.sign(new Uint8Array(0)))).toBe(ED.sig);
  });

  it('seals and opens the GCM spec Test Case 16', () => {
    expect(toHex(aesGcmEncrypt(GCM.key, GCM.nonce, GCM.aad, GCM.plaintext, backend))).toBe(GCM.sealed);
    const opened = aesGcmDecrypt(GCM.key, GCM.nonce, GCM.aad, hex(GCM.sealed), backend);
    expect(toHex(opened as Uint8Array)).toBe(toHex(GCM.plaintext));
    const bad = hex(GCM.sealed);
    bad[0] = (bad[0] as number) ^ 1;
    expect(aesGcmDecrypt(GCM.key, GCM.nonce, GCM.aad, bad, backend)).toBeUndefined();
    expect(aesGcmDecrypt(GCM.key, GCM.nonce, new Uint8Array(0), hex(GCM.sealed), backend)).toBeUndefined();
    expect(aesGcmDecrypt(GCM.key, GCM.nonce, GCM.aad, new Uint8Array(5), backend)).toBeUndefined();
  });
});

describe('signing keys', () => {
  it('generateSigningKey returns a secret that imports to the same public key on every backend', async () => {
    for (const alg of [-7, -8]) {
      const { secret, key } = await generateSigningKey(alg);
      for (const backend of BACKENDS) {
        const again = await importSigningKey(alg, secret, { backend });
        expect(again.publicKey).toEqual(key.publicKey);
      }
    }
  });

  it('property: node, WebCrypto and noble agree on the public key of any P-256 scalar and Ed25519 secret', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (raw) => {
        const d = raw.slice();
        d[0] = (d[0] as number) & 0x7f; // below n
        d[31] = (d[31] as number) | 1; // not zero
        for (const alg of [-7, -8]) {
          const keys = await Promise.all(BACKENDS.map((backend) => importSigningKey(alg, d, { backend })));
          expect(keys[1]?.publicKey).toEqual(keys[0]?.publicKey);
          expect(keys[2]?.publicKey).toEqual(keys[0]?.publicKey);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('refuses algorithms it cannot sign with and malformed secrets, with codes', async () => {
    await expect(importSigningKey(-257, P256.d)).rejects.toMatchObject({ code: 'ERR_COSE_ALG_UNSUPPORTED' });
    await expect(importSigningKey(-7, new Uint8Array(31))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(importSigningKey(-7, new Uint8Array(32))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(importSigningKey(-7, new Uint8Array(32).fill(0xff))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(importSigningKey(-7, 'x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => aesGcmEncrypt(new Uint8Array(16), GCM.nonce, GCM.aad, GCM.plaintext)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => aesGcmEncrypt(GCM.key, new Uint8Array(8), GCM.aad, GCM.plaintext)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('fresh ES256 keys on the node backend (OpenSSL key generation)', () => {
  // On Node 20 a JWK export of a freshly generated EC key can deadlock the thread on itself: the
  // export holds the key's mutex while allocating, a scavenge there finalises the KeyGenJob that
  // made the key, and its destructor takes the same mutex (see backend-node.ts; a plain loop of
  // generateKeyPairSync + export({ format: 'jwk' }) freezes within a few thousand keys on Node
  // 20.20, and not on 22 or 24). The backend reads the new key from its SEC1 DER instead. A
  // virtual key in a long RP test suite makes this many credentials.
  it('never exports a freshly generated key as JWK', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    // PrivateKeyObject.prototype, where export() lives
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spies = [pair.privateKey, pair.publicKey].map((k) => vi.spyOn(Object.getPrototypeOf(k), 'export'));
    try {
      for (let i = 0; i < 20; i++) {
        await generateSigningKey(-7, { backend: 'node' });
        await generateSigningKey(-8, { backend: 'node' });
      }
      for (const spy of spies) {
        for (const [options] of spy.mock.calls) {
          expect((options as { format?: string } | undefined)?.format).not.toBe('jwk');
        }
      }
      expect(spies[0]).toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
  it('10,000 keys are generated, read back, and each signs, without stalling', async () => {
    const data = new Uint8Array(32);
    for (let i = 0; i < 10_000; i++) {
      const { secret, key } = await generateSigningKey(-7, { backend: 'node' });
      expect(secret.length).toBe(32);
      const signature = await key.sign(data);
      if (i % 2_500 === 0) {
        const again = await importSigningKey(-7, secret, { backend: 'noble' });
        expect(again.publicKey).toEqual(key.publicKey);
        expect(await verifySignature({ publicKey: key.publicKey, data, signature })).toBe(true);
      }
    }
  }, 60_000);
});
