/**
 * Signature checks on X.509 keys: certificate and CRL signatures (any curve with any hash, RSA
 * PKCS#1 v1.5 and PSS, Ed25519, Ed448) and attestation signatures made with a certificate's key.
 * They run through `@fido2kit/cose`'s crypto backend (node:crypto, WebCrypto or noble).
 */
import {
  bytesToHex,
  type CosePublicKey,
  type CryptoBackend,
  ecdsaDerToRaw,
  getCryptoBackend,
  type HashName,
  isFido2kitError,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  spkiToCoseKey,
} from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { CertificateError } from './errors.js';

const X509_ALGORITHMS: Readonly<Record<string, { family: SignatureAlgorithm['family']; hash?: HashName }>> = {
  '1.2.840.10045.4.3.2': { family: 'ECDSA', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { family: 'ECDSA', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { family: 'ECDSA', hash: 'SHA-512' },
  '1.2.840.10045.4.1': { family: 'ECDSA', hash: 'SHA-1' },
  '1.2.840.113549.1.1.11': { family: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { family: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { family: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  '1.2.840.113549.1.1.5': { family: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' },
  '1.2.840.113549.1.1.10': { family: 'RSA-PSS' },
  '1.3.101.112': { family: 'EdDSA' },
  '1.3.101.113': { family: 'EdDSA' },
};

const HASH_OIDS: Record<string, HashName> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const HASH_SIZES: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const EC_SIZES: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

/** Options shared by the signature helpers. */
export interface SignatureOptions {
  /** The crypto backend; defaults to `@fido2kit/cose`'s current one. */
  backend?: CryptoBackend;
  /** Accept SHA-1 signatures on certificates (old TPM and U2F chains). Default true for certificates. */
  allowSha1?: boolean;
}

function unsupported(message: string): never {
  throw new CertificateError('ERR_CERTIFICATE_INVALID', message);
}

/** Reads RSASSA-PSS-params (RFC 4055): the hash must match MGF1's and the salt its length. */
function pssHash(params: Uint8Array | undefined): HashName {
  if (!params) unsupported('RSASSA-PSS without parameters is not supported');
  const r = asn1js.fromBER(params.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.Sequence))
    unsupported('RSASSA-PSS parameters are malformed');
  let hash: HashName = 'SHA-1';
  let mgfHash: HashName = 'SHA-1';
  let salt = 20;
  for (const item of r.result.valueBlock.value) {
    const tag = item.idBlock.tagNumber;
    const inner = (item as asn1js.Constructed).valueBlock.value?.[0];
    if (tag === 0 && inner instanceof asn1js.Sequence) {
      const oid = inner.valueBlock.value[0];
      const h = oid instanceof asn1js.ObjectIdentifier ? HASH_OIDS[oid.valueBlock.toString()] : undefined;
      if (!h) unsupported('RSASSA-PSS hash is not supported');
      hash = h;
    } else if (tag === 1 && inner instanceof asn1js.Sequence) {
      const p = inner.valueBlock.value[1];
      const oid = p instanceof asn1js.Sequence ? p.valueBlock.value[0] : undefined;
      const h = oid instanceof asn1js.ObjectIdentifier ? HASH_OIDS[oid.valueBlock.toString()] : undefined;
      if (!h) unsupported('RSASSA-PSS MGF1 hash is not supported');
      mgfHash = h;
    } else if (tag === 2 && inner instanceof asn1js.Integer) {
      salt = inner.valueBlock.valueDec;
    }
  }
  if (hash !== mgfHash || salt !== HASH_SIZES[hash])
    unsupported(
      'RSASSA-PSS parameters other than MGF1 with the same hash and a hash-length salt are not supported',
    );
  return hash;
}

const keyCache = new WeakMap<Uint8Array, { key: CosePublicKey; cacheKey: string }>();

/** Decodes an SPKI to a COSE key (RSA ≥ 1024 bits accepted: old attestation CAs use them). @internal */
export function spkiKey(spki: Uint8Array): { key: CosePublicKey; cacheKey: string } {
  let k = keyCache.get(spki);
  if (k === undefined) {
    try {
      k = {
        key: spkiToCoseKey(spki, { minRsaBits: 1024, maxRsaBits: 8192 }),
        cacheKey: `spki:${bytesToHex(spki)}`,
      };
    } catch (e) {
      throw new CertificateError(
        'ERR_CERTIFICATE_INVALID',
        `certificate public key is unusable: ${(e as Error).message}`,
        { cause: e },
      );
    }
    keyCache.set(spki, k);
  }
  return k;
}

async function backendVerify(
  spki: Uint8Array,
  family: SignatureAlgorithm['family'],
  hash: HashName | undefined,
  data: Uint8Array,
  signature: Uint8Array,
  der: boolean,
  backend: CryptoBackend | undefined,
): Promise<boolean> {
  const { key, cacheKey } = spkiKey(spki);
  let sig = signature;
  if (family === 'ECDSA') {
    if (key.kty !== 'EC2') return false;
    const size = EC_SIZES[key.crv] as number;
    if (der) {
      const raw = ecdsaDerToRaw(signature, size);
      if (raw === undefined) return false;
      sig = raw;
    } else if (signature.length !== 2 * size) return false;
  } else if (family === 'EdDSA') {
    if (key.kty !== 'OKP' || (key.crv !== 'Ed25519' && key.crv !== 'Ed448')) return false;
  } else if (key.kty !== 'RSA') return false;
  const algorithm = { id: 0, name: 'ES256', family, hash } as unknown as SignatureAlgorithm;
  try {
    return await (backend ?? getCryptoBackend()).verify({ key, cacheKey, algorithm, data, signature: sig });
  } catch (e) {
    if (isFido2kitError(e)) return false;
    throw e;
  }
}

/**
 * Verifies a signature made by an X.509 signature algorithm (by OID) over `data` with the key in
 * `spki`: what certificate and CRL signatures use.
 * @throws {CertificateError} `ERR_CERTIFICATE_INVALID` for an unsupported algorithm
 */
export async function verifyX509Signature(
  spki: Uint8Array,
  algorithm: { oid: string; params?: Uint8Array },
  data: Uint8Array,
  signature: Uint8Array,
  options: SignatureOptions = {},
): Promise<boolean> {
  const alg = X509_ALGORITHMS[algorithm.oid];
  if (!alg) unsupported(`signature algorithm ${algorithm.oid} is not supported`);
  if (alg.hash === 'SHA-1' && options.allowSha1 === false) unsupported('SHA-1 signatures are not accepted');
  const hash = alg.family === 'RSA-PSS' ? pssHash(algorithm.params) : alg.hash;
  return backendVerify(spki, alg.family, hash, data, signature, true, options.backend);
}

/**
 * Verifies an attestation signature (COSE algorithm `alg`) made with a certificate's key.
 * ECDSA signatures are DER, as WebAuthn carries them. Unknown or mismatched algorithms fail.
 */
export async function verifyWithCertificateKey(
  spki: Uint8Array,
  alg: number,
  data: Uint8Array,
  signature: Uint8Array,
  options: SignatureOptions & { rawEcdsa?: boolean; allowLegacy?: boolean } = {},
): Promise<boolean> {
  const a = SIGNATURE_ALGORITHMS.get(alg);
  if (!a || (a.legacy && !options.allowLegacy)) return false;
  const { key } = spkiKey(spki);
  if (a.curves && (!('crv' in key) || !a.curves.includes(key.crv))) return false;
  return backendVerify(spki, a.family, a.hash, data, signature, !options.rawEcdsa, options.backend);
}
