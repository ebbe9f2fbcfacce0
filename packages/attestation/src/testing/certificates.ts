/** Test certificates, a test PKI (root → intermediate → BLOB signer) and CRLs, signed with WebCrypto. */
import { sha256 } from '@fido2kit/cose';
import { derToPem, parseCertificate, type X509Certificate } from '../x509.js';
import {
  certificateSignatureAlgorithm,
  generateTestKey,
  type TestKeyAlgorithm,
  type TestKeyPair,
  testSign,
} from './keys.js';
import { encodeSigned, encodeTbsCertificate, encodeTbsCrl, type TestName } from './x509-builder.js';

/** A generated certificate with its key. */
export interface TestCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: TestKeyPair;
  readonly certificate: X509Certificate;
}

/** Options of {@link createTestCertificate}. */
export interface TestCertificateOptions {
  subject: TestName;
  /** The issuing certificate; self-signed when absent. */
  issuer?: TestCertificate;
  /** The subject's key; generated (ES256) when absent. */
  key?: TestKeyPair;
  /** Algorithm for a generated key. */
  algorithm?: TestKeyAlgorithm;
  notBefore?: Date;
  notAfter?: Date;
  /** Basic constraints: `true` CA, `false` end entity, `null` to omit the extension. Default false. */
  ca?: boolean | null;
  pathLength?: number;
  /** Key usage; default keyCertSign+cRLSign for CAs, digitalSignature otherwise; `null` omits it. */
  keyUsage?: readonly ('digitalSignature' | 'keyCertSign' | 'cRLSign')[] | null;
  extKeyUsage?: readonly string[];
  /** Extra extensions (DER values). */
  extensions?: readonly { oid: string; critical?: boolean; value: Uint8Array }[];
  serial?: number;
  /** The hash the issuer signs with (ECDSA issuers may mix curves and hashes). */
  signatureHash?: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Certificate version (1 or 3). Default 3. */
  version?: 1 | 3;
}

let serialCounter = 1;

/**
 * Creates a certificate (self-signed, or issued by `issuer`).
 * @example
 * ```ts
 * const root = await createTestCertificate({ subject: { CN: 'Demo Root' }, ca: true });
 * const leaf = await createTestCertificate({ subject: { C: 'US', O: 'Demo', OU: 'Authenticator Attestation', CN: 'Demo Key' }, issuer: root });
 * ```
 */
export async function createTestCertificate(options: TestCertificateOptions): Promise<TestCertificate> {
  const key = options.key ?? (await generateTestKey(options.algorithm ?? 'ES256'));
  const issuerKey = options.issuer?.key ?? key;
  const signatureAlgorithm = certificateSignatureAlgorithm(issuerKey, options.signatureHash);
  const tbs = encodeTbsCertificate({
    version: options.version ?? 3,
    serial: options.serial ?? serialCounter++,
    subject: options.subject,
    issuer: options.issuer ? options.issuer.certificate.subject.der : options.subject,
    notBefore: options.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
    notAfter: options.notAfter ?? new Date(Date.UTC(2099, 0, 1)),
    spki: key.spki,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.pathLength === undefined ? {} : { pathLength: options.pathLength }),
    ...(options.keyUsage === undefined ? {} : { keyUsage: options.keyUsage }),
    ...(options.extKeyUsage ? { extKeyUsage: options.extKeyUsage } : {}),
    ...(options.issuer
      ? {
          authorityKeyIdentifier:
            options.issuer.certificate.subjectKeyIdentifier ??
            sha256(options.issuer.key.spki).subarray(0, 20),
        }
      : {}),
    ...(options.extensions ? { extensions: options.extensions } : {}),
    signatureAlgorithm,
  });
  const sig = await testSign(issuerKey, tbs, options.signatureHash ? { hash: options.signatureHash } : {});
  const der = encodeSigned(tbs, signatureAlgorithm, sig);
  return Object.freeze({ der, pem: derToPem(der), key, certificate: parseCertificate(der) });
}

/** Options of {@link createTestCrl}. */
export interface TestCrlOptions {
  /** Serial numbers to list as revoked. */
  /** Serial numbers to list as revoked: numbers, big-endian bytes, or hex (`serialNumberHex`). */
  revoked?: readonly (number | string | Uint8Array)[];
  /** Default: one day before now. */
  thisUpdate?: Date;
  /** Default: thirty days after now. */
  nextUpdate?: Date;
  /** Sign with this certificate's key instead of the issuer's (a forged CRL). */
  signWith?: TestCertificate;
}

/**
 * A CRL (RFC 5280 §5) issued and signed by a test CA.
 * @example
 * ```ts
 * const crl = await createTestCrl(pki.intermediate, { revoked: [pki.signer.certificate.serialNumberHex] });
 * await loadMetadataBlob(jwt, { rootCertificate: pki.root.pem, crl: { crls: [crl, ...pki.crls] } });
 * ```
 */
export async function createTestCrl(
  issuer: TestCertificate,
  options: TestCrlOptions = {},
): Promise<Uint8Array> {
  const now = Date.now();
  const signer = (options.signWith ?? issuer).key;
  const signatureAlgorithm = certificateSignatureAlgorithm(signer);
  const tbs = encodeTbsCrl({
    issuer: issuer.certificate.subject.der,
    thisUpdate: options.thisUpdate ?? new Date(now - 864e5),
    nextUpdate: options.nextUpdate ?? new Date(now + 30 * 864e5),
    revoked: (options.revoked ?? []).map((s) => (typeof s === 'string' ? hexBytes(s) : s)),
    signatureAlgorithm,
  });
  return encodeSigned(tbs, signatureAlgorithm, await testSign(signer, tbs));
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));
}

/** A root → intermediate → BLOB signer hierarchy for MDS tests. */
export interface TestPki {
  readonly root: TestCertificate;
  readonly intermediate: TestCertificate;
  readonly signer: TestCertificate;
  /**
   * Current CRLs of the root and the intermediate, revoking nothing: what MDS3 revocation
   * checking of the signer chain needs (`loadMetadataBlob(jwt, { crl: { crls: pki.crls } })`).
   */
  readonly crls: readonly Uint8Array[];
}

/**
 * Creates a demo MDS PKI: a root, an intermediate and a BLOB signer, valid around `now`, and the
 * root's and intermediate's current CRLs.
 * @example
 * ```ts
 * const pki = await createTestPki();
 * const jwt = await createMetadataBlob({ pki, entries: [createMetadataEntry({ aaguid, description: 'Demo key' })] });
 * const catalog = await loadMetadataBlob(jwt, { rootCertificate: pki.root.pem });
 * ```
 */
export async function createTestPki(
  options: {
    now?: Date;
    rootAlgorithm?: TestKeyAlgorithm;
    signerAlgorithm?: TestKeyAlgorithm;
    name?: string;
  } = {},
): Promise<TestPki> {
  const now = options.now ?? new Date();
  const nb = new Date(now.getTime() - 365 * 864e5);
  const na = new Date(now.getTime() + 5 * 365 * 864e5);
  const n = options.name ?? 'fido2kit Demo';
  const root = await createTestCertificate({
    subject: { C: 'US', O: n, CN: `${n} Root` },
    ca: true,
    algorithm: options.rootAlgorithm ?? 'ES256',
    notBefore: nb,
    notAfter: na,
  });
  const intermediate = await createTestCertificate({
    subject: { C: 'US', O: n, CN: `${n} Intermediate` },
    issuer: root,
    ca: true,
    pathLength: 0,
    notBefore: nb,
    notAfter: na,
  });
  const signer = await createTestCertificate({
    subject: { C: 'US', O: n, CN: `${n} Metadata Signer` },
    issuer: intermediate,
    algorithm: options.signerAlgorithm ?? 'ES256',
    notBefore: nb,
    notAfter: na,
  });
  const crlTimes = { thisUpdate: new Date(now.getTime() - 864e5), nextUpdate: na };
  const crls = Object.freeze([
    await createTestCrl(root, crlTimes),
    await createTestCrl(intermediate, crlTimes),
  ]);
  return Object.freeze({ root, intermediate, signer, crls });
}
