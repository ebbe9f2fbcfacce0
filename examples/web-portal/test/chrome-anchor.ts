/**
 * A trust anchor for Chrome's virtual authenticator. Chrome answers `attestation: 'direct'` with
 * packed attestation whose x5c is one self-signed "Batch Certificate", minted afresh for every
 * registration (a new notAfter each time) but always with the same subject and the same fixed
 * Chromium attestation key. So the stable thing to trust is that name and key: RFC 5280 §6.1.1
 * trust anchor information. We express it as a CA certificate with that subject and that public
 * key (its own signature is made with a throwaway key: a trust anchor's signature is never
 * checked, its key is what signs the leaves).
 */
import * as x509 from '@peculiar/x509';

export async function chromeTrustAnchor(batchCertificate: Uint8Array): Promise<Uint8Array> {
  const batch = new x509.X509Certificate(new Uint8Array(batchCertificate));
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const chromeKey = await batch.publicKey.export(algorithm, ['verify']);
  const throwaway = await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify']);
  const anchor = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: batch.subject,
    issuer: batch.subject,
    notBefore: batch.notBefore,
    notAfter: new Date(Date.UTC(2099, 0, 1)),
    publicKey: chromeKey,
    signingKey: throwaway.privateKey,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return new Uint8Array(anchor.rawData);
}
