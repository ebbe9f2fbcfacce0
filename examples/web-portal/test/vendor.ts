/**
 * A key vendor's attestation CA, shared by every key of one model (as a real batch is), issued
 * with the virtual authenticator's own certificate code so its key identifiers follow the same
 * convention as the leaves it signs.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type AttestationCa, issueCertificate } from '@fido2kit/virtual-authenticator';

export function createVendorCa(name: string): AttestationCa {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const d = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
  const point = new Uint8Array(
    Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]),
  );
  const certificate = issueCertificate({
    subject: [
      ['C', 'US'],
      ['O', name],
      ['CN', `${name} Attestation CA`],
    ],
    publicKey: point,
    signingKey: d,
    issuerPublicKey: point,
    ca: true,
    serial: new Uint8Array(randomBytes(16)),
  });
  return { privateKey: d, certificate };
}
