/**
 * Attestation statement formats (WebAuthn §8), as a registry: none, packed self attestation,
 * packed full attestation (x5c with the generated leaf), fido-u2f.
 */
import { type CborValue, type CosePublicKey, concatBytes, type SigningKey } from '@fido2kit/cose';
import type { AuthenticatorCore } from './core.js';
import type { AttestationKind } from './options.js';

/** What a format signs over. */
export interface AttestationInput {
  core: AuthenticatorCore;
  authData: Uint8Array;
  clientDataHash: Uint8Array;
  rpIdHash: Uint8Array;
  credentialId: Uint8Array;
  /** The credential's signing key (self attestation signs with it) and its algorithm. */
  credentialKey: SigningKey;
  alg: number;
  coseKey: CosePublicKey;
}

/** An attestation statement format. */
export interface AttestationFormat {
  /** The `fmt` string. */
  readonly fmt: string;
  /** Credential algorithms the format can attest; absent: any. */
  readonly algorithms?: readonly number[];
  /** Whether the authenticator data carries an all-zero AAGUID (U2F keys have none). */
  readonly zeroAaguid?: boolean;
  /**
   * The attestation statement (`attStmt`) for one makeCredential.
   * @param input the authenticator data, client data hash and the key's attestation material
   * @returns the statement's CBOR map (signing may be asynchronous: the backend seam)
   */
  statement(input: AttestationInput): Promise<Map<string, CborValue>>;
}

const none: AttestationFormat = {
  fmt: 'none',
  statement: async () => new Map(),
};

const self: AttestationFormat = {
  fmt: 'packed',
  async statement(i) {
    const sig = await i.credentialKey.sign(concatBytes(i.authData, i.clientDataHash));
    return new Map<string, CborValue>([
      ['alg', i.alg],
      ['sig', sig],
    ]);
  },
};

const packed: AttestationFormat = {
  fmt: 'packed',
  async statement(i) {
    const leaf = i.core.attestationLeaf();
    const key = await i.core.keys.get(-7, leaf.key);
    const sig = await key.sign(concatBytes(i.authData, i.clientDataHash));
    return new Map<string, CborValue>([
      ['alg', -7],
      ['sig', sig],
      ['x5c', [leaf.cert]],
    ]);
  },
};

const fidoU2f: AttestationFormat = {
  fmt: 'fido-u2f',
  algorithms: [-7],
  zeroAaguid: true,
  async statement(i) {
    if (i.coseKey.kty !== 'EC2') throw new RangeError('fido-u2f attests P-256 keys only');
    const leaf = i.core.u2fLeaf();
    const pub = concatBytes(Uint8Array.of(4), i.coseKey.x, i.coseKey.y);
    const data = concatBytes(Uint8Array.of(0), i.rpIdHash, i.clientDataHash, i.credentialId, pub);
    return new Map<string, CborValue>([
      ['sig', await (await i.core.keys.get(-7, leaf.key)).sign(data)],
      ['x5c', [leaf.cert]],
    ]);
  },
};

/** Attestation formats by the configured kind. */
export const ATTESTATION_FORMATS: Readonly<Record<AttestationKind, AttestationFormat>> = {
  none,
  self,
  packed,
  'fido-u2f': fidoU2f,
};
