/**
 * Attestation certificates: a self-signed attestation CA and leaf certificates that meet
 * WebAuthn §8.2.1 (packed attestation statement certificate requirements): version 3; subject
 * C, O, OU "Authenticator Attestation", CN; basic constraints CA=false; the
 * id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4), not critical, holding the AAGUID.
 *
 * The DER is written by `@fido2kit/attestation/testing`'s X.509 writer (one writer and one OID
 * table for the repository's test material); this file signs it synchronously with
 * @noble/curves P-256, so the authenticator needs no WebCrypto engine and its output is
 * deterministic for a given random source.
 */
import {
  aaguidExtension,
  ECDSA_WITH_SHA256,
  encodeName,
  encodeSigned,
  encodeTbsCertificate,
  issuerOf,
  OID,
  type TestName,
} from '@fido2kit/attestation/testing';
import { coseKeyToSpki, equalBytes } from '@fido2kit/cose';
import { p256 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';

/** The id-fido-gen-ce-aaguid extension OID (WebAuthn §8.2.1). */
export const ID_FIDO_GEN_CE_AAGUID = OID.fidoGenCeAaguid;

/** A distinguished name as (attribute, value) pairs, e.g. [['C', 'US'], ['O', 'fido2kit']]; written C, O, OU, CN. */
export type DistinguishedName = [keyof TestName, string][];

const nameOf = (dn: DistinguishedName): TestName => Object.fromEntries(dn) as TestName;

/** The DER SubjectPublicKeyInfo of an uncompressed P-256 point. */
export function p256Spki(point: Uint8Array): Uint8Array {
  return coseKeyToSpki({ kty: 'EC2', crv: 'P-256', x: point.slice(1, 33), y: point.slice(33, 65) });
}

/** What {@link issueCertificate} needs. */
export interface IssueOptions {
  subject: DistinguishedName;
  /** The issuer's certificate (DER); absent: self-signed. Its subject and key identifier are used. */
  issuer?: Uint8Array;
  /** The uncompressed P-256 public point to certify. */
  publicKey: Uint8Array;
  /** The issuer's P-256 private scalar. */
  signingKey: Uint8Array;
  /** The issuer's public point (for the authority key identifier of a self-signed certificate). */
  issuerPublicKey: Uint8Array;
  /**
   * The authority key identifier. Default: the issuer certificate's subject key identifier, else
   * the SHA-1 of `issuerPublicKey` (RFC 5280 §4.2.1.2 method 1, what this module writes as SKI).
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

/**
 * Issues an X.509 v3 certificate signed with ECDSA P-256 / SHA-256; returns its DER.
 * @example
 * ```ts
 * const key = p256.utils.randomSecretKey();
 * const pub = p256.getPublicKey(key, false);
 * const root = issueCertificate({ subject: [['CN', 'Vendor Root']], publicKey: pub, signingKey: key, issuerPublicKey: pub, ca: true, serial: random(16) });
 * ```
 */
export function issueCertificate(o: IssueOptions): Uint8Array {
  const issuer = o.issuer === undefined ? undefined : issuerOf(o.issuer);
  const tbs = encodeTbsCertificate({
    serial: o.serial.slice(0, 16),
    subject: nameOf(o.subject),
    issuer: issuer?.name ?? nameOf(o.subject),
    notBefore: o.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
    notAfter: o.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
    spki: p256Spki(o.publicKey),
    ca: o.ca,
    subjectKeyIdentifier: sha1(o.publicKey),
    authorityKeyIdentifier: o.authorityKeyId ?? issuer?.keyIdentifier ?? sha1(o.issuerPublicKey),
    extensions: o.aaguid === undefined ? [] : [aaguidExtension(o.aaguid)],
    signatureAlgorithm: ECDSA_WITH_SHA256,
  });
  return encodeSigned(tbs, ECDSA_WITH_SHA256, p256.sign(tbs, o.signingKey, { format: 'der' }));
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
    return equalBytes(issuerOf(der).name, encodeName(nameOf(CA_SUBJECT)));
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
    issuer: ca.caCert,
    publicKey: p256.getPublicKey(leafKey, false),
    signingKey: ca.caKey,
    issuerPublicKey: p256.getPublicKey(ca.caKey, false),
    ca: false,
    serial: random(16),
    ...(aaguid === undefined ? {} : { aaguid }),
  });
  return { leafKey, leafCert };
}
