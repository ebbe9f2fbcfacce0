/**
 * The one X.509 writer of the repository's test material (RFC 5280 §4.1, §5.1): the DER of a
 * TBSCertificate or TBSCertList, and the signed structure around a signature made elsewhere.
 * It signs nothing itself, so the asynchronous WebCrypto helpers of `@fido2kit/attestation/testing`
 * and the synchronous @noble signer of `@fido2kit/virtual-authenticator` share it; OIDs come
 * from `x509.ts`'s `OID` table.
 */
import { sha256 } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, parseCertificate } from '../x509.js';

export { OID };

/** Subject name attributes, written in this order, one per RDN. */
export interface TestName {
  C?: string;
  O?: string;
  OU?: string;
  CN?: string;
}

/** A signature algorithm: its OID and the DER of its parameters, if any. */
export interface SignatureAlgorithm {
  readonly oid: string;
  readonly params?: Uint8Array;
}

/** ecdsa-with-SHA256 (RFC 5758 §3.2), what P-256 attestation keys sign with. */
export const ECDSA_WITH_SHA256: SignatureAlgorithm = Object.freeze({ oid: '1.2.840.10045.4.3.2' });

/** Key usages the builder writes. */
export type TestKeyUsage = 'digitalSignature' | 'keyCertSign' | 'cRLSign';

/** What {@link encodeTbsCertificate} writes. */
export interface CertificateSpec {
  /** 1 or 3. Default 3 (version 1 carries no extensions). */
  version?: 1 | 3;
  /** A positive serial number, or its big-endian bytes. */
  serial: number | Uint8Array;
  subject: TestName;
  /** The issuer's subject: a name, or the DER Name read from its certificate. Default: `subject`. */
  issuer?: TestName | Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key, DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Basic constraints: `true` CA, `false` end entity, `null` to omit the extension. Default false. */
  ca?: boolean | null;
  pathLength?: number;
  /** Default keyCertSign + cRLSign for a CA, digitalSignature otherwise; `null` omits it. */
  keyUsage?: readonly TestKeyUsage[] | null;
  extKeyUsage?: readonly string[];
  /** Default: the first 20 bytes of SHA-256(spki). */
  subjectKeyIdentifier?: Uint8Array;
  /** The issuer's subject key identifier; absent: no authority key identifier extension. */
  authorityKeyIdentifier?: Uint8Array;
  /** Extra extensions (DER values). */
  extensions?: readonly { oid: string; critical?: boolean; value: Uint8Array }[];
  signatureAlgorithm: SignatureAlgorithm;
}

const ab = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

function algorithmIdentifier(alg: SignatureAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: alg.oid,
    ...(alg.params ? { algorithmParams: asn1js.fromBER(ab(alg.params)).result } : {}),
  });
}

/**
 * A Name with one attribute per RDN (SEQUENCE OF single-attribute SETs), as X.509 names are
 * written: pkijs on its own would put every attribute into one multi-valued RDN, which relying
 * parties such as SimpleWebAuthn read as a subject without OU. Country is a PrintableString, the
 * rest UTF8String.
 */
export function encodeName(n: TestName): Uint8Array {
  const sets: asn1js.Set[] = [];
  const add = (oid: string, v: string | undefined, printable = false) => {
    if (v === undefined) return;
    const atv = new pkijs.AttributeTypeAndValue({
      type: oid,
      value: printable ? new asn1js.PrintableString({ value: v }) : new asn1js.Utf8String({ value: v }),
    });
    sets.push(new asn1js.Set({ value: [atv.toSchema()] }));
  };
  add(OID.country, n.C, true);
  add(OID.organization, n.O);
  add(OID.organizationalUnit, n.OU);
  add(OID.commonName, n.CN);
  return new Uint8Array(new asn1js.Sequence({ value: sets }).toBER(false));
}

function nameOf(n: TestName | Uint8Array): pkijs.RelativeDistinguishedNames {
  const der = n instanceof Uint8Array ? n : encodeName(n);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(ab(der)).result });
}

function ext(oid: string, critical: boolean, value: asn1js.AsnType | Uint8Array): pkijs.Extension {
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value.toBER(false));
  return new pkijs.Extension({ extnID: oid, critical, extnValue: ab(bytes) });
}

/** A KeyUsage BIT STRING in DER: trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageBits(usages: readonly TestKeyUsage[]): asn1js.BitString {
  let bits = 0;
  if (usages.includes('digitalSignature')) bits |= 0x80;
  if (usages.includes('keyCertSign')) bits |= 0x04;
  if (usages.includes('cRLSign')) bits |= 0x02;
  let unused = 0;
  while (unused < 7 && bits !== 0 && ((bits >> unused) & 1) === 0) unused++;
  return new asn1js.BitString({ valueHex: ab(Uint8Array.of(bits)), unusedBits: unused });
}

function time(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

function serialOf(s: number | Uint8Array): asn1js.Integer {
  if (typeof s === 'number') return new asn1js.Integer({ value: s });
  const b = s.slice();
  if (b.length > 0) b[0] = ((b[0] as number) & 0x7f) | 0x01; // positive, no leading zero
  return new asn1js.Integer({ valueHex: ab(b) });
}

function extensions(o: CertificateSpec): pkijs.Extension[] {
  const exts: pkijs.Extension[] = [];
  const ca = o.ca ?? false;
  if (ca !== null) {
    const bc: asn1js.AsnType[] = [];
    if (ca) bc.push(new asn1js.Boolean({ value: true }));
    if (ca && o.pathLength !== undefined) bc.push(new asn1js.Integer({ value: o.pathLength }));
    exts.push(ext(OID.basicConstraints, true, new asn1js.Sequence({ value: bc })));
  }
  const ku = o.keyUsage === undefined ? (ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature']) : o.keyUsage;
  if (ku !== null) exts.push(ext(OID.keyUsage, true, keyUsageBits(ku as TestKeyUsage[])));
  const ski = o.subjectKeyIdentifier ?? sha256(o.spki).subarray(0, 20);
  exts.push(ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ab(ski) })));
  if (o.authorityKeyIdentifier)
    exts.push(
      ext(
        OID.authorityKeyIdentifier,
        false,
        new asn1js.Sequence({
          value: [
            new asn1js.Primitive({
              idBlock: { tagClass: 3, tagNumber: 0 },
              valueHex: ab(o.authorityKeyIdentifier),
            }),
          ],
        }),
      ),
    );
  if (o.extKeyUsage)
    exts.push(
      ext(
        OID.extKeyUsage,
        false,
        new asn1js.Sequence({ value: o.extKeyUsage.map((x) => new asn1js.ObjectIdentifier({ value: x })) }),
      ),
    );
  for (const e of o.extensions ?? []) exts.push(ext(e.oid, e.critical ?? false, e.value));
  return exts;
}

/**
 * The DER TBSCertificate of `spec`, ready to be signed with `spec.signatureAlgorithm`.
 * @example
 * ```ts
 * const tbs = encodeTbsCertificate({ serial: 1, subject: { CN: 'Root' }, ca: true, spki, notBefore, notAfter, signatureAlgorithm: ECDSA_WITH_SHA256 });
 * const der = encodeSigned(tbs, ECDSA_WITH_SHA256, p256.sign(tbs, key, { format: 'der' }));
 * ```
 */
export function encodeTbsCertificate(spec: CertificateSpec): Uint8Array {
  const cert = new pkijs.Certificate();
  const v3 = (spec.version ?? 3) === 3;
  cert.version = v3 ? 2 : 0;
  cert.serialNumber = serialOf(spec.serial);
  cert.subject = nameOf(spec.subject);
  cert.issuer = nameOf(spec.issuer ?? spec.subject);
  cert.notBefore = time(spec.notBefore);
  cert.notAfter = time(spec.notAfter);
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(ab(spec.spki)).result });
  if (v3) cert.extensions = extensions(spec);
  cert.signature = algorithmIdentifier(spec.signatureAlgorithm);
  return new Uint8Array(cert.encodeTBS().toBER(false));
}

/**
 * What naming a certificate as the issuer of another takes from it: its subject Name (DER) and its
 * subject key identifier (for the authority key identifier), when it has one.
 * @throws {CertificateError} `ERR_CERTIFICATE_INVALID` when `certificate` is not a certificate
 */
export function issuerOf(certificate: Uint8Array): { name: Uint8Array; keyIdentifier?: Uint8Array } {
  const c = parseCertificate(certificate);
  return {
    name: c.subject.der,
    ...(c.subjectKeyIdentifier ? { keyIdentifier: c.subjectKeyIdentifier } : {}),
  };
}

/** What {@link encodeTbsCrl} writes (RFC 5280 §5.1, version 2). */
export interface CrlSpec {
  /** The issuing CA's subject, DER (its certificate's subject). */
  issuer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Serial numbers revoked (numbers or big-endian bytes), revoked at `thisUpdate`. */
  revoked?: readonly (number | Uint8Array)[];
  signatureAlgorithm: SignatureAlgorithm;
}

/** The DER TBSCertList of `spec`, ready to be signed with `spec.signatureAlgorithm`. */
export function encodeTbsCrl(spec: CrlSpec): Uint8Array {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = nameOf(spec.issuer);
  crl.thisUpdate = time(spec.thisUpdate);
  crl.nextUpdate = time(spec.nextUpdate);
  if (spec.revoked?.length)
    crl.revokedCertificates = spec.revoked.map(
      (s) =>
        new pkijs.RevokedCertificate({
          userCertificate:
            typeof s === 'number'
              ? new asn1js.Integer({ value: s })
              : new asn1js.Integer({ valueHex: ab(s) }),
          revocationDate: time(spec.thisUpdate),
        }),
    );
  const alg = algorithmIdentifier(spec.signatureAlgorithm);
  crl.signature = alg;
  crl.signatureAlgorithm = alg;
  return new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER(false));
}

/**
 * The signed structure (Certificate or CertificateList): SEQUENCE { tbs, algorithm, BIT STRING
 * signature }.
 */
export function encodeSigned(tbs: Uint8Array, alg: SignatureAlgorithm, signature: Uint8Array): Uint8Array {
  const full = new asn1js.Sequence({
    value: [
      asn1js.fromBER(ab(tbs)).result,
      algorithmIdentifier(alg).toSchema(),
      new asn1js.BitString({ valueHex: ab(signature) }),
    ],
  });
  return new Uint8Array(full.toBER(false));
}
