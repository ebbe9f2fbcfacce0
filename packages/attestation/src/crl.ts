/**
 * Certificate revocation lists (RFC 5280 §5): supplied by the caller or fetched through an
 * injectable fetch from the certificates' CRL distribution points; their signatures and
 * nextUpdate are verified; fail-open or fail-closed by option.
 */
import { bytesToHex, type CryptoBackend, isFido2kitError, sha256 } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CertificateError } from './errors.js';
import { verifyX509Signature } from './signature.js';
import { type DistinguishedName, OID, sameName, type X509Certificate } from './x509.js';

/** Fetches a CRL's DER bytes by URL. */
export type CrlFetch = (url: string) => Promise<Uint8Array>;

/**
 * Fetches a CRL over HTTP(S) with `globalThis.fetch` (Node ≥ 18, browsers, Deno, Bun, workers).
 * @throws {CertificateError} `ERR_CRL_UNAVAILABLE` when there is no fetch, the request fails or
 *   the answer is not 2xx
 */
export const httpCrlFetch: CrlFetch = async (url) => {
  const f = (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof f !== 'function')
    throw new CertificateError('ERR_CRL_UNAVAILABLE', `no fetch here to download the CRL at ${url}`);
  let response: Response;
  try {
    response = await f(url);
  } catch (e) {
    throw new CertificateError('ERR_CRL_UNAVAILABLE', `the CRL at ${url} could not be downloaded`, {
      cause: e,
    });
  }
  if (!response.ok)
    throw new CertificateError('ERR_CRL_UNAVAILABLE', `the CRL at ${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
};

/** Revocation checking options. */
export interface CrlOptions {
  /** CRLs (DER) the caller already has. */
  crls?: readonly Uint8Array[];
  /** Fetches CRLs from the certificates' distribution points when none supplied matches. */
  fetch?: CrlFetch;
  /** `'fail-closed'` (default) refuses a certificate whose CRL cannot be had; `'fail-open'` accepts it. */
  mode?: 'fail-open' | 'fail-closed';
}

interface ParsedCrl {
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revoked: ReadonlySet<string>;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: { oid: string; params?: Uint8Array };
  readonly signature: Uint8Array;
}

function crlError(message: string, cause?: unknown): never {
  throw new CertificateError('ERR_CRL_INVALID', message, cause === undefined ? undefined : { cause });
}

// Parsed CRLs by SHA-256 (frozen, immutable), as certificates are: a catalog reloaded with the
// same CRLs parses them once.
const parsedCrls = new Map<string, ParsedCrl>();

/** Parses a DER CRL (cached by its SHA-256). @throws {CertificateError} `ERR_CRL_INVALID` */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const print = bytesToHex(sha256(der));
  const hit = parsedCrls.get(print);
  if (hit) return hit;
  const crl = Object.freeze(parseCrlUncached(der));
  parsedCrls.set(print, crl);
  if (parsedCrls.size > 64) parsedCrls.delete(parsedCrls.keys().next().value as string);
  return crl;
}

function parseCrlUncached(der: Uint8Array): ParsedCrl {
  try {
    const asn = asn1js.fromBER(der.slice());
    if (asn.offset === -1) crlError('CRL is not DER');
    const crl = new pkijs.CertificateRevocationList({ schema: asn.result });
    const params = crl.signatureAlgorithm.algorithmParams as asn1js.BaseBlock | undefined;
    return {
      issuer: {
        attributes: crl.issuer.typesAndValues.map((tv) => ({
          type: tv.type,
          value: String((tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value ?? ''),
        })),
        der: new Uint8Array(crl.issuer.valueBeforeDecode).slice(),
      },
      thisUpdate: crl.thisUpdate.value,
      ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.value } : {}),
      revoked: new Set(
        (crl.revokedCertificates ?? []).map((r) =>
          bytesToHex(new Uint8Array(r.userCertificate.valueBlock.valueHexView)),
        ),
      ),
      tbs: crl.tbsView.slice(),
      signatureAlgorithm:
        params && !(params instanceof asn1js.Null)
          ? { oid: crl.signatureAlgorithm.algorithmId, params: new Uint8Array(params.toBER(false)) }
          : { oid: crl.signatureAlgorithm.algorithmId },
      signature: new Uint8Array(crl.signatureValue.valueBlock.valueHexView).slice(),
    };
  } catch (e) {
    if (isFido2kitError(e)) throw e;
    crlError(`CRL is malformed: ${(e as Error).message}`, e);
  }
}

/** URLs of a certificate's CRL distribution points (URI general names). */
export function crlDistributionPoints(cert: X509Certificate): string[] {
  const ext = cert.extensions.get(OID.crlDistributionPoints);
  if (!ext) return [];
  try {
    const asn = asn1js.fromBER(ext.value.slice());
    const points = new pkijs.CRLDistributionPoints({ schema: asn.result });
    const urls: string[] = [];
    for (const p of points.distributionPoints) {
      const names = Array.isArray(p.distributionPoint) ? p.distributionPoint : [];
      for (const n of names as pkijs.GeneralName[])
        if (n.type === 6 && typeof n.value === 'string') urls.push(n.value);
    }
    return urls;
  } catch {
    return [];
  }
}

/**
 * Checks each non-anchor certificate of `path` against a CRL from its issuer.
 * @internal
 */
export async function checkRevocation(
  path: readonly X509Certificate[],
  trusted: boolean,
  options: CrlOptions & { now: Date; backend?: CryptoBackend | undefined },
): Promise<void> {
  const failClosed = options.mode !== 'fail-open';
  const supplied = (options.crls ?? []).map(parseCrl);
  const last = trusted ? path.length - 1 : path.length;
  for (let i = 0; i < last; i++) {
    const cert = path[i] as X509Certificate;
    const issuer = path[i + 1];
    if (!issuer) {
      if (failClosed)
        throw new CertificateError(
          'ERR_CRL_UNAVAILABLE',
          'no issuer to check the top certificate of an untrusted path against',
        );
      continue;
    }
    let candidates = supplied.filter((c) => sameName(c.issuer, cert.issuer));
    if (candidates.length === 0 && options.fetch) {
      for (const url of crlDistributionPoints(cert)) {
        try {
          candidates = [parseCrl(await options.fetch(url))];
          break;
        } catch (e) {
          if (failClosed && isFido2kitError(e) && e.code === 'ERR_CRL_INVALID') throw e;
        }
      }
    }
    let checked = false;
    for (const crl of candidates) {
      const ok = await verifyX509Signature(issuer.spki, crl.signatureAlgorithm, crl.tbs, crl.signature, {
        backend: options.backend,
      });
      if (!ok) crlError('the CRL signature does not verify with the issuer key');
      if (crl.thisUpdate.getTime() > options.now.getTime()) crlError('the CRL is not yet valid');
      if (crl.nextUpdate && crl.nextUpdate.getTime() < options.now.getTime())
        crlError(`the CRL expired at ${crl.nextUpdate.toISOString()} (nextUpdate)`);
      if (crl.revoked.has(cert.serialNumberHex))
        throw new CertificateError(
          'ERR_CERTIFICATE_REVOKED',
          `certificate serial ${cert.serialNumberHex} is revoked`,
          {
            details: { fingerprint256: cert.fingerprint256 },
          },
        );
      checked = true;
    }
    if (!checked && failClosed)
      throw new CertificateError(
        'ERR_CRL_UNAVAILABLE',
        `no CRL is available for certificate serial ${cert.serialNumberHex}`,
      );
  }
}
