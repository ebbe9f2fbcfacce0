/** Helpers shared by the format verifiers. @internal */
import {
  type CborValue,
  type CosePublicKey,
  equalBytes,
  isFido2kitError,
  spkiToCoseKey,
} from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { AttestationError, invalid } from '../errors.js';
import { parseCertificate, type X509Certificate } from '../x509.js';

/** Reads an integer member of attStmt. */
export function stmtInt(stmt: Map<CborValue, CborValue>, key: string): number {
  const v = stmt.get(key);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) invalid(`attStmt "${key}" expected an integer`);
  return v;
}

/** Reads a byte-string member of attStmt. */
export function stmtBytes(stmt: Map<CborValue, CborValue>, key: string): Uint8Array {
  const v = stmt.get(key);
  if (!(v instanceof Uint8Array)) invalid(`attStmt "${key}" expected a byte string`);
  return v;
}

/** Reads and parses attStmt.x5c (an array of DER certificates, at least one). */
export function stmtX5c(stmt: Map<CborValue, CborValue>): X509Certificate[] {
  const v = stmt.get('x5c');
  if (!Array.isArray(v) || v.length === 0)
    invalid('attStmt "x5c" expected a non-empty array of certificates');
  if (v.length > 16) invalid('attStmt "x5c" has too many certificates');
  return v.map((c, i) => {
    if (!(c instanceof Uint8Array)) invalid(`attStmt x5c[${i}] expected a byte string`);
    try {
      return parseCertificate(c);
    } catch (e) {
      if (isFido2kitError(e))
        throw new AttestationError('ERR_ATTESTATION_INVALID', `attStmt x5c[${i}]: ${e.message}`, {
          cause: e,
        });
      throw e;
    }
  });
}

/** Checks that attStmt has only the listed members. */
export function onlyKeys(stmt: Map<CborValue, CborValue>, keys: readonly string[]): void {
  for (const k of stmt.keys())
    if (typeof k !== 'string' || !keys.includes(k)) invalid(`attStmt has an unexpected member ${String(k)}`);
}

/** True when the certificate's public key is the credential public key. */
export function sameKey(cert: X509Certificate, key: CosePublicKey): boolean {
  let c: CosePublicKey;
  try {
    c = spkiToCoseKey(cert.spki, { minRsaBits: 1024 });
  } catch {
    return false;
  }
  if (c.kty !== key.kty) return false;
  if (c.kty === 'EC2' && key.kty === 'EC2')
    return c.crv === key.crv && equalBytes(c.x, key.x) && equalBytes(c.y, key.y);
  if (c.kty === 'OKP' && key.kty === 'OKP') return c.crv === key.crv && equalBytes(c.x, key.x);
  if (c.kty === 'RSA' && key.kty === 'RSA') return equalBytes(c.n, key.n) && equalBytes(c.e, key.e);
  return false;
}

/** Parses DER, refusing trailing bytes. */
export function der(bytes: Uint8Array, what: string): asn1js.AsnType {
  const r = asn1js.fromBER(bytes.slice());
  if (r.offset === -1 || r.offset !== bytes.length) invalid(`${what} is not valid DER`);
  return r.result;
}

/** Checks the id-fido-gen-ce-aaguid extension, when present: not critical, equal to the AAGUID. */
export function checkAaguidExtension(cert: X509Certificate, aaguid: Uint8Array): void {
  const ext = cert.extensions.get('1.3.6.1.4.1.45724.1.1.4');
  if (!ext) return;
  if (ext.critical) invalid('the id-fido-gen-ce-aaguid extension must not be critical');
  const v = der(ext.value, 'id-fido-gen-ce-aaguid');
  if (!(v instanceof asn1js.OctetString)) invalid('id-fido-gen-ce-aaguid is not an OCTET STRING');
  const got = new Uint8Array(v.valueBlock.valueHexView);
  if (!equalBytes(got, aaguid))
    throw new AttestationError(
      'ERR_ATTESTATION_AAGUID_MISMATCH',
      'the attestation certificate AAGUID extension does not match the authenticator data AAGUID',
    );
}
