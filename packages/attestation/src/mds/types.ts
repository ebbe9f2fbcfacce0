/** FIDO Metadata Service 3 types (FIDO Metadata Service v3.0 §3; Metadata Statement v3.0 §4). */

/** Authenticator status values (MDS3 §3.1.4). */
export type AuthenticatorStatus =
  | 'NOT_FIDO_CERTIFIED'
  | 'FIDO_CERTIFIED'
  | 'USER_VERIFICATION_BYPASS'
  | 'ATTESTATION_KEY_COMPROMISE'
  | 'USER_KEY_REMOTE_COMPROMISE'
  | 'USER_KEY_PHYSICAL_COMPROMISE'
  | 'UPDATE_AVAILABLE'
  | 'REVOKED'
  | 'SELF_ASSERTION_SUBMITTED'
  | 'FIDO_CERTIFIED_L1'
  | 'FIDO_CERTIFIED_L1plus'
  | 'FIDO_CERTIFIED_L2'
  | 'FIDO_CERTIFIED_L2plus'
  | 'FIDO_CERTIFIED_L3'
  | 'FIDO_CERTIFIED_L3plus';

/** A status report (MDS3 §3.1.3). */
export interface StatusReport {
  readonly status: AuthenticatorStatus | (string & {});
  /** ISO-8601 date (YYYY-MM-DD) the status took effect. */
  readonly effectiveDate?: string;
  readonly authenticatorVersion?: number;
  /** Base64 DER of the compromised attestation certificate, for ATTESTATION_KEY_COMPROMISE. */
  readonly certificate?: string;
  readonly url?: string;
  readonly certificationDescriptor?: string;
  readonly certificateNumber?: string;
  readonly certificationPolicyVersion?: string;
  readonly certificationRequirementsVersion?: string;
}

/** A metadata statement (Metadata Statement v3.0 §4); unknown members are kept. */
export interface MetadataStatement {
  readonly legalHeader?: string;
  readonly aaid?: string;
  readonly aaguid?: string;
  readonly attestationCertificateKeyIdentifiers?: readonly string[];
  /** The model name. */
  readonly description: string;
  readonly alternativeDescriptions?: Readonly<Record<string, string>>;
  readonly authenticatorVersion?: number;
  readonly protocolFamily?: string;
  readonly schema?: number;
  readonly upv?: readonly { major: number; minor: number }[];
  readonly authenticationAlgorithms?: readonly string[];
  readonly publicKeyAlgAndEncodings?: readonly string[];
  readonly attestationTypes?: readonly string[];
  readonly userVerificationDetails?: readonly (readonly Record<string, unknown>[])[];
  readonly keyProtection?: readonly string[];
  readonly isKeyRestricted?: boolean;
  readonly isFreshUserVerificationRequired?: boolean;
  readonly matcherProtection?: readonly string[];
  readonly cryptoStrength?: number;
  readonly attachmentHint?: readonly string[];
  readonly tcDisplay?: readonly string[];
  /** Base64 DER attestation root certificates. */
  readonly attestationRootCertificates?: readonly string[];
  /** A data: URL of the model's icon. */
  readonly icon?: string;
  readonly supportedExtensions?: readonly Record<string, unknown>[];
  /** The authenticator's CTAP2 getInfo response, as JSON. */
  readonly authenticatorGetInfo?: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

/** A BLOB entry (MDS3 §3.1.1). */
export interface MetadataEntry {
  readonly aaid?: string;
  /** The AAGUID, lower-case UUID string. */
  readonly aaguid?: string;
  /** Lower-case hex SHA-1 key identifiers of U2F attestation certificates. */
  readonly attestationCertificateKeyIdentifiers?: readonly string[];
  readonly metadataStatement?: MetadataStatement;
  readonly biometricStatusReports?: readonly Record<string, unknown>[];
  readonly statusReports: readonly StatusReport[];
  readonly timeOfLastStatusChange: string;
  readonly rogueListURL?: string;
  readonly rogueListHash?: string;
  readonly [member: string]: unknown;
}

/** Anything that finds metadata entries (a catalog, a service, your own store). */
export interface MetadataSource {
  /**
   * The entry of a FIDO2 authenticator model.
   * @param aaguid the AAGUID as a UUID string
   * @returns the entry, or undefined when the source does not list it
   */
  findByAaguid(aaguid: string): MetadataEntry | undefined | Promise<MetadataEntry | undefined>;
  /**
   * The entry of a U2F authenticator model, by its attestation certificate key identifier.
   * @param hex the certificate key identifier (SHA-1 of the public key) in lower-case hex
   * @returns the entry, or undefined when the source does not list it
   */
  findByCertificateKeyIdentifier(hex: string): MetadataEntry | undefined | Promise<MetadataEntry | undefined>;
}
