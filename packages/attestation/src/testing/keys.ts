/** Test keys: generation, signing and COSE encoding through WebCrypto (`globalThis.crypto.subtle`). */
import { base64url, ecdsaRawToDer, encodeCoseKey, jwkToCoseKey } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { ECDSA_WITH_SHA256, type SignatureAlgorithm } from './x509-builder.js';

/** Key algorithms the helpers can generate. */
export type TestKeyAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'PS256' | 'Ed25519';

/** A generated key pair. */
export interface TestKeyPair {
  readonly algorithm: TestKeyAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
}

/** WebCrypto's SubtleCrypto, or a TypeError naming what is missing. @internal */
export const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s)
    throw new TypeError('WebCrypto (globalThis.crypto.subtle) is required by @fido2kit/attestation/testing');
  return s;
};

const GEN: Record<TestKeyAlgorithm, RsaHashedKeyGenParams | EcKeyGenParams | { name: 'Ed25519' }> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  RS256: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: Uint8Array.of(1, 0, 1),
    hash: 'SHA-256',
  },
  PS256: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' },
  Ed25519: { name: 'Ed25519' },
};
/** The COSE algorithm of each test key algorithm. @internal */
export const COSE_ALG: Record<TestKeyAlgorithm, number> = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  RS256: -257,
  PS256: -37,
  Ed25519: -8,
};

/**
 * The raw private scalar of an EC test key (e.g. 32 bytes for P-256), for software that takes raw
 * keys, such as a VirtualAuthenticator's `attestationCa`.
 * @example
 * ```ts
 * const ca = await createTestCertificate({ subject: { CN: 'Vendor CA' }, ca: true });
 * new VirtualAuthenticator({ attestationCa: { privateKey: await ecPrivateKeyBytes(ca.key), certificate: ca.der } });
 * ```
 */
export async function ecPrivateKeyBytes(key: TestKeyPair): Promise<Uint8Array> {
  const jwk = await subtle().exportKey('jwk', key.privateKey);
  if (jwk.kty !== 'EC' || typeof jwk.d !== 'string') throw new TypeError('"key" expected an EC key pair');
  return base64url.decode(jwk.d);
}

/** Generates a key pair (extractable, for signing). */
export async function generateTestKey(algorithm: TestKeyAlgorithm = 'ES256'): Promise<TestKeyPair> {
  const kp = (await subtle().generateKey(GEN[algorithm] as EcKeyGenParams, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle().exportKey('spki', kp.publicKey));
  return Object.freeze({ algorithm, privateKey: kp.privateKey, publicKey: kp.publicKey, spki });
}

/**
 * Signs `data` with a test key. ECDSA signatures are DER unless `raw` (JWS wants r ‖ s); `hash`
 * overrides the algorithm's own (an ECDSA P-256 key signing with SHA-384, as CAs may).
 */
export async function testSign(
  key: TestKeyPair,
  data: Uint8Array,
  options: { raw?: boolean; hash?: 'SHA-256' | 'SHA-384' | 'SHA-512' } = {},
): Promise<Uint8Array> {
  const a = key.algorithm;
  const hash = options.hash ?? (a === 'ES384' ? 'SHA-384' : a === 'ES512' ? 'SHA-512' : 'SHA-256');
  const params =
    a === 'Ed25519'
      ? { name: 'Ed25519' }
      : a === 'RS256'
        ? { name: 'RSASSA-PKCS1-v1_5' }
        : a === 'PS256'
          ? { name: 'RSA-PSS', saltLength: 32 }
          : { name: 'ECDSA', hash };
  const sig = new Uint8Array(await subtle().sign(params as EcdsaParams, key.privateKey, data.slice()));
  if (a.startsWith('ES') && !options.raw) return ecdsaRawToDer(sig);
  return sig;
}

/** The COSE_Key bytes of a test key's public key. */
export async function testCoseKey(key: TestKeyPair): Promise<Uint8Array> {
  const jwk = (await subtle().exportKey('jwk', key.publicKey)) as JsonWebKey;
  const { alg: _alg, key_ops: _ops, ext: _ext, ...pub } = jwk as Record<string, unknown>;
  const cose = jwkToCoseKey(pub, { alg: COSE_ALG[key.algorithm] });
  return encodeCoseKey(cose);
}

/** RSASSA-PSS-params for SHA-256, MGF1 with SHA-256, salt length 32 (RFC 4055 §3.1), DER. */
function pssSha256Params(): Uint8Array {
  const sha256Id = () =>
    new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' })] });
  const tagged = (n: number, v: asn1js.AsnType) =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: n }, value: [v] });
  const params = new asn1js.Sequence({
    value: [
      tagged(0, sha256Id()),
      tagged(
        1,
        new asn1js.Sequence({
          value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.8' }), sha256Id()],
        }),
      ),
      tagged(2, new asn1js.Integer({ value: 32 })),
    ],
  });
  return new Uint8Array(params.toBER(false));
}

/** The X.509 signature algorithm a test key signs certificates and CRLs with. */
export function certificateSignatureAlgorithm(key: TestKeyPair, hash?: string): SignatureAlgorithm {
  const a = key.algorithm;
  if (a.startsWith('ES')) {
    const h = hash ?? (a === 'ES384' ? 'SHA-384' : a === 'ES512' ? 'SHA-512' : 'SHA-256');
    if (h === 'SHA-256') return ECDSA_WITH_SHA256;
    return { oid: h === 'SHA-384' ? '1.2.840.10045.4.3.3' : '1.2.840.10045.4.3.4' };
  }
  if (a === 'RS256') return { oid: '1.2.840.113549.1.1.11', params: Uint8Array.of(0x05, 0x00) };
  if (a === 'PS256') return { oid: '1.2.840.113549.1.1.10', params: pssSha256Params() };
  return { oid: '1.3.101.112' };
}
