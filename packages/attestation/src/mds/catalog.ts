/**
 * FIDO MDS3 BLOB verification and the catalog it yields (FIDO Metadata Service v3.0 §3.2, §3.3):
 * the JWS (ES256, RS256, PS256 and their siblings), its x5c chain to the MDS root, the signature,
 * the payload's shape.
 */
import {
  base64url,
  bytesToHex,
  COSE_ALGORITHMS,
  type CoseAlgorithmName,
  type CryptoBackend,
  digest,
  InvalidArgumentError,
  isFido2kitError,
  utf8Decode,
  utf8Encode,
} from '@fido2kit/cose';
import { bundledAnchors } from '../anchors.js';
import { type CrlOptions, httpCrlFetch } from '../crl.js';
import { MetadataError } from '../errors.js';
import { validateCertificatePath } from '../path.js';
import { verifyWithCertificateKey } from '../signature.js';
import {
  type CertificateInput,
  decodeBase64,
  parseCertificate,
  toCertificates,
  type X509Certificate,
} from '../x509.js';
import type { MetadataEntry } from './types.js';

/** Options of {@link loadMetadataBlob}. */
export interface LoadMetadataBlobOptions {
  /** The MDS root(s): PEM or DER. Default: the bundled FIDO MDS roots (GlobalSign Root CA R3 and Root R46). */
  rootCertificate?: CertificateInput | readonly CertificateInput[];
  /** The time at which the signer chain is judged. Default: the current time. */
  now?: Date;
  /** Refuse a BLOB whose nextUpdate is before `now`. Default false (a stale BLOB still loads). */
  rejectStale?: boolean;
  /**
   * Revocation checking of the BLOB's signer chain, which MDS3 §3.2 requires: `'check'` (the
   * default) checks every certificate below the root against its issuer's CRL — the `crl.crls`
   * you supply, else downloaded from the certificates' CRL distribution points with `crl.fetch`
   * (default {@link httpCrlFetch}) — and refuses the BLOB when one is revoked or, by default,
   * when a CRL cannot be had. `'offline-skip'` skips revocation checking: for a host that cannot
   * reach the CRLs and accepts that a revoked signer would go unnoticed (name it, so the choice
   * is visible in your code).
   */
  revocation?: 'check' | 'offline-skip';
  /** Where the CRLs come from and whether a missing one fails (`mode`, default `'fail-closed'`). */
  crl?: CrlOptions;
  /** The crypto backend. */
  backend?: CryptoBackend;
}

/** A verified metadata BLOB. */
export interface MetadataCatalog {
  /** The BLOB's serial number. */
  readonly no: number;
  /** When the next BLOB is due (UTC midnight of the BLOB's nextUpdate date). */
  readonly nextUpdate: Date;
  readonly legalHeader: string;
  /** The entries that passed the shape checks. */
  readonly entries: readonly MetadataEntry[];
  /** Entries dropped for a malformed shape, with the reason. */
  readonly rejectedEntries: readonly { readonly index: number; readonly reason: string }[];
  /** The signer chain (leaf first, anchor last). */
  readonly signerChain: readonly X509Certificate[];
  /** The entry for an AAGUID (any case, with or without dashes). */
  findByAaguid(aaguid: string): MetadataEntry | undefined;
  /** The entry for a U2F attestation certificate key identifier (hex, any case). */
  findByCertificateKeyIdentifier(hex: string): MetadataEntry | undefined;
}

/**
 * The JWS algorithms (RFC 7518 §3.1) a metadata BLOB may be signed with: ECDSA, RSASSA-PKCS1-v1_5
 * and RSASSA-PSS with SHA-2. JOSE and COSE give them the same names, so the identifiers come from
 * cose's table.
 */
const JWS_ALG = /^(ES|RS|PS)(256|384|512)$/;

function bad(message: string, cause?: unknown): never {
  throw new MetadataError('ERR_METADATA_INVALID', message, cause === undefined ? undefined : { cause });
}

function json(part: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8Decode(base64url.decode(part)));
  } catch (e) {
    bad(`the metadata BLOB ${what} is not base64url JSON`, e);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    bad(`the metadata BLOB ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Normalises an AAGUID to lower-case 8-4-4-4-12. */
export function normaliseAaguid(aaguid: string): string {
  const h = String(aaguid).replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return '';
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The attestation certificate key identifier MDS uses for U2F authenticators: the SHA-1 of the
 * subjectPublicKey BIT STRING's value (RFC 5280 §4.2.1.2 method 1), lower-case hex.
 */
export async function certificateKeyIdentifier(cert: X509Certificate): Promise<string> {
  return bytesToHex(await digest('SHA-1', cert.publicKeyBytes));
}

function entryProblem(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'not an object';
  const x = e as Record<string, unknown>;
  if (!Array.isArray(x.statusReports)) return 'statusReports is not an array';
  for (const r of x.statusReports)
    if (r === null || typeof r !== 'object' || typeof (r as { status?: unknown }).status !== 'string')
      return 'a status report has no status';
  if (typeof x.timeOfLastStatusChange !== 'string') return 'timeOfLastStatusChange is not a string';
  if (x.aaguid !== undefined && (typeof x.aaguid !== 'string' || !normaliseAaguid(x.aaguid)))
    return 'aaguid is malformed';
  if (
    x.attestationCertificateKeyIdentifiers !== undefined &&
    (!Array.isArray(x.attestationCertificateKeyIdentifiers) ||
      !x.attestationCertificateKeyIdentifiers.every((k) => typeof k === 'string' && /^[0-9a-fA-F]+$/.test(k)))
  )
    return 'attestationCertificateKeyIdentifiers is malformed';
  const ms = x.metadataStatement;
  if (ms !== undefined) {
    if (ms === null || typeof ms !== 'object') return 'metadataStatement is not an object';
    const s = ms as Record<string, unknown>;
    if (typeof s.description !== 'string') return 'metadataStatement.description is not a string';
    if (s.attestationRootCertificates !== undefined && !Array.isArray(s.attestationRootCertificates))
      return 'metadataStatement.attestationRootCertificates is not an array';
    if (s.attestationTypes !== undefined && !Array.isArray(s.attestationTypes))
      return 'metadataStatement.attestationTypes is not an array';
  }
  return undefined;
}

/** Builds a catalog over already-verified entries. @internal */
export function createCatalog(
  payload: { no: number; nextUpdate: Date; legalHeader: string; entries: MetadataEntry[] },
  rejectedEntries: { index: number; reason: string }[],
  signerChain: readonly X509Certificate[],
): MetadataCatalog {
  const byAaguid = new Map<string, MetadataEntry>();
  const byKeyId = new Map<string, MetadataEntry>();
  for (const e of payload.entries) {
    if (e.aaguid) byAaguid.set(normaliseAaguid(e.aaguid), e);
    for (const k of e.attestationCertificateKeyIdentifiers ?? []) byKeyId.set(k.toLowerCase(), e);
  }
  return Object.freeze({
    no: payload.no,
    nextUpdate: payload.nextUpdate,
    legalHeader: payload.legalHeader,
    entries: Object.freeze(payload.entries),
    rejectedEntries: Object.freeze(rejectedEntries),
    signerChain,
    findByAaguid: (aaguid: string) => byAaguid.get(normaliseAaguid(aaguid)),
    findByCertificateKeyIdentifier: (hex: string) => byKeyId.get(String(hex).toLowerCase()),
  });
}

/**
 * Verifies a FIDO MDS3 BLOB (a JWS) and returns its catalog: the header's alg and x5c, the x5c
 * chain to the MDS root at `now` with the revocation of its certificates checked (see
 * `revocation`), the signature, and the payload's shape (legalHeader, no, nextUpdate, entries).
 * Malformed entries are dropped and listed in `rejectedEntries`.
 *
 * @throws {MetadataError} `ERR_METADATA_INVALID` (a revoked signer, or a CRL that cannot be had,
 *   comes as its `cause`: `ERR_CERTIFICATE_REVOKED`, `ERR_CRL_UNAVAILABLE`, `ERR_CRL_INVALID`),
 *   `ERR_METADATA_SIGNATURE_INVALID`, `ERR_METADATA_STALE`
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for an unknown `revocation`, or `crl`
 *   together with `'offline-skip'`
 * @example
 * ```ts
 * const catalog = await loadMetadataBlob(jwt, { now: new Date() }); // CRLs downloaded and checked
 * catalog.findByAaguid('ee882879-721c-4913-9775-3dfcce97072a')?.metadataStatement?.description;
 * ```
 */
export async function loadMetadataBlob(
  jwt: string,
  options: LoadMetadataBlobOptions = {},
): Promise<MetadataCatalog> {
  if (typeof jwt !== 'string') bad('the metadata BLOB must be a string (a compact JWS)');
  const now = options.now ?? new Date();
  const parts = jwt.trim().split('.');
  if (parts.length !== 3) bad('the metadata BLOB is not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  const header = json(h, 'header');
  const alg = JWS_ALG.test(String(header.alg)) ? COSE_ALGORITHMS[header.alg as CoseAlgorithmName] : undefined;
  if (alg === undefined) bad(`the metadata BLOB alg ${String(header.alg)} is not supported`);
  if (!Array.isArray(header.x5c) || header.x5c.length === 0)
    bad('the metadata BLOB header has no x5c (x5u is not supported)');
  let chain: X509Certificate[];
  let roots: X509Certificate[];
  try {
    chain = header.x5c.map((c) => parseCertificate(decodeBase64(String(c))));
    const r = options.rootCertificate;
    roots =
      r === undefined
        ? bundledAnchors('fido-mds')
        : toCertificates(Array.isArray(r) ? (r as CertificateInput[]) : [r as CertificateInput]);
  } catch (e) {
    bad(`the metadata BLOB certificates are malformed: ${(e as Error).message}`, e);
  }
  const revocation = options.revocation ?? 'check';
  if (revocation !== 'check' && revocation !== 'offline-skip')
    throw new InvalidArgumentError(
      `"revocation" expected 'check' or 'offline-skip', got ${String(revocation)}`,
    );
  if (revocation === 'offline-skip' && options.crl)
    throw new InvalidArgumentError(
      '"crl" was given with revocation: \'offline-skip\'; pass one or the other',
    );
  let signerChain: readonly X509Certificate[];
  try {
    const v = await validateCertificatePath(chain, {
      anchors: roots,
      now,
      ...(revocation === 'check' ? { crl: { fetch: httpCrlFetch, ...options.crl } } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
    });
    if (!v.trusted) bad('the metadata BLOB signer does not chain to the MDS root');
    signerChain = v.path;
  } catch (e) {
    if (isFido2kitError(e) && e.code.startsWith('ERR_METADATA')) throw e;
    const offline =
      isFido2kitError(e) && e.code === 'ERR_CRL_UNAVAILABLE'
        ? " (supply the CRLs in crl.crls, or pass revocation: 'offline-skip' to skip revocation checking)"
        : '';
    bad(`the metadata BLOB signer chain is invalid: ${(e as Error).message}${offline}`, e);
  }
  let sig: Uint8Array;
  try {
    sig = base64url.decode(s);
  } catch (e) {
    bad('the metadata BLOB signature is not base64url', e);
  }
  const ok = await verifyWithCertificateKey(
    (chain[0] as X509Certificate).spki,
    alg,
    utf8Encode(`${h}.${p}`),
    sig,
    {
      rawEcdsa: true,
      ...(options.backend ? { backend: options.backend } : {}),
    },
  );
  if (!ok)
    throw new MetadataError('ERR_METADATA_SIGNATURE_INVALID', 'the metadata BLOB signature is invalid');

  const payload = json(p, 'payload');
  if (typeof payload.legalHeader !== 'string') bad('the metadata BLOB payload has no legalHeader');
  if (typeof payload.no !== 'number' || !Number.isSafeInteger(payload.no) || payload.no < 0)
    bad('the metadata BLOB payload "no" is not a non-negative integer');
  if (typeof payload.nextUpdate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(payload.nextUpdate))
    bad('the metadata BLOB payload nextUpdate is not a YYYY-MM-DD date');
  const nextUpdate = new Date(`${payload.nextUpdate}T00:00:00Z`);
  if (Number.isNaN(nextUpdate.getTime())) bad('the metadata BLOB payload nextUpdate is not a date');
  if (!Array.isArray(payload.entries)) bad('the metadata BLOB payload entries is not an array');
  if (options.rejectStale && nextUpdate.getTime() < now.getTime())
    throw new MetadataError(
      'ERR_METADATA_STALE',
      `the metadata BLOB was due for replacement on ${payload.nextUpdate}`,
    );
  const entries: MetadataEntry[] = [];
  const rejected: { index: number; reason: string }[] = [];
  payload.entries.forEach((e, index) => {
    const reason = entryProblem(e);
    if (reason) rejected.push({ index, reason });
    else entries.push(Object.freeze(e as MetadataEntry));
  });
  return createCatalog(
    { no: payload.no, nextUpdate, legalHeader: payload.legalHeader, entries },
    rejected,
    signerChain,
  );
}
