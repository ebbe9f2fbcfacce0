/** The authenticator's state: what persists (exportState) and what a power cycle clears. */

/** A discoverable credential in the resident store. */
export interface ResidentCredential {
  /** The credential ID (a wrapped credential, see credential-id.ts). */
  id: Uint8Array;
  rpId: string;
  rpName?: string;
  user: { id: Uint8Array; name?: string; displayName?: string };
  /** Creation order (larger is newer). */
  created: number;
}

/** An enrolled fingerprint template. */
export interface FingerprintTemplate {
  id: Uint8Array;
  name?: string;
}

/** State that survives a power cycle. */
export interface PersistentState {
  aaguid: Uint8Array;
  /** AES-256-GCM key that wraps credential IDs; replaced by reset. */
  secret: Uint8Array;
  /** LEFT(SHA-256(PIN), 16), when a PIN is set. */
  pinHash?: Uint8Array;
  /** The PIN's length in code points. */
  pinCodePoints?: number;
  pinRetries: number;
  forcePinChange: boolean;
  minPinLength: number;
  minPinLengthRpIds: string[];
  uvRetries: number;
  fingerprints: FingerprintTemplate[];
  credentials: ResidentCredential[];
  /** Signature counters by credential (hex of the first 16 bytes of SHA-256(credential ID)). */
  counters: Map<string, number>;
  /** Next creation sequence number. */
  sequence: number;
  alwaysUv: boolean;
  /** The serialized large-blob array (CTAP 2.1 §6.10); the initial empty array when absent. */
  largeBlobArray?: Uint8Array;
  /** Whether authenticatorConfig enabled enterprise attestation. */
  enterpriseAttestation?: boolean;
  /**
   * The persistentPinUvAuthToken (CTAP 2.2 §6.5.5.7, permission pcmr): made on first request,
   * kept across power cycles, dropped when the PIN is set or changed and by reset.
   */
  persistentToken?: Uint8Array;
  /** Attestation keys and certificates, generated on first use. */
  attestation: {
    caKey?: Uint8Array;
    caCert?: Uint8Array;
    leafKey?: Uint8Array;
    leafCert?: Uint8Array;
    u2fKey?: Uint8Array;
    u2fCert?: Uint8Array;
  };
}

/** The pinUvAuthToken and its state (CTAP 2.1 §6.5.2.1). */
export interface TokenState {
  token: Uint8Array;
  permissions: number;
  rpId?: string;
  /** When beginUsingPinUvAuthToken ran. */
  issuedAt: number;
  /** Whether it has been used since. */
  used: boolean;
  userPresent: boolean;
  userVerified: boolean;
}

/** A getAssertion whose further credentials getNextAssertion returns. */
export interface PendingAssertion {
  /** Responses still to give, produced on demand. */
  next: (() => Promise<Map<number, unknown>>)[];
  /** When the last (get|getNext)Assertion answered. */
  at: number;
}

/** State that a power cycle clears. */
export interface VolatileState {
  powerUpAt: number;
  /** PIN mismatches in a row since power-up. */
  pinFailuresInARow: number;
  keyAgreement: Map<number, { privateKey: Uint8Array; publicKey: Map<number, unknown> }>;
  token?: TokenState;
  pending?: PendingAssertion;
}
