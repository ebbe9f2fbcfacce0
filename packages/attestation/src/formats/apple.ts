/** The `apple` anonymous attestation statement format (WebAuthn §8.8). */
import { concatBytes, equalBytes, sha256 } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { attestationFail, invalid } from '../errors.js';
import { OID, type X509Certificate } from '../x509.js';
import { der, onlyKeys, sameKey, stmtX5c } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** `apple`: the nonce extension must be SHA-256(authData ‖ clientDataHash); the leaf key must be the credential key. */
export const appleFormat: AttestationFormat = Object.freeze({
  fmt: 'apple',
  async verify(ctx: FormatContext) {
    onlyKeys(ctx.attStmt, ['x5c', 'alg']);
    const x5c = stmtX5c(ctx.attStmt);
    const leaf = x5c[0] as X509Certificate;
    const ext = leaf.extensions.get(OID.appleNonce);
    if (!ext) invalid('the apple attestation certificate lacks the nonce extension (1.2.840.113635.100.8.2)');
    const seq = der(ext.value, 'apple nonce extension');
    const tagged = seq instanceof asn1js.Sequence ? seq.valueBlock.value[0] : undefined;
    const inner = (tagged as asn1js.Constructed | undefined)?.valueBlock?.value?.[0];
    if (
      !(inner instanceof asn1js.OctetString) ||
      tagged?.idBlock.tagClass !== 3 ||
      tagged.idBlock.tagNumber !== 1
    )
      invalid('the apple nonce extension is malformed');
    const nonce = new Uint8Array(inner.valueBlock.valueHexView);
    const expected = sha256(concatBytes(ctx.authData, ctx.clientDataHash));
    if (!equalBytes(nonce, expected))
      attestationFail('ERR_ATTESTATION_NONCE_MISMATCH', 'the apple attestation nonce does not match');
    if (!sameKey(leaf, ctx.authenticatorData.attestedCredentialData!.publicKey))
      invalid('the apple attestation certificate key is not the credential public key');
    return { type: 'anonca' as const, x5c, anchors: 'apple' as const, handledExtensions: [OID.appleNonce] };
  },
});
