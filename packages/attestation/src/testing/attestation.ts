/** Attestation objects made as an authenticator would make them, for tests. */
import { base64url, type CborValue, concatBytes, encode, sha256, utf8Encode } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { OID } from '../x509.js';
import type { TestCertificate } from './certificates.js';
import { COSE_ALG, generateTestKey, subtle, type TestKeyPair, testCoseKey, testSign } from './keys.js';

/** Options of {@link createTestAttestation}. */
export interface TestAttestationOptions {
  fmt: 'none' | 'packed' | 'fido-u2f';
  /** For packed with x5c and fido-u2f: the attestation certificate (its key signs). Absent for packed → self attestation. */
  attestationCertificate?: TestCertificate;
  /** Certificates after the leaf in x5c. */
  chain?: readonly TestCertificate[];
  clientDataHash: Uint8Array;
  rpId?: string;
  aaguid?: Uint8Array;
  credentialKey?: TestKeyPair;
  /** Flags byte. Default UP|UV|AT (0x45). */
  flags?: number;
}

/** Builds an attestation object as an authenticator would. */
export async function createTestAttestation(options: TestAttestationOptions): Promise<{
  attestationObject: Uint8Array;
  credentialId: Uint8Array;
  credentialPublicKey: Uint8Array;
  credentialKey: TestKeyPair;
}> {
  const credentialKey = options.credentialKey ?? (await generateTestKey('ES256'));
  const credentialPublicKey = await testCoseKey(credentialKey);
  const credentialId = sha256(credentialPublicKey);
  const aaguid =
    options.fmt === 'fido-u2f' ? new Uint8Array(16) : (options.aaguid ?? new Uint8Array(16).fill(0x42));
  const rpIdHash = sha256(utf8Encode(options.rpId ?? 'example.com'));
  const authData = concatBytes(
    rpIdHash,
    Uint8Array.of(options.flags ?? 0x45, 0, 0, 0, 1),
    aaguid,
    Uint8Array.of(credentialId.length >> 8, credentialId.length & 255),
    credentialId,
    credentialPublicKey,
  );
  let attStmt: Map<CborValue, CborValue>;
  const x5c = options.attestationCertificate
    ? [options.attestationCertificate.der, ...(options.chain ?? []).map((c) => c.der)]
    : [];
  if (options.fmt === 'none') attStmt = new Map();
  else if (options.fmt === 'fido-u2f') {
    const cert = options.attestationCertificate;
    if (!cert) throw new TypeError('"attestationCertificate" is required for fmt fido-u2f');
    const jwk = (await subtle().exportKey('jwk', credentialKey.publicKey)) as JsonWebKey;
    const pub = concatBytes(Uint8Array.of(4), base64url.decode(jwk.x ?? ''), base64url.decode(jwk.y ?? ''));
    const data = concatBytes(Uint8Array.of(0), rpIdHash, options.clientDataHash, credentialId, pub);
    attStmt = new Map<CborValue, CborValue>([
      ['sig', await testSign(cert.key, data)],
      ['x5c', x5c],
    ]);
  } else {
    const signer = options.attestationCertificate?.key ?? credentialKey;
    const sig = await testSign(signer, concatBytes(authData, options.clientDataHash));
    attStmt = new Map<CborValue, CborValue>([
      ['alg', COSE_ALG[signer.algorithm]],
      ['sig', sig],
    ]);
    if (x5c.length) attStmt.set('x5c', x5c);
  }
  const attestationObject = encode(
    new Map<CborValue, CborValue>([
      ['fmt', options.fmt],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );
  return { attestationObject, credentialId, credentialPublicKey, credentialKey };
}

/** The DER of the id-fido-gen-ce-aaguid extension value for an AAGUID. */
export function aaguidExtension(aaguid: Uint8Array): { oid: string; critical: boolean; value: Uint8Array } {
  return {
    oid: OID.fidoGenCeAaguid,
    critical: false,
    value: new Uint8Array(new asn1js.OctetString({ valueHex: aaguid.slice().buffer }).toBER(false)),
  };
}
