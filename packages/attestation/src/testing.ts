/**
 * `@fido2kit/attestation/testing`: a test PKI and signed artefacts for tests, demos and examples —
 * certificates, MDS3 BLOBs signed by a demo root, and packed / fido-u2f / self / none attestation
 * objects. Uses WebCrypto (`globalThis.crypto.subtle`); never use these keys in production.
 *
 * @packageDocumentation
 */
import {
  base64url,
  type CborValue,
  concatBytes,
  ecdsaRawToDer,
  encode,
  encodeCoseKey,
  jwkToCoseKey,
  sha256,
  utf8Encode,
} from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { MetadataEntry, MetadataStatement, StatusReport } from './mds/types.js';
import { derToPem, OID, parseCertificate, type X509Certificate } from './x509.js';

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

/** A generated certificate with its key. */
export interface TestCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly key: TestKeyPair;
  readonly certificate: X509Certificate;
}

const subtle = (): SubtleCrypto => {
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
const COSE_ALG: Record<TestKeyAlgorithm, number> = {
  ES256: -7,
  ES384: -35,
  ES512: -36,
  RS256: -257,
  PS256: -37,
  Ed25519: -8,
};

/** Generates a key pair. */
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

/**
 * A fresh key pair for test certificates and attestation statements (WebCrypto).
 * @param algorithm the key type (default ES256, a P-256 key)
 * @returns the key pair with its SPKI bytes
 */
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

/** Subject name attributes. */
export interface TestName {
  C?: string;
  O?: string;
  OU?: string;
  CN?: string;
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

const SIG_OIDS: Record<string, string> = {
  'ECDSA-SHA-256': '1.2.840.10045.4.3.2',
  'ECDSA-SHA-384': '1.2.840.10045.4.3.3',
  'ECDSA-SHA-512': '1.2.840.10045.4.3.4',
  RS256: '1.2.840.113549.1.1.11',
  PS256: '1.2.840.113549.1.1.10',
  Ed25519: '1.3.101.112',
};

function sigAlgorithm(key: TestKeyPair, hash?: string): pkijs.AlgorithmIdentifier {
  const a = key.algorithm;
  if (a.startsWith('ES')) {
    const h = hash ?? (a === 'ES384' ? 'SHA-384' : a === 'ES512' ? 'SHA-512' : 'SHA-256');
    return new pkijs.AlgorithmIdentifier({ algorithmId: SIG_OIDS[`ECDSA-${h}`] as string });
  }
  if (a === 'RS256')
    return new pkijs.AlgorithmIdentifier({
      algorithmId: SIG_OIDS.RS256 as string,
      algorithmParams: new asn1js.Null(),
    });
  if (a === 'PS256') {
    const sha256Id = new asn1js.Sequence({
      value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' })],
    });
    const params = new asn1js.Sequence({
      value: [
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [sha256Id] }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 1 },
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.8' }),
                new asn1js.Sequence({
                  value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' })],
                }),
              ],
            }),
          ],
        }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 2 },
          value: [new asn1js.Integer({ value: 32 })],
        }),
      ],
    });
    return new pkijs.AlgorithmIdentifier({ algorithmId: SIG_OIDS.PS256 as string, algorithmParams: params });
  }
  return new pkijs.AlgorithmIdentifier({ algorithmId: SIG_OIDS.Ed25519 as string });
}

/**
 * A Name with one attribute per RDN (SEQUENCE OF single-attribute SETs), as X.509 names are
 * written: pkijs on its own would put every attribute into one multi-valued RDN, which relying
 * parties such as SimpleWebAuthn read as a subject without OU. The DER is built here and given
 * to pkijs decoded, so it keeps these exact bytes.
 */
function name(n: TestName): pkijs.RelativeDistinguishedNames {
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
  const der = new asn1js.Sequence({ value: sets }).toBER(false);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

function ext(oid: string, critical: boolean, value: asn1js.AsnType | Uint8Array): pkijs.Extension {
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value.toBER(false));
  return new pkijs.Extension({ extnID: oid, critical, extnValue: bytes.slice().buffer });
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
  const cert = new pkijs.Certificate();
  const v3 = (options.version ?? 3) === 3;
  cert.version = v3 ? 2 : 0;
  cert.serialNumber = new asn1js.Integer({ value: options.serial ?? serialCounter++ });
  cert.subject = name(options.subject);
  cert.issuer = options.issuer
    ? new pkijs.RelativeDistinguishedNames({
        schema: asn1js.fromBER(options.issuer.certificate.subject.der.slice()).result,
      })
    : name(options.subject);
  const nb = options.notBefore ?? new Date(Date.UTC(2020, 0, 1));
  const na = options.notAfter ?? new Date(Date.UTC(2099, 0, 1));
  cert.notBefore = new pkijs.Time({ type: nb.getUTCFullYear() < 2050 ? 0 : 1, value: nb });
  cert.notAfter = new pkijs.Time({ type: na.getUTCFullYear() < 2050 ? 0 : 1, value: na });
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(key.spki.slice()).result });
  const exts: pkijs.Extension[] = [];
  if (v3) {
    const ca = options.ca ?? false;
    if (ca !== null) {
      const bc: asn1js.AsnType[] = [];
      if (ca) bc.push(new asn1js.Boolean({ value: true }));
      if (ca && options.pathLength !== undefined) bc.push(new asn1js.Integer({ value: options.pathLength }));
      exts.push(ext(OID.basicConstraints, true, new asn1js.Sequence({ value: bc })));
    }
    const ku =
      options.keyUsage === undefined
        ? ca
          ? ['keyCertSign', 'cRLSign']
          : ['digitalSignature']
        : options.keyUsage;
    if (ku !== null) {
      let bits = 0;
      if (ku.includes('digitalSignature')) bits |= 0x80;
      if (ku.includes('keyCertSign')) bits |= 0x04;
      if (ku.includes('cRLSign')) bits |= 0x02;
      exts.push(
        ext(
          OID.keyUsage,
          true,
          new asn1js.BitString({ valueHex: Uint8Array.of(bits).buffer, unusedBits: 1 }),
        ),
      );
    }
    const ski = sha256(key.spki).subarray(0, 20);
    exts.push(ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ski.slice().buffer })));
    if (options.issuer) {
      const aki = sha256(options.issuer.key.spki).subarray(0, 20);
      exts.push(
        ext(
          OID.authorityKeyIdentifier,
          false,
          new asn1js.Sequence({
            value: [
              new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: aki.slice().buffer }),
            ],
          }),
        ),
      );
    }
    if (options.extKeyUsage)
      exts.push(
        ext(
          OID.extKeyUsage,
          false,
          new asn1js.Sequence({
            value: options.extKeyUsage.map((o) => new asn1js.ObjectIdentifier({ value: o })),
          }),
        ),
      );
    for (const e of options.extensions ?? []) exts.push(ext(e.oid, e.critical ?? false, e.value));
    cert.extensions = exts;
  }
  const alg = sigAlgorithm(issuerKey, options.signatureHash);
  cert.signature = alg;
  cert.signatureAlgorithm = alg;
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const sig = await testSign(issuerKey, tbs, options.signatureHash ? { hash: options.signatureHash } : {});
  const full = new asn1js.Sequence({
    value: [
      asn1js.fromBER(tbs.slice().buffer).result,
      alg.toSchema(),
      new asn1js.BitString({ valueHex: sig.slice().buffer }),
    ],
  });
  const der = new Uint8Array(full.toBER(false));
  return Object.freeze({ der, pem: derToPem(der), key, certificate: parseCertificate(der) });
}

/** A root → intermediate → BLOB signer hierarchy for MDS tests. */
export interface TestPki {
  readonly root: TestCertificate;
  readonly intermediate: TestCertificate;
  readonly signer: TestCertificate;
}

/**
 * Creates a demo MDS PKI: a root, an intermediate and a BLOB signer, valid around `now`.
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
  return Object.freeze({ root, intermediate, signer });
}

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Options of {@link createMetadataEntry}. */
export interface TestEntryOptions {
  aaguid?: string;
  attestationCertificateKeyIdentifiers?: string[];
  description: string;
  icon?: string;
  /** Attestation roots as PEM/DER/test certificates. */
  attestationRootCertificates?: readonly (string | Uint8Array | TestCertificate)[];
  attestationTypes?: string[];
  statusReports?: StatusReport[];
  authenticatorGetInfo?: Record<string, unknown>;
  keyProtection?: string[];
  extra?: Partial<MetadataStatement>;
}

/** A metadata BLOB entry (MDS3 §3.1.1) with a plausible metadata statement. */
export function createMetadataEntry(options: TestEntryOptions): MetadataEntry {
  const roots = (options.attestationRootCertificates ?? []).map((r) =>
    typeof r === 'string' ? r.replace(/-----[^-]+-----|\s+/g, '') : b64(r instanceof Uint8Array ? r : r.der),
  );
  return {
    ...(options.aaguid ? { aaguid: options.aaguid } : {}),
    ...(options.attestationCertificateKeyIdentifiers
      ? { attestationCertificateKeyIdentifiers: options.attestationCertificateKeyIdentifiers }
      : {}),
    metadataStatement: {
      legalHeader: 'Test data; not for production.',
      ...(options.aaguid ? { aaguid: options.aaguid } : {}),
      ...(options.attestationCertificateKeyIdentifiers
        ? { attestationCertificateKeyIdentifiers: options.attestationCertificateKeyIdentifiers }
        : {}),
      description: options.description,
      authenticatorVersion: 1,
      protocolFamily: options.aaguid ? 'fido2' : 'u2f',
      schema: 3,
      upv: [{ major: 1, minor: 1 }],
      authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
      publicKeyAlgAndEncodings: ['cose'],
      attestationTypes: options.attestationTypes ?? ['basic_full'],
      userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
      keyProtection: options.keyProtection ?? ['hardware', 'secure_element'],
      matcherProtection: ['on_chip'],
      attachmentHint: ['external', 'wired'],
      tcDisplay: [],
      attestationRootCertificates: roots,
      ...(options.icon ? { icon: options.icon } : {}),
      ...(options.authenticatorGetInfo ? { authenticatorGetInfo: options.authenticatorGetInfo } : {}),
      ...(options.extra ?? {}),
    },
    statusReports: options.statusReports ?? [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' }],
    timeOfLastStatusChange: '2020-01-01',
  };
}

/** Options of {@link createMetadataBlob}. */
export interface TestBlobOptions {
  /** The signer (its chain goes in x5c up to, not including, the root). */
  pki: TestPki;
  entries: readonly unknown[];
  no?: number;
  /** YYYY-MM-DD. Default: 30 days after now. */
  nextUpdate?: string;
  legalHeader?: string;
  /** Override the x5c (leaf first). */
  x5c?: readonly TestCertificate[];
  /** Sign with this certificate's key instead of the signer's. */
  signWith?: TestCertificate;
  /** Replace the payload entirely (for malformed-shape tests). */
  payload?: unknown;
}

/** Builds and signs an MDS3 BLOB (a compact JWS) with a test PKI. */
export async function createMetadataBlob(options: TestBlobOptions): Promise<string> {
  const signer = options.signWith ?? options.pki.signer;
  const alg = {
    ES256: 'ES256',
    ES384: 'ES384',
    ES512: 'ES512',
    RS256: 'RS256',
    PS256: 'PS256',
    Ed25519: 'EdDSA',
  }[signer.key.algorithm];
  const x5c = (options.x5c ?? [options.pki.signer, options.pki.intermediate]).map((c) => b64(c.der));
  const header = { alg, typ: 'JWT', x5c };
  const payload = options.payload ?? {
    legalHeader:
      options.legalHeader ?? 'Retrieval and use of this BLOB indicates acceptance of the test terms.',
    no: options.no ?? 1,
    nextUpdate: options.nextUpdate ?? new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10),
    entries: options.entries,
  };
  const h = base64url.encode(utf8Encode(JSON.stringify(header)));
  const p = base64url.encode(utf8Encode(JSON.stringify(payload)));
  const sig = await testSign(signer.key, utf8Encode(`${h}.${p}`), { raw: true });
  return `${h}.${p}.${base64url.encode(sig)}`;
}

/** Options of {@link createTestAttestation}. */
export interface TestAttestationOptions {
  fmt: 'none' | 'packed' | 'fido-u2f';
  /** For packed with x5c and fido-u2f: the attestation certificate (its key signs). Absent for packed → self attestation. */
  attestationCertificate?: TestCertificate;
  /** Certificates after the leaf in x5c. */
  chain?: readonly TestCertificate[];
  clientDataHash: Uint8Array;
  rpId?: string;
  aaguid?: Uint8Array;
  credentialKey?: TestKeyPair;
  /** Flags byte. Default UP|UV|AT (0x45). */
  flags?: number;
}

/** Builds an attestation object as an authenticator would. */
export async function createTestAttestation(options: TestAttestationOptions): Promise<{
  attestationObject: Uint8Array;
  credentialId: Uint8Array;
  credentialPublicKey: Uint8Array;
  credentialKey: TestKeyPair;
}> {
  const credentialKey = options.credentialKey ?? (await generateTestKey('ES256'));
  const credentialPublicKey = await testCoseKey(credentialKey);
  const credentialId = sha256(credentialPublicKey);
  const aaguid =
    options.fmt === 'fido-u2f' ? new Uint8Array(16) : (options.aaguid ?? new Uint8Array(16).fill(0x42));
  const rpIdHash = sha256(utf8Encode(options.rpId ?? 'example.com'));
  const authData = concatBytes(
    rpIdHash,
    Uint8Array.of(options.flags ?? 0x45, 0, 0, 0, 1),
    aaguid,
    Uint8Array.of(credentialId.length >> 8, credentialId.length & 255),
    credentialId,
    credentialPublicKey,
  );
  let attStmt: Map<CborValue, CborValue>;
  const x5c = options.attestationCertificate
    ? [options.attestationCertificate.der, ...(options.chain ?? []).map((c) => c.der)]
    : [];
  if (options.fmt === 'none') attStmt = new Map();
  else if (options.fmt === 'fido-u2f') {
    const cert = options.attestationCertificate;
    if (!cert) throw new TypeError('"attestationCertificate" is required for fmt fido-u2f');
    const jwk = (await subtle().exportKey('jwk', credentialKey.publicKey)) as JsonWebKey;
    const pub = concatBytes(Uint8Array.of(4), base64url.decode(jwk.x ?? ''), base64url.decode(jwk.y ?? ''));
    const data = concatBytes(Uint8Array.of(0), rpIdHash, options.clientDataHash, credentialId, pub);
    attStmt = new Map<CborValue, CborValue>([
      ['sig', await testSign(cert.key, data)],
      ['x5c', x5c],
    ]);
  } else {
    const signer = options.attestationCertificate?.key ?? credentialKey;
    const sig = await testSign(signer, concatBytes(authData, options.clientDataHash));
    attStmt = new Map<CborValue, CborValue>([
      ['alg', COSE_ALG[signer.algorithm]],
      ['sig', sig],
    ]);
    if (x5c.length) attStmt.set('x5c', x5c);
  }
  const attestationObject = encode(
    new Map<CborValue, CborValue>([
      ['fmt', options.fmt],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );
  return { attestationObject, credentialId, credentialPublicKey, credentialKey };
}

/** The DER of the id-fido-gen-ce-aaguid extension value for an AAGUID. */
export function aaguidExtension(aaguid: Uint8Array): { oid: string; critical: boolean; value: Uint8Array } {
  return {
    oid: OID.fidoGenCeAaguid,
    critical: false,
    value: new Uint8Array(new asn1js.OctetString({ valueHex: aaguid.slice().buffer }).toBER(false)),
  };
}
