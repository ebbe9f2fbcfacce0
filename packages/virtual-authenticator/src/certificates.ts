/**
 * Attestation certificates: a self-signed attestation CA and leaf certificates that meet
 * WebAuthn §8.2.1 (packed attestation statement certificate requirements): version 3; subject
 * C, O, OU "Authenticator Attestation", CN; basic constraints CA=false; the
 * id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4), not critical, holding the AAGUID.
 * Built with pkijs/asn1js and signed with @noble/curves P-256, so no WebCrypto engine is needed and
 * the output is deterministic for a given random source.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const OID = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  fidoGenCeAaguid: '1.3.6.1.4.1.45724.1.1.4',
} as const;

/** The id-fido-gen-ce-aaguid extension OID (WebAuthn §8.2.1). */
export const ID_FIDO_GEN_CE_AAGUID = OID.fidoGenCeAaguid;

/** A distinguished name as (attribute, value) pairs in order, e.g. [['C', 'US'], ['O', 'fido2kit']]. */
export type DistinguishedName = [keyof typeof OID & ('C' | 'O' | 'OU' | 'CN'), string][];

function ab(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/**
 * A Name with one attribute per RDN (SEQUENCE OF SET OF one AttributeTypeAndValue), as X.509
 * names are written and as WebAuthn §8.2.1's subject checks read them. pkijs would put every
 * attribute into one multi-valued RDN, so the DER is built here and handed to pkijs decoded,
 * which makes it keep these exact bytes.
 */
function rdn(name: DistinguishedName): pkijs.RelativeDistinguishedNames {
  const seq = new asn1js.Sequence({
    value: name.map(
      ([k, v]) =>
        new asn1js.Set({
          value: [
            new pkijs.AttributeTypeAndValue({
              type: OID[k],
              value:
                k === 'C' ? new asn1js.PrintableString({ value: v }) : new asn1js.Utf8String({ value: v }),
            }).toSchema(),
          ],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(seq.toBER(false)).result });
}

/** The DER SubjectPublicKeyInfo of an uncompressed P-256 point. */
export function p256Spki(point: Uint8Array): Uint8Array {
  const seq = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }),
          new asn1js.ObjectIdentifier({ value: OID.prime256v1 }),
        ],
      }),
      new asn1js.BitString({ valueHex: ab(point) }),
    ],
  });
  return new Uint8Array(seq.toBER(false));
}

function extension(id: string, critical: boolean, value: asn1js.BaseBlock | pkijs.PkiObject) {
  const schema = value instanceof pkijs.PkiObject ? value.toSchema() : value;
  return new pkijs.Extension({ extnID: id, critical, extnValue: schema.toBER(false) });
}

/** What {@link issueCertificate} needs. */
export interface IssueOptions {
  subject: DistinguishedName;
  /** The issuer's subject; the subject itself when self-signed. */
  issuer?: pkijs.RelativeDistinguishedNames;
  /** The uncompressed P-256 public point to certify. */
  publicKey: Uint8Array;
  /** The issuer's P-256 private scalar. */
  signingKey: Uint8Array;
  /** The issuer's public point (for the authority key identifier). */
  issuerPublicKey: Uint8Array;
  /**
   * The authority key identifier: the issuer certificate's subject key identifier. Default: the
   * SHA-1 of `issuerPublicKey` (RFC 5280 §4.2.1.2 method 1, what this module writes as SKI).
   */
  authorityKeyId?: Uint8Array;
  ca: boolean;
  /** 16 bytes of randomness for the serial number. */
  serial: Uint8Array;
  /** The AAGUID for id-fido-gen-ce-aaguid; absent: no extension. */
  aaguid?: Uint8Array;
  notBefore?: Date;
  notAfter?: Date;
}

/** Issues an X.509 v3 certificate signed with ECDSA P-256 / SHA-256; returns its DER. */
export function issueCertificate(o: IssueOptions): Uint8Array {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = o.serial.slice(0, 16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  cert.serialNumber = new asn1js.Integer({ valueHex: ab(serial) });
  const subject = rdn(o.subject);
  cert.subject = subject;
  cert.issuer = o.issuer ?? rdn(o.subject);
  cert.notBefore = new pkijs.Time({ type: 0, value: o.notBefore ?? new Date(Date.UTC(2020, 0, 1)) });
  cert.notAfter = new pkijs.Time({
    type: 0,
    value: o.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
  });
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(ab(p256Spki(o.publicKey)));
  const exts: pkijs.Extension[] = [
    extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: o.ca })),
    extension(
      OID.keyUsage,
      true,
      // digitalSignature (bit 0) for a leaf; keyCertSign (5) and cRLSign (6) for a CA
      new asn1js.BitString({ valueHex: ab(Uint8Array.of(o.ca ? 0x06 : 0x80)), unusedBits: o.ca ? 1 : 7 }),
    ),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ab(sha1(o.publicKey)) })),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: ab(o.authorityKeyId ?? sha1(o.issuerPublicKey)) }),
      }),
    ),
  ];
  if (o.aaguid !== undefined) {
    exts.push(extension(OID.fidoGenCeAaguid, false, new asn1js.OctetString({ valueHex: ab(o.aaguid) })));
  }
  cert.extensions = exts;
  cert.signature = new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 });
  cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 });
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const sig = p256.sign(tbs, o.signingKey, { format: 'der' });
  cert.signatureValue = new asn1js.BitString({ valueHex: ab(sig) });
  return new Uint8Array(cert.toSchema(true).toBER(false));
}

/** The subject name of a DER certificate (to name it as the issuer of another). */
export function certificateSubject(der: Uint8Array): pkijs.RelativeDistinguishedNames {
  return pkijs.Certificate.fromBER(ab(der)).subject;
}

/**
 * A certificate's subject key identifier, if it has one. Certificates it issues must carry it
 * as their authority key identifier: path builders (OpenSSL, ours) take a mismatch to mean "not
 * this issuer", and CAs made elsewhere need not compute it as SHA-1 of the key.
 */
export function subjectKeyIdentifier(der: Uint8Array): Uint8Array | undefined {
  const ext = pkijs.Certificate.fromBER(ab(der)).extensions?.find(
    (e) => e.extnID === OID.subjectKeyIdentifier,
  );
  if (!ext) return undefined;
  const inner = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView.slice().buffer);
  return inner.result instanceof asn1js.OctetString
    ? new Uint8Array(inner.result.valueBlock.valueHexView)
    : undefined;
}

/** An attestation chain: the CA and a leaf. */
export interface AttestationChain {
  caKey: Uint8Array;
  caCert: Uint8Array;
  leafKey: Uint8Array;
  leafCert: Uint8Array;
}

/** The subject of generated attestation CAs. */
export const CA_SUBJECT: DistinguishedName = [
  ['C', 'US'],
  ['O', 'fido2kit'],
  ['CN', 'fido2kit Virtual Attestation CA'],
];

/** The subject of generated attestation leaves (WebAuthn §8.2.1). */
export const LEAF_SUBJECT: DistinguishedName = [
  ['C', 'US'],
  ['O', 'fido2kit'],
  ['OU', 'Authenticator Attestation'],
  ['CN', 'fido2kit Virtual Authenticator'],
];

/**
 * Whether a CA certificate is one {@link generateCa} made (its subject is {@link CA_SUBJECT}),
 * rather than one a caller gave; an unreadable certificate is not.
 */
export function isGeneratedCa(der: Uint8Array): boolean {
  try {
    return certificateSubject(der).isEqual(rdn(CA_SUBJECT));
  } catch {
    return false;
  }
}

/** Generates a self-signed attestation CA. */
export function generateCa(random: (n: number) => Uint8Array): { caKey: Uint8Array; caCert: Uint8Array } {
  const caKey = p256.utils.randomSecretKey(random(48));
  const pub = p256.getPublicKey(caKey, false);
  const caCert = issueCertificate({
    subject: CA_SUBJECT,
    publicKey: pub,
    signingKey: caKey,
    issuerPublicKey: pub,
    ca: true,
    serial: random(16),
  });
  return { caKey, caCert };
}

/** Generates an attestation leaf key and certificate under a CA. */
export function generateLeaf(
  random: (n: number) => Uint8Array,
  ca: { caKey: Uint8Array; caCert: Uint8Array },
  aaguid: Uint8Array | undefined,
): { leafKey: Uint8Array; leafCert: Uint8Array } {
  const leafKey = p256.utils.randomSecretKey(random(48));
  const leafCert = issueCertificate({
    subject: LEAF_SUBJECT,
    issuer: certificateSubject(ca.caCert),
    publicKey: p256.getPublicKey(leafKey, false),
    signingKey: ca.caKey,
    issuerPublicKey: p256.getPublicKey(ca.caKey, false),
    authorityKeyId: subjectKeyIdentifier(ca.caCert),
    ca: false,
    serial: random(16),
    aaguid,
  });
  return { leafKey, leafCert };
}
