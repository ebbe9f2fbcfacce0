/**
 * The attestation step of registration: the statement is verified by `@fido2kit/attestation`
 * (`verifyAttestation`); this file applies the relying party's policy to the outcome
 * (trusted attestation required, AAGUID allow/block lists, metadata status reports).
 */
import type {
  AttestationResult,
  FormatOptions,
  StatusPolicy as MdsStatusPolicy,
  MetadataEntry,
  MetadataSource,
} from '@fido2kit/attestation';
import { type AttestationObject, isFido2kitError } from '@fido2kit/cose';
import { fail, type WebAuthnErrorCode } from './errors.js';

/**
 * How metadata status reports are judged: `default` is `@fido2kit/attestation`'s
 * `DEFAULT_STATUS_POLICY` (the latest certification in effect must be a FIDO certification and no
 * compromise or revocation may be in effect); `{ desired, undesired }` replaces its lists; a
 * function receives the entry and returns `true` to accept; `ignore` accepts every status.
 */
export type StatusPolicy = 'default' | 'ignore' | MdsStatusPolicy | ((entry: MetadataEntry) => boolean);

/** The registration attestation policy. */
export interface AttestationPolicy {
  /**
   * Metadata: a catalog from `loadMetadataBlob`, a `MetadataService`, or anything with
   * `findByAaguid` and `findByCertificateKeyIdentifier`. Supplies trust anchors, model names and
   * icons, and status reports.
   */
  metadata?: MetadataSource;
  /** Extra trust anchors: PEM strings or DER bytes. */
  trustAnchors?: readonly (string | Uint8Array)[];
  /**
   * Throw `ERR_ATTESTATION_UNTRUSTED` unless the attestation chains to a trust anchor — `none` and
   * self attestation included (they carry nothing to chain). Default `false`.
   */
  requireTrustedAttestation?: boolean;
  /**
   * When `trustAnchors` or `metadata` is configured, an attestation that carries a certificate
   * path (x5c) must chain to one of their anchors, or registration fails with
   * `ERR_ATTESTATION_UNTRUSTED` (as in SimpleWebAuthn, py_webauthn and java-webauthn-server).
   * `true` accepts such an attestation with `trusted: false` instead (java-webauthn-server's
   * name). `none` and self attestation carry no path: `requireTrustedAttestation` governs them.
   * Default `false`.
   */
  allowUntrustedAttestation?: boolean;
  /** Only these AAGUIDs (UUID strings, any case, with or without dashes) may register. */
  allowedAaguids?: readonly string[];
  /** These AAGUIDs may not register. */
  blockedAaguids?: readonly string[];
  /** Attestation statement formats accepted (e.g. `['packed', 'none']`). Default: every supported format. */
  allowedFormats?: readonly string[];
  /** How metadata status reports are judged. Default `default`. */
  statusPolicy?: StatusPolicy;
  /** Per-format options passed to `verifyAttestation` (e.g. `androidKeyAllowSoftwareEnforced`). */
  formatOptions?: FormatOptions;
  /** Use `@fido2kit/attestation`'s bundled roots (Apple, Google) for apple and android formats. Default `true`. */
  useBundledAnchors?: boolean;
}

/** The attestation outcome reported in the registration result. */
export interface AttestationOutcome {
  readonly fmt: string;
  readonly type: 'none' | 'self' | 'basic' | 'attca' | 'anonca' | (string & {});
  /** True when the attestation chains to a trust anchor (from `trustAnchors` or metadata). */
  readonly trusted: boolean;
  /** The attestation certificate chain (DER), leaf first, when there is one. */
  readonly trustPath: readonly Uint8Array[];
  /** The metadata entry for the authenticator model, when the catalog has one. */
  readonly metadata: MetadataEntry | undefined;
}

/** Normalises a UUID string to lower case with dashes. @internal */
export function normalizeAaguid(s: string): string {
  const h = s.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return s.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Applies the relying party's trust and AAGUID policy to a verified attestation. @internal */
export function applyAttestationPolicy(
  outcome: AttestationOutcome,
  aaguid: string,
  policy: AttestationPolicy,
): void {
  const trustConfigured = policy.metadata !== undefined || (policy.trustAnchors?.length ?? 0) > 0;
  if (
    !outcome.trusted &&
    outcome.trustPath.length > 0 &&
    trustConfigured &&
    policy.allowUntrustedAttestation !== true
  )
    fail(
      'ERR_ATTESTATION_UNTRUSTED',
      `the ${outcome.fmt} attestation (${outcome.type}) carries a certificate path that reaches none of the configured trust anchors or metadata roots (allowUntrustedAttestation accepts it untrusted)`,
      { details: { fmt: outcome.fmt, type: outcome.type, aaguid } },
    );
  if (policy.requireTrustedAttestation === true && !outcome.trusted)
    fail(
      'ERR_ATTESTATION_UNTRUSTED',
      `the ${outcome.fmt} attestation (${outcome.type}) does not chain to a trusted root`,
      {
        details: { fmt: outcome.fmt, type: outcome.type, aaguid },
      },
    );
  const id = normalizeAaguid(aaguid);
  if (policy.allowedAaguids !== undefined && !policy.allowedAaguids.some((a) => normalizeAaguid(a) === id))
    fail('ERR_AAGUID_NOT_ALLOWED', `authenticator model ${id} is not in allowedAaguids`, {
      details: { aaguid: id },
    });
  if (policy.blockedAaguids?.some((a) => normalizeAaguid(a) === id))
    fail('ERR_AAGUID_NOT_ALLOWED', `authenticator model ${id} is blocked`, { details: { aaguid: id } });
  const entry = outcome.metadata;
  if (entry !== undefined && typeof policy.statusPolicy === 'function' && policy.statusPolicy(entry) !== true)
    fail('ERR_AUTHENTICATOR_STATUS_REJECTED', `authenticator model ${id} was rejected by statusPolicy`, {
      details: { aaguid: id },
    });
}

function mapAttestationError(e: unknown): never {
  const code = isFido2kitError(e) ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(e);
  let ours: WebAuthnErrorCode = 'ERR_ATTESTATION_INVALID';
  if (code === 'ERR_ATTESTATION_FORMAT_UNSUPPORTED') ours = 'ERR_ATTESTATION_FORMAT_NOT_ALLOWED';
  else if (code === 'ERR_METADATA_STATUS') ours = 'ERR_AUTHENTICATOR_STATUS_REJECTED';
  else if (
    code === 'ERR_ATTESTATION_UNTRUSTED' ||
    code === 'ERR_METADATA_ATTESTATION_TYPE' ||
    code?.startsWith('ERR_CERTIFICATE_') ||
    code?.startsWith('ERR_CRL_')
  )
    ours = 'ERR_ATTESTATION_UNTRUSTED';
  fail(ours, `attestation: ${message}`, {
    cause: e,
    details: { attestationCode: code, ...((e as { details?: Record<string, unknown> }).details ?? {}) },
  });
}

/**
 * Verifies the attestation statement through `@fido2kit/attestation`: give it the parsed
 * attestation object (cose's `parseAttestationObject`) so it is not parsed again. @internal
 */
export async function runAttestation(
  fmt: string,
  attestationObject: Uint8Array | AttestationObject,
  clientDataHash: Uint8Array,
  policy: AttestationPolicy,
  now: Date,
): Promise<AttestationOutcome> {
  const sp = policy.statusPolicy;
  let result: AttestationResult;
  try {
    // Loaded on first use: X.509 and the attestation formats are most of the package's code, and
    // a deployment that only signs users in (an edge worker) never loads them.
    const { verifyAttestation, ANY_STATUS_POLICY } = await import('@fido2kit/attestation');
    result = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now,
      ...(policy.metadata ? { metadata: policy.metadata } : {}),
      ...(policy.trustAnchors ? { trustAnchors: policy.trustAnchors } : {}),
      ...(policy.formatOptions ? { formatOptions: policy.formatOptions } : {}),
      ...(policy.useBundledAnchors === false ? { useBundledAnchors: false } : {}),
      ...(sp === 'ignore' || typeof sp === 'function' ? { statusPolicy: ANY_STATUS_POLICY } : {}),
      ...(sp !== undefined && typeof sp === 'object' ? { statusPolicy: sp } : {}),
      // MDS statements never list "none"; a none attestation asserts nothing to compare.
      checkAttestationType: fmt !== 'none',
    });
  } catch (e) {
    mapAttestationError(e);
  }
  return {
    fmt: result.fmt,
    type: result.type,
    trusted: result.trusted,
    trustPath: result.trustPath,
    metadata: result.metadata,
  };
}
