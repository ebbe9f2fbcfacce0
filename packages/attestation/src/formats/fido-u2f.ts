/** The `fido-u2f` attestation statement format (WebAuthn §8.6). */
import { concatBytes } from '@fido2kit/cose';
import { attestationFail, invalid } from '../errors.js';
import { spkiKey, verifyWithCertificateKey } from '../signature.js';
import type { X509Certificate } from '../x509.js';
import { onlyKeys, stmtBytes, stmtX5c } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** `fido-u2f`: one P-256 certificate, the U2F registration signature over 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKey. */
export const fidoU2fFormat: AttestationFormat = Object.freeze({
  fmt: 'fido-u2f',
  async verify(ctx: FormatContext) {
    const { attStmt, authenticatorData } = ctx;
    onlyKeys(attStmt, ['sig', 'x5c']);
    const sig = stmtBytes(attStmt, 'sig');
    const x5c = stmtX5c(attStmt);
    if (x5c.length !== 1) invalid(`fido-u2f requires exactly one certificate in x5c, got ${x5c.length}`);
    const cert = x5c[0] as X509Certificate;
    const certKey = spkiKey(cert.spki).key;
    if (certKey.kty !== 'EC2' || certKey.crv !== 'P-256')
      invalid('the fido-u2f attestation certificate key must be EC P-256');
    const acd = authenticatorData.attestedCredentialData!;
    const pk = acd.publicKey;
    if (pk.kty !== 'EC2' || pk.crv !== 'P-256')
      invalid('fido-u2f requires an EC2 P-256 credential public key');
    const data = concatBytes(
      Uint8Array.of(0),
      authenticatorData.rpIdHash,
      ctx.clientDataHash,
      acd.credentialId,
      Uint8Array.of(4),
      pk.x,
      pk.y,
    );
    const ok = await verifyWithCertificateKey(cert.spki, -7, data, sig, { backend: ctx.backend });
    if (!ok)
      attestationFail('ERR_ATTESTATION_SIGNATURE_INVALID', 'the fido-u2f attestation signature is invalid');
    return { type: 'basic' as const, x5c };
  },
});
