/**
 * X.509 certification path building and validation (RFC 5280 §6, as attestation needs it).
 *
 * Why our own validator rather than pkijs's `CertificateChainValidationEngine`: we need typed
 * errors with stable codes per failure (pkijs reports a result code and text), the attestation
 * rules (a self-signed root inside x5c is never an anchor, only validated through; an intermediate may be
 * the anchor; extra certificates in x5c are tolerated), every curve with every hash, RSA-PSS,
 * Ed25519 and Ed448 through `@fido2kit/cose`'s backend (node:crypto on servers), and speed. We
 * still use pkijs and asn1js to parse certificates and CRLs.
 */
import { type CryptoBackend, InvalidArgumentError } from '@fido2kit/cose';
import { type CrlOptions, checkRevocation } from './crl.js';
import { CertificateError } from './errors.js';
import { verifyX509Signature } from './signature.js';
import { isSelfIssued, OID, sameName, type X509Certificate } from './x509.js';

/** Options of {@link validateCertificatePath}. */
export interface PathValidationOptions {
  /** Trust anchors (roots or intermediates). */
  anchors: readonly X509Certificate[];
  /** The time at which validity is judged. */
  now: Date;
  /** Revocation checking with CRLs; off when absent. */
  crl?: CrlOptions;
  /** The crypto backend. */
  backend?: CryptoBackend;
  /** Extension OIDs the caller handles, beyond those the validator knows (for critical extensions). */
  handledExtensions?: readonly string[];
}

/** The outcome of {@link validateCertificatePath}. */
export interface PathValidationResult {
  /** The path from the leaf up (the anchor last when `trusted`). */
  readonly path: readonly X509Certificate[];
  /** The anchor the path ends at, when trusted. */
  readonly anchor?: X509Certificate;
  /** True when the path ends at one of the anchors. */
  readonly trusted: boolean;
}

const KNOWN_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.certificatePolicies,
  OID.crlDistributionPoints,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.fidoGenCeAaguid,
]);

function certError(code: CertificateError['code'], message: string, cert?: X509Certificate): never {
  throw new CertificateError(
    code,
    message,
    cert ? { details: { fingerprint256: cert.fingerprint256, subject: describeName(cert) } } : undefined,
  );
}

/** A short subject string for messages. @internal */
export function describeName(cert: X509Certificate): string {
  return cert.subject.attributes.map((a) => a.value).join(', ') || '(empty subject)';
}

function sameCert(a: X509Certificate, b: X509Certificate): boolean {
  return a.fingerprint256 === b.fingerprint256;
}

function sameKey(a: X509Certificate, b: X509Certificate): boolean {
  return a.spki.length === b.spki.length && a.spki.every((x, i) => x === b.spki[i]);
}

function checkValidity(cert: X509Certificate, now: Date): void {
  if (now.getTime() < cert.notBefore.getTime())
    certError(
      'ERR_CERTIFICATE_NOT_YET_VALID',
      `certificate "${describeName(cert)}" is not valid before ${cert.notBefore.toISOString()}`,
      cert,
    );
  if (now.getTime() > cert.notAfter.getTime())
    certError(
      'ERR_CERTIFICATE_EXPIRED',
      `certificate "${describeName(cert)}" expired at ${cert.notAfter.toISOString()}`,
      cert,
    );
}

function checkCritical(cert: X509Certificate, handled: ReadonlySet<string>): void {
  for (const ext of cert.extensions.values()) {
    if (ext.critical && !KNOWN_EXTENSIONS.has(ext.oid) && !handled.has(ext.oid))
      certError(
        'ERR_CERTIFICATE_INVALID',
        `certificate "${describeName(cert)}" has an unrecognised critical extension ${ext.oid}`,
        cert,
      );
  }
}

/** Checks that `ca` may issue certificates, with `below` non-self-issued CA certificates under it. */
function checkIssuer(ca: X509Certificate, below: number, isAnchor: boolean): void {
  if (ca.version < 3 || !ca.basicConstraints) {
    // A v1/v2 trust anchor is accepted as given (RFC 5280 §6.1: anchor information is trusted).
    if (isAnchor) return;
    certError('ERR_CERTIFICATE_CHAIN_INVALID', `issuer "${describeName(ca)}" is not a CA certificate`, ca);
  }
  if (!ca.basicConstraints.ca)
    certError(
      'ERR_CERTIFICATE_CHAIN_INVALID',
      `issuer "${describeName(ca)}" has basicConstraints cA=false`,
      ca,
    );
  if (ca.basicConstraints.pathLength !== undefined && below > ca.basicConstraints.pathLength)
    certError(
      'ERR_CERTIFICATE_CHAIN_INVALID',
      `issuer "${describeName(ca)}" allows ${ca.basicConstraints.pathLength} intermediate(s) below it, the path has ${below}`,
      ca,
    );
  if (ca.keyUsage && !ca.keyUsage.has('keyCertSign'))
    certError(
      'ERR_CERTIFICATE_CHAIN_INVALID',
      `issuer "${describeName(ca)}" lacks the keyCertSign key usage`,
      ca,
    );
}

function keyIdsAgree(child: X509Certificate, issuer: X509Certificate): boolean {
  const aki = child.authorityKeyIdentifier;
  const ski = issuer.subjectKeyIdentifier;
  if (!aki || !ski) return true;
  return aki.length === ski.length && aki.every((x, i) => x === ski[i]);
}

/** A caller's mistake (DER bytes or PEM where parsed certificates belong) named, not a TypeError from deep inside. */
function checkParsed(list: unknown, what: string): void {
  if (!Array.isArray(list))
    throw new InvalidArgumentError(`"${what}" expected an array of parsed certificates`);
  list.forEach((c, i) => {
    if (
      c === null ||
      typeof c !== 'object' ||
      !((c as X509Certificate).der instanceof Uint8Array) ||
      !(c as X509Certificate).subject
    )
      throw new InvalidArgumentError(
        `"${what}[${i}]" expected a parsed certificate (parseCertificate), got ${c instanceof Uint8Array ? 'Uint8Array' : typeof c}`,
      );
  });
}

/**
 * Builds and validates a certification path from `chain[0]` (the leaf) through the other
 * certificates of `chain` (any order; extra ones are ignored) to one of `anchors`. Every
 * certificate on the path (the anchor included) must be valid at `now`; issuers must be CAs
 * (basicConstraints, pathLenConstraint, keyCertSign); signatures must verify; unrecognised
 * critical extensions are refused. A self-signed root carried inside `chain` is never used as an
 * anchor (only `anchors` are trusted): the path is validated through it and the result has
 * `trusted: false`. When no anchor is reached the result has `trusted: false` and the path as far
 * as it could be built (still fully checked).
 *
 * @throws {CertificateError} `ERR_CERTIFICATE_EXPIRED`, `ERR_CERTIFICATE_NOT_YET_VALID`,
 *   `ERR_CERTIFICATE_CHAIN_INVALID`, `ERR_CERTIFICATE_SIGNATURE_INVALID`,
 *   `ERR_CERTIFICATE_INVALID`, `ERR_CERTIFICATE_REVOKED`,
 *   `ERR_CRL_INVALID`, `ERR_CRL_UNAVAILABLE`
 * @throws {InvalidArgumentError} (a `TypeError`, `ERR_INVALID_ARGUMENT`) when `chain` or `anchors`
 *   hold anything but parsed certificates, or `now` is not a valid Date
 * @example
 * ```ts
 * const { trusted, path } = await validateCertificatePath(x5c.map(parseCertificate), { anchors, now });
 * ```
 */
export async function validateCertificatePath(
  chain: readonly X509Certificate[],
  options: PathValidationOptions,
): Promise<PathValidationResult> {
  checkParsed(chain, 'chain');
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('"options" expected an object');
  checkParsed(options.anchors, 'options.anchors');
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime()))
    throw new InvalidArgumentError('"options.now" expected a valid Date');
  const leaf = chain[0];
  if (!leaf) certError('ERR_CERTIFICATE_CHAIN_INVALID', 'the certificate chain is empty');
  const { anchors, now } = options;
  const handled = new Set(options.handledExtensions ?? []);
  const sigOpts = { backend: options.backend };
  const verified = new Map<string, boolean>();
  const sigOk = async (child: X509Certificate, issuer: X509Certificate): Promise<boolean> => {
    const k = `${child.fingerprint256}|${issuer.fingerprint256}`;
    let ok = verified.get(k);
    if (ok === undefined) {
      ok = await verifyX509Signature(
        issuer.spki,
        child.signatureAlgorithm,
        child.tbs,
        child.signature,
        sigOpts,
      );
      verified.set(k, ok);
    }
    return ok;
  };
  const isAnchor = (c: X509Certificate) => anchors.some((a) => sameCert(a, c));

  const path: X509Certificate[] = [leaf];
  let anchor: X509Certificate | undefined = isAnchor(leaf) ? leaf : undefined;
  let sawBadSignature: X509Certificate | undefined;
  const pool = chain.slice(1);
  while (anchor === undefined) {
    const current = path[path.length - 1] as X509Certificate;
    // 1. An anchor that issued `current` (an anchor that is the same cert as a chain member counts).
    let next: X509Certificate | undefined;
    for (const a of anchors) {
      if (!sameName(a.subject, current.issuer) || !keyIdsAgree(current, a)) continue;
      if (sameCert(a, current)) continue;
      if (await sigOk(current, a)) {
        next = a;
        anchor = a;
        break;
      }
      sawBadSignature = current;
    }
    if (next) {
      path.push(next);
      break;
    }
    // 2. A certificate from the chain that issued `current`.
    for (const c of pool) {
      if (path.some((p) => sameCert(p, c) || (sameKey(p, c) && sameName(p.subject, c.subject)))) continue;
      if (!sameName(c.subject, current.issuer) || !keyIdsAgree(current, c)) continue;
      if (await sigOk(current, c)) {
        next = c;
        break;
      }
      sawBadSignature = current;
    }
    if (!next) break;
    path.push(next);
    if (isAnchor(next)) anchor = next;
  }

  if (anchor === undefined) {
    if (sawBadSignature && !path.some((p) => p !== leaf && sameName(p.subject, sawBadSignature.issuer)))
      certError(
        'ERR_CERTIFICATE_SIGNATURE_INVALID',
        `the signature on certificate "${describeName(sawBadSignature)}" does not verify with its issuer's key`,
        sawBadSignature,
      );
    // A self-signed root carried in the chain is validated through (its signature on the
    // certificate below was checked) but never becomes an anchor: the sender chose it
    // (SimpleWebAuthn GHSA-6hxq-p678-4hr2). The result is untrusted, not an error: whether an
    // untrusted attestation is acceptable is the relying party's policy (WebAuthn §7.1 step 24).
  }

  // Checks along the path, from the top down.
  let below = 0;
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as X509Certificate;
    const certIsAnchor = anchor !== undefined && i === path.length - 1;
    checkValidity(cert, now);
    if (!certIsAnchor) checkCritical(cert, handled);
    if (i > 0) {
      // cert issued path[i-1]: count the non-self-issued intermediates strictly between them and the leaf.
      below = 0;
      for (let j = i - 1; j >= 1; j--) if (!isSelfIssued(path[j] as X509Certificate)) below++;
      checkIssuer(cert, below, certIsAnchor);
    }
  }
  if (options.crl)
    await checkRevocation(path, anchor !== undefined, { ...options.crl, now, backend: options.backend });
  return Object.freeze({
    path: Object.freeze(path),
    trusted: anchor !== undefined,
    ...(anchor ? { anchor } : {}),
  });
}
