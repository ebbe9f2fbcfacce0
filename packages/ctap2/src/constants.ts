/** CTAP 2.1 numbering: commands (§6), status codes (§8.2), and the names they carry. */

/** authenticator* command bytes (CTAP 2.1 §6, §8.1). */
export const CTAP2_COMMANDS = {
  makeCredential: 0x01,
  getAssertion: 0x02,
  getInfo: 0x04,
  clientPIN: 0x06,
  reset: 0x07,
  getNextAssertion: 0x08,
  bioEnrollment: 0x09,
  credentialManagement: 0x0a,
  selection: 0x0b,
  largeBlobs: 0x0c,
  config: 0x0d,
  bioEnrollmentPreview: 0x40,
  credentialManagementPreview: 0x41,
} as const;

/** CTAP status codes by name (CTAP 2.1 §8.2 "Status codes"). */
export const CTAP_STATUS = {
  CTAP2_OK: 0x00,
  CTAP1_ERR_INVALID_COMMAND: 0x01,
  CTAP1_ERR_INVALID_PARAMETER: 0x02,
  CTAP1_ERR_INVALID_LENGTH: 0x03,
  CTAP1_ERR_INVALID_SEQ: 0x04,
  CTAP1_ERR_TIMEOUT: 0x05,
  CTAP1_ERR_CHANNEL_BUSY: 0x06,
  CTAP1_ERR_LOCK_REQUIRED: 0x0a,
  CTAP1_ERR_INVALID_CHANNEL: 0x0b,
  CTAP2_ERR_CBOR_UNEXPECTED_TYPE: 0x11,
  CTAP2_ERR_INVALID_CBOR: 0x12,
  CTAP2_ERR_MISSING_PARAMETER: 0x14,
  CTAP2_ERR_LIMIT_EXCEEDED: 0x15,
  CTAP2_ERR_FP_DATABASE_FULL: 0x17,
  CTAP2_ERR_LARGE_BLOB_STORAGE_FULL: 0x18,
  CTAP2_ERR_CREDENTIAL_EXCLUDED: 0x19,
  CTAP2_ERR_PROCESSING: 0x21,
  CTAP2_ERR_INVALID_CREDENTIAL: 0x22,
  CTAP2_ERR_USER_ACTION_PENDING: 0x23,
  CTAP2_ERR_OPERATION_PENDING: 0x24,
  CTAP2_ERR_NO_OPERATIONS: 0x25,
  CTAP2_ERR_UNSUPPORTED_ALGORITHM: 0x26,
  CTAP2_ERR_OPERATION_DENIED: 0x27,
  CTAP2_ERR_KEY_STORE_FULL: 0x28,
  CTAP2_ERR_UNSUPPORTED_OPTION: 0x2b,
  CTAP2_ERR_INVALID_OPTION: 0x2c,
  CTAP2_ERR_KEEPALIVE_CANCEL: 0x2d,
  CTAP2_ERR_NO_CREDENTIALS: 0x2e,
  CTAP2_ERR_USER_ACTION_TIMEOUT: 0x2f,
  CTAP2_ERR_NOT_ALLOWED: 0x30,
  CTAP2_ERR_PIN_INVALID: 0x31,
  CTAP2_ERR_PIN_BLOCKED: 0x32,
  CTAP2_ERR_PIN_AUTH_INVALID: 0x33,
  CTAP2_ERR_PIN_AUTH_BLOCKED: 0x34,
  CTAP2_ERR_PIN_NOT_SET: 0x35,
  CTAP2_ERR_PUAT_REQUIRED: 0x36,
  CTAP2_ERR_PIN_POLICY_VIOLATION: 0x37,
  CTAP2_ERR_REQUEST_TOO_LARGE: 0x39,
  CTAP2_ERR_ACTION_TIMEOUT: 0x3a,
  CTAP2_ERR_UP_REQUIRED: 0x3b,
  CTAP2_ERR_UV_BLOCKED: 0x3c,
  CTAP2_ERR_INTEGRITY_FAILURE: 0x3d,
  CTAP2_ERR_INVALID_SUBCOMMAND: 0x3e,
  CTAP2_ERR_UV_INVALID: 0x3f,
  CTAP2_ERR_UNAUTHORIZED_PERMISSION: 0x40,
  CTAP1_ERR_OTHER: 0x7f,
  CTAP2_ERR_SPEC_LAST: 0xdf,
  CTAP2_ERR_EXTENSION_FIRST: 0xe0,
  CTAP2_ERR_EXTENSION_LAST: 0xef,
  CTAP2_ERR_VENDOR_FIRST: 0xf0,
  CTAP2_ERR_VENDOR_LAST: 0xff,
} as const;

/** A CTAP status name. */
export type CtapStatusName = keyof typeof CTAP_STATUS;

/** CTAP status names by number (the inverse of {@link CTAP_STATUS}). */
export const CTAP_STATUS_NAMES: Readonly<Record<number, CtapStatusName>> = Object.freeze(
  Object.fromEntries(Object.entries(CTAP_STATUS).map(([k, v]) => [v, k])) as Record<number, CtapStatusName>,
);

/** The name of a status byte, with the extension and vendor ranges named generically. */
export function ctapStatusName(status: number): string {
  const name = CTAP_STATUS_NAMES[status];
  if (name !== undefined && !name.endsWith('_FIRST') && !name.endsWith('_LAST')) return name;
  if (status >= 0xe0 && status <= 0xef) return `CTAP2_ERR_EXTENSION_0x${status.toString(16)}`;
  if (status >= 0xf0) return `CTAP2_ERR_VENDOR_0x${status.toString(16)}`;
  return name ?? `CTAP_STATUS_0x${status.toString(16).padStart(2, '0')}`;
}

/** U2F / ISO 7816 status words used by CTAP1 (FIDO U2F Raw Message Formats §3.3). */
export const U2F_SW = {
  NO_ERROR: 0x9000,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  WRONG_LENGTH: 0x6700,
  CLA_NOT_SUPPORTED: 0x6e00,
  INS_NOT_SUPPORTED: 0x6d00,
} as const;
