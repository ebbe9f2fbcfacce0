/**
 * The `packed` attestation statement format (WebAuthn §8.2): full attestation with x5c and the
 * §8.2.1 certificate requirements, or self attestation with the credential key.
 */
import { concatBytes, verifySignature } from '@fido2kit/cose';
import { attestationFail, invalid } from '../errors.js';
import { verifyWithCertificateKey } from '../signature.js';
import { nameValue, OID, type X509Certificate } from '../x509.js';
import { checkAaguidExtension, onlyKeys, stmtBytes, stmtInt, stmtX5c } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** Checks the §8.2.1 packed attestation certificate requirements. @internal */
export function checkPackedCertificate(cert: X509Certificate, aaguid: Uint8Array): void {
  if (cert.version !== 3) invalid('the packed attestation certificate must be X.509 version 3');
  const c = nameValue(cert.subject, OID.country);
  const o = nameValue(cert.subject, OID.organization);
  const ou = nameValue(cert.subject, OID.organizationalUnit);
  const cn = nameValue(cert.subject, OID.commonName);
  if (!c || !/^[A-Za-z]{2}$/.test(c))
    invalid('the packed attestation certificate subject needs C, an ISO 3166 code');
  if (!o) invalid('the packed attestation certificate subject needs O (the vendor)');
  if (ou !== 'Authenticator Attestation')
    invalid('the packed attestation certificate subject OU must be "Authenticator Attestation"');
  if (!cn) invalid('the packed attestation certificate subject needs CN');
  checkAaguidExtension(cert, aaguid);
  if (cert.basicConstraints?.ca)
    invalid('the packed attestation certificate must have basicConstraints CA=false');
}

/** `packed`. */
export const packedFormat: AttestationFormat = Object.freeze({
  fmt: 'packed',
  async verify(ctx: FormatContext) {
    const { attStmt, authenticatorData } = ctx;
    onlyKeys(attStmt, ['alg', 'sig', 'x5c', 'ecdaaKeyId']);
    const alg = stmtInt(attStmt, 'alg');
    const sig = stmtBytes(attStmt, 'sig');
    const acd = authenticatorData.attestedCredentialData!;
    const data = concatBytes(ctx.authData, ctx.clientDataHash);
    if (attStmt.has('ecdaaKeyId'))
      invalid('ECDAA attestation is not supported (removed from WebAuthn Level 2)');
    if (attStmt.has('x5c')) {
      const x5c = stmtX5c(attStmt);
      const leaf = x5c[0] as X509Certificate;
      const ok = await verifyWithCertificateKey(leaf.spki, alg, data, sig, { backend: ctx.backend });
      if (!ok)
        attestationFail('ERR_ATTESTATION_SIGNATURE_INVALID', 'the packed attestation signature is invalid');
      checkPackedCertificate(leaf, acd.aaguid);
      return { type: 'basic' as const, x5c, handledExtensions: [OID.fidoGenCeAaguid] };
    }
    // Self attestation: alg must be the credential key's algorithm.
    if (acd.publicKey.alg !== undefined && acd.publicKey.alg !== alg)
      invalid(`self attestation alg ${alg} does not match the credential key's alg ${acd.publicKey.alg}`);
    let ok: boolean;
    try {
      ok = await verifySignature({
        publicKey: acd.publicKey,
        algorithm: alg,
        data,
        signature: sig,
        backend: ctx.backend,
      });
    } catch (e) {
      invalid(`self attestation cannot be verified: ${(e as Error).message}`, { cause: e });
    }
    if (!ok)
      attestationFail(
        'ERR_ATTESTATION_SIGNATURE_INVALID',
        'the packed self attestation signature is invalid',
      );
    return { type: 'self' as const, x5c: [] };
  },
});
