/**
 * COSE keys to and from DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 5480, RFC 8410,
 * RFC 8017, and the ML-DSA identifiers of draft-ietf-lamps-dilithium-certificates).
 */
import * as asn1js from 'asn1js';
import { describe, isBytes } from './_assert.js';
import type { CborValue } from './cbor.js';
import {
  COSE_CURVES,
  COSE_KEY,
  COSE_KTY,
  type CosePublicKey,
  type DecodeCoseKeyOptions,
  decodeCoseKey,
  EC_SIZES,
  invalid,
  keyArgument,
  stripZeros,
} from './cose-key.js';
import { Fido2kitError, InvalidArgumentError } from './errors.js';

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  Ed25519: '1.3.101.112',
  Ed448: '1.3.101.113',
  X25519: '1.3.101.110',
  X448: '1.3.101.111',
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
} as const;

function positiveInteger(v: Uint8Array): asn1js.Integer {
  const t = stripZeros(v);
  const hex = (t[0] as number) & 0x80 ? Uint8Array.of(0, ...t) : t;
  return new asn1js.Integer({ valueHex: hex.slice().buffer as ArrayBuffer });
}

function toBytes(buf: ArrayBuffer): Uint8Array {
  return new Uint8Array(buf);
}

/**
 * The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 5480, RFC 8410, RFC 8017) of a COSE key.
 * @example
 * ```ts
 * const spki = coseKeyToSpki(key); // import into any crypto API that takes 'spki'
 * ```
 */
export function coseKeyToSpki(key: CosePublicKey | Uint8Array): Uint8Array {
  const k = keyArgument(key);
  let algId: asn1js.Sequence;
  let pub: Uint8Array;
  if (k.kty === 'EC2') {
    algId = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }),
        new asn1js.ObjectIdentifier({ value: OID[k.crv] }),
      ],
    });
    pub = new Uint8Array(1 + k.x.length + k.y.length);
    pub[0] = 4;
    pub.set(k.x, 1);
    pub.set(k.y, 1 + k.x.length);
  } else if (k.kty === 'OKP') {
    algId = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID[k.crv] })] });
    pub = k.x;
  } else if (k.kty === 'AKP') {
    // id-ml-dsa-44/65/87 (NIST CSOR; draft-ietf-lamps-dilithium-certificates §2), no parameters
    algId = new asn1js.Sequence({
      value: [new asn1js.ObjectIdentifier({ value: `2.16.840.1.101.3.4.3.${17 - 48 - k.alg}` })],
    });
    pub = k.pub;
  } else {
    algId = new asn1js.Sequence({
      value: [new asn1js.ObjectIdentifier({ value: OID.rsaEncryption }), new asn1js.Null()],
    });
    pub = toBytes(new asn1js.Sequence({ value: [positiveInteger(k.n), positiveInteger(k.e)] }).toBER(false));
  }
  const spki = new asn1js.Sequence({
    value: [algId, new asn1js.BitString({ valueHex: pub.slice().buffer as ArrayBuffer })],
  });
  return toBytes(spki.toBER(false));
}

/**
 * The COSE key of a DER SubjectPublicKeyInfo (EC P-256/384/521, Ed25519, Ed448, X25519, X448,
 * RSA), e.g. the public key of an X.509 certificate.
 * @throws {CoseKeyError} `ERR_COSE_KEY_INVALID`
 */
export function spkiToCoseKey(
  spki: Uint8Array,
  options: { alg?: number } & DecodeCoseKeyOptions = {},
): CosePublicKey {
  if (!isBytes(spki)) throw new InvalidArgumentError(`"spki" expected Uint8Array, got ${describe(spki)}`);
  const parsed = asn1js.fromBER(spki.slice());
  if (parsed.offset === -1 || parsed.offset !== spki.length || !(parsed.result instanceof asn1js.Sequence)) {
    invalid('SPKI is not one DER SEQUENCE');
  }
  const [algIdRaw, bitsRaw] = (parsed.result as asn1js.Sequence).valueBlock.value;
  if (!(algIdRaw instanceof asn1js.Sequence) || !(bitsRaw instanceof asn1js.BitString)) {
    invalid('SPKI does not hold an AlgorithmIdentifier and a BIT STRING');
  }
  const [oidRaw, paramRaw] = algIdRaw.valueBlock.value;
  if (!(oidRaw instanceof asn1js.ObjectIdentifier)) invalid('SPKI algorithm is not an OID');
  const oid = oidRaw.valueBlock.toString();
  const pub = new Uint8Array(bitsRaw.valueBlock.valueHexView);
  if (bitsRaw.valueBlock.unusedBits !== 0) invalid('SPKI BIT STRING has unused bits');
  const m = new Map<CborValue, CborValue>();
  if (options.alg !== undefined) m.set(COSE_KEY.alg, options.alg);
  if (oid === OID.ecPublicKey) {
    const crvOid = paramRaw instanceof asn1js.ObjectIdentifier ? paramRaw.valueBlock.toString() : '';
    const crv = (['P-256', 'P-384', 'P-521'] as const).find((c) => OID[c] === crvOid);
    if (crv === undefined) invalid(`SPKI EC curve ${crvOid || '(none)'} is not supported`);
    const size = EC_SIZES[crv];
    if (pub.length !== 1 + 2 * size || pub[0] !== 4) invalid('SPKI EC point is not uncompressed');
    m.set(COSE_KEY.kty, COSE_KTY.EC2);
    m.set(COSE_KEY.crv, COSE_CURVES[crv]);
    m.set(COSE_KEY.x, pub.slice(1, 1 + size));
    m.set(COSE_KEY.y, pub.slice(1 + size));
  } else if (oid === OID.rsaEncryption) {
    const inner = asn1js.fromBER(pub.slice());
    const seq = inner.result;
    if (inner.offset !== pub.length || !(seq instanceof asn1js.Sequence))
      invalid('SPKI RSA key is malformed');
    const [n, e] = seq.valueBlock.value;
    if (!(n instanceof asn1js.Integer) || !(e instanceof asn1js.Integer))
      invalid('SPKI RSA key is malformed');
    m.set(COSE_KEY.kty, COSE_KTY.RSA);
    m.set(COSE_KEY.n, new Uint8Array(n.valueBlock.valueHexView));
    m.set(COSE_KEY.e, new Uint8Array(e.valueBlock.valueHexView));
  } else {
    const crv = (['Ed25519', 'Ed448', 'X25519', 'X448'] as const).find((c) => OID[c] === oid);
    if (crv === undefined) invalid(`SPKI algorithm ${oid} is not supported`);
    m.set(COSE_KEY.kty, COSE_KTY.OKP);
    m.set(COSE_KEY.crv, COSE_CURVES[crv]);
    m.set(COSE_KEY.x, pub);
  }
  try {
    return decodeCoseKey(m, options);
  } catch (e) {
    if (e instanceof Fido2kitError) throw e;
    invalid('SPKI key is invalid', e);
  }
}
