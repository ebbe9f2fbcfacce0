/**
 * The virtual key's packed attestation checked by OpenSSL (node:crypto), a verifier that is not
 * ours: the statement signature over authData ‖ clientDataHash with the leaf's key, and the leaf
 * signed by the authenticator's attestation CA.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { sha256, utf8Encode } from '@fido2kit/cose';
import { Ctap2 } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { expect, it } from 'vitest';

for (const alg of [-7, -8]) {
  it(`packed attestation (credential alg ${alg}) verifies with OpenSSL`, async () => {
    const authenticator = new VirtualAuthenticator({ attestation: 'packed', algorithms: [alg] });
    const ctap = await Ctap2.open(authenticator.device());
    const clientDataHash = sha256(utf8Encode('{"type":"webauthn.create"}'));
    const made = await ctap.makeCredential({
      clientDataHash,
      rp: { id: 'example.com' },
      user: { id: utf8Encode('u'), name: 'u' },
      pubKeyCredParams: [{ type: 'public-key', alg }],
    });
    expect(made.fmt).toBe('packed');
    expect(made.attStmt.get('alg')).toBe(-7); // the attestation key is P-256 whatever the credential
    const [leafDer] = made.attStmt.get('x5c') as Uint8Array[];
    const leaf = new X509Certificate(leafDer as Uint8Array);
    const ca = new X509Certificate(authenticator.attestationCaCertificate);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subject).toContain('OU=Authenticator Attestation');
    const ok = createVerify('sha256')
      .update(Buffer.concat([made.authData, clientDataHash]))
      .verify(leaf.publicKey, made.attStmt.get('sig') as Uint8Array);
    expect(ok).toBe(true);
  });
}
