/**
 * X.509 certificates (RFC 5280) on asn1js/pkijs: parsed once into a plain, frozen structure the
 * path validator and the attestation formats read.
 */
import { bytesToHex, isFido2kitError, sha256 } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CertificateError } from './errors.js';

/** One attribute of a distinguished name. */
export interface NameAttribute {
  /** The attribute type OID, e.g. `2.5.4.3` (CN). */
  readonly type: string;
  /** The attribute value as text. */
  readonly value: string;
}

/** A distinguished name. */
export interface DistinguishedName {
  readonly attributes: readonly NameAttribute[];
  /** The DER encoding of the name. */
  readonly der: Uint8Array;
}

/** A certificate extension. */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER inside the extension's OCTET STRING. */
  readonly value: Uint8Array;
}

/** A parsed X.509 certificate. */
export interface X509Certificate {
  /** The DER bytes (a copy). */
  readonly der: Uint8Array;
  /** The DER of the TBSCertificate (what the issuer signed). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  readonly serialNumberHex: string;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING's contents. */
  readonly publicKeyBytes: Uint8Array;
  /** The signature algorithm OID and its parameters' DER (if any). */
  readonly signatureAlgorithm: { readonly oid: string; readonly params?: Uint8Array };
  readonly signature: Uint8Array;
  readonly extensions: ReadonlyMap<string, CertificateExtension>;
  /** Basic constraints, when the extension is present. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Key usage bits by name, when the extension is present. */
  readonly keyUsage?: ReadonlySet<KeyUsage>;
  /** Extended key usage OIDs, when the extension is present. */
  readonly extKeyUsage?: readonly string[];
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: Uint8Array;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint256: string;
}

/** Key usage bit names (RFC 5280 §4.2.1.3). */
export type KeyUsage =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_BITS: readonly KeyUsage[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** Well-known OIDs. */
export const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  certificatePolicies: '2.5.29.32',
  crlDistributionPoints: '2.5.29.31',
  nameConstraints: '2.5.29.30',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  fidoGenCeAaguid: '1.3.6.1.4.1.45724.1.1.4',
  fidoU2fTransports: '1.3.6.1.4.1.45724.2.1.1',
  tcgKpAikCertificate: '2.23.133.8.3',
  tpmManufacturer: '2.23.133.2.1',
  tpmModel: '2.23.133.2.2',
  tpmVersion: '2.23.133.2.3',
  androidKeyDescription: '1.3.6.1.4.1.11129.2.1.17',
  appleNonce: '1.2.840.113635.100.8.2',
} as const;

function fail(message: string, cause?: unknown): never {
  throw new CertificateError('ERR_CERTIFICATE_INVALID', message, cause === undefined ? undefined : { cause });
}

function toBytes(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return v instanceof ArrayBuffer
    ? new Uint8Array(v).slice()
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
}

function attributeText(value: unknown): string {
  const v = value as { valueBlock?: { value?: unknown } };
  if (typeof v?.valueBlock?.value === 'string') return v.valueBlock.value;
  return '';
}

function parseName(rdn: pkijs.RelativeDistinguishedNames): DistinguishedName {
  return Object.freeze({
    attributes: Object.freeze(
      rdn.typesAndValues.map((tv) => Object.freeze({ type: tv.type, value: attributeText(tv.value) })),
    ),
    der: toBytes(rdn.valueBeforeDecode),
  });
}

/** The first value of an attribute in a name, e.g. `nameValue(cert.subject, OID.commonName)`. */
export function nameValue(name: DistinguishedName, type: string): string | undefined {
  return name.attributes.find((a) => a.type === type)?.value;
}

function normaliseName(n: DistinguishedName): string {
  return n.attributes.map((a) => `${a.type}=${a.value.trim().replace(/\s+/g, ' ').toLowerCase()}`).join(',');
}

/** RFC 5280 §7.1 name matching: the same DER, or the same attributes compared case-insensitively. */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.der.length === b.der.length && a.der.every((x, i) => x === b.der[i])) return true;
  return normaliseName(a) === normaliseName(b);
}

function parseBasicConstraints(value: Uint8Array): { ca: boolean; pathLength?: number } {
  const r = asn1js.fromBER(value.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.Sequence)) fail('basicConstraints is malformed');
  let ca = false;
  let pathLength: number | undefined;
  for (const item of r.result.valueBlock.value) {
    if (item instanceof asn1js.Boolean) ca = item.valueBlock.value;
    else if (item instanceof asn1js.Integer) {
      const n = item.valueBlock.valueDec;
      if (!Number.isSafeInteger(n) || n < 0) fail('basicConstraints pathLenConstraint is invalid');
      pathLength = n;
    } else fail('basicConstraints is malformed');
  }
  return pathLength === undefined ? { ca } : { ca, pathLength };
}

function parseKeyUsage(value: Uint8Array): Set<KeyUsage> {
  const r = asn1js.fromBER(value.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.BitString)) fail('keyUsage is malformed');
  const bits = new Uint8Array(r.result.valueBlock.valueHexView);
  const out = new Set<KeyUsage>();
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bits[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) out.add(name);
  });
  return out;
}

function parseExtKeyUsage(value: Uint8Array): string[] {
  const r = asn1js.fromBER(value.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.Sequence)) fail('extKeyUsage is malformed');
  return r.result.valueBlock.value.map((o) => {
    if (!(o instanceof asn1js.ObjectIdentifier)) fail('extKeyUsage is malformed');
    return o.valueBlock.toString();
  });
}

function parseOctets(value: Uint8Array, name: string): Uint8Array {
  const r = asn1js.fromBER(value.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.OctetString)) fail(`${name} is malformed`);
  return new Uint8Array(r.result.valueBlock.valueHexView).slice();
}

function parseAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const r = asn1js.fromBER(value.slice());
  if (r.offset === -1 || !(r.result instanceof asn1js.Sequence)) fail('authorityKeyIdentifier is malformed');
  for (const item of r.result.valueBlock.value) {
    if (item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0) {
      return new Uint8Array((item as asn1js.Primitive).valueBlock.valueHexView).slice();
    }
  }
  return undefined;
}

/**
 * Parses a DER X.509 certificate.
 * @throws {CertificateError} `ERR_CERTIFICATE_INVALID`
 * @example
 * ```ts
 * const cert = parseCertificate(x5c[0]);
 * cert.subject.attributes; cert.notAfter; cert.basicConstraints?.ca;
 * ```
 */
export function parseCertificate(der: Uint8Array): X509Certificate {
  if (!(der instanceof Uint8Array) || der.length === 0) fail('certificate expected non-empty DER bytes');
  const bytes = der.slice();
  const print = bytesToHex(sha256(bytes));
  const hit = parsedCache.get(print);
  if (hit) {
    parsedCache.delete(print);
    parsedCache.set(print, hit);
    return hit;
  }
  const cert = parseUncached(bytes, print);
  parsedCache.set(print, cert);
  if (parsedCache.size > 512) parsedCache.delete(parsedCache.keys().next().value as string);
  return cert;
}

// Parsed certificates by SHA-256 (frozen, immutable): attestation CAs and anchors repeat.
const parsedCache = new Map<string, X509Certificate>();

function parseUncached(bytes: Uint8Array, print: string): X509Certificate {
  let cert: pkijs.Certificate;
  try {
    const asn = asn1js.fromBER(bytes);
    if (asn.offset === -1 || asn.offset !== bytes.length) fail('certificate is not one DER value');
    cert = new pkijs.Certificate({ schema: asn.result });
  } catch (e) {
    if (isFido2kitError(e)) throw e;
    fail(`certificate is malformed: ${(e as Error).message}`, e);
  }
  try {
    const extensions = new Map<string, CertificateExtension>();
    for (const ext of cert.extensions ?? []) {
      if (extensions.has(ext.extnID)) fail(`certificate repeats extension ${ext.extnID}`);
      extensions.set(
        ext.extnID,
        Object.freeze({
          oid: ext.extnID,
          critical: ext.critical,
          value: new Uint8Array(ext.extnValue.valueBlock.valueHexView).slice(),
        }),
      );
    }
    const bc = extensions.get(OID.basicConstraints);
    const ku = extensions.get(OID.keyUsage);
    const eku = extensions.get(OID.extKeyUsage);
    const ski = extensions.get(OID.subjectKeyIdentifier);
    const aki = extensions.get(OID.authorityKeyIdentifier);
    const spki = toBytes(cert.subjectPublicKeyInfo.toSchema().toBER(false));
    const sigParams = cert.signatureAlgorithm.algorithmParams as asn1js.BaseBlock | undefined;
    const out: X509Certificate = {
      der: bytes,
      tbs: cert.tbsView.slice(),
      version: cert.version + 1,
      serialNumberHex: bytesToHex(new Uint8Array(cert.serialNumber.valueBlock.valueHexView)),
      issuer: parseName(cert.issuer),
      subject: parseName(cert.subject),
      notBefore: cert.notBefore.value,
      notAfter: cert.notAfter.value,
      spki,
      publicKeyBytes: new Uint8Array(
        cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView,
      ).slice(),
      signatureAlgorithm: Object.freeze(
        sigParams && !(sigParams instanceof asn1js.Null) && sigParams.idBlock?.tagNumber !== undefined
          ? { oid: cert.signatureAlgorithm.algorithmId, params: toBytes(sigParams.toBER(false)) }
          : { oid: cert.signatureAlgorithm.algorithmId },
      ),
      signature: new Uint8Array(cert.signatureValue.valueBlock.valueHexView).slice(),
      extensions,
      fingerprint256: print,
      ...(bc ? { basicConstraints: Object.freeze(parseBasicConstraints(bc.value)) } : {}),
      ...(ku ? { keyUsage: parseKeyUsage(ku.value) } : {}),
      ...(eku ? { extKeyUsage: Object.freeze(parseExtKeyUsage(eku.value)) } : {}),
      ...(ski ? { subjectKeyIdentifier: parseOctets(ski.value, 'subjectKeyIdentifier') } : {}),
    };
    if (aki) {
      const id = parseAuthorityKeyId(aki.value);
      if (id) (out as { authorityKeyIdentifier?: Uint8Array }).authorityKeyIdentifier = id;
    }
    if (Number.isNaN(out.notBefore.getTime()) || Number.isNaN(out.notAfter.getTime()))
      fail('certificate validity dates are invalid');
    return Object.freeze(out);
  } catch (e) {
    if (isFido2kitError(e)) throw e;
    fail(`certificate is malformed: ${(e as Error).message}`, e);
  }
}

/** A trust anchor or certificate given as PEM text, DER bytes or an already parsed certificate. */
export type CertificateInput = string | Uint8Array | X509Certificate;

function base64ToBytes(b64: string): Uint8Array {
  const clean = b64.replace(/[\s\r\n]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) fail('PEM body is not base64');
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * DER bytes of every certificate in a PEM text (or of one bare base64 certificate).
 * @throws {CertificateError} `ERR_CERTIFICATE_INVALID`
 */
export function pemToDer(pem: string): Uint8Array[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  if (blocks.length === 0) {
    if (/^[\sA-Za-z0-9+/=]+$/.test(pem) && pem.trim().length > 0) return [base64ToBytes(pem)];
    fail('expected a PEM certificate');
  }
  return blocks.map((m) => base64ToBytes(m[1] ?? ''));
}

/** Standard base64 decoding (as used by JWS `x5c`). @internal */
export function decodeBase64(b64: string): Uint8Array {
  return base64ToBytes(b64);
}

/** PEM text of a DER certificate. */
export function derToPem(der: Uint8Array): string {
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  const body = btoa(bin).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

/**
 * Normalises certificate inputs (PEM strings — possibly several per string —, DER bytes, parsed
 * certificates) to parsed certificates.
 * @throws {CertificateError} `ERR_CERTIFICATE_INVALID`
 */
export function toCertificates(inputs: readonly CertificateInput[] | undefined): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const input of inputs ?? []) {
    if (typeof input === 'string') for (const der of pemToDer(input)) out.push(parseCertificate(der));
    else if (input instanceof Uint8Array) out.push(parseCertificate(input));
    else if (input && typeof input === 'object' && (input as X509Certificate).der instanceof Uint8Array)
      out.push(input as X509Certificate);
    else fail('a certificate expected PEM text, DER bytes or a parsed certificate');
  }
  return out;
}

/** True when the certificate names itself as issuer. */
export function isSelfIssued(cert: X509Certificate): boolean {
  return sameName(cert.subject, cert.issuer);
}
