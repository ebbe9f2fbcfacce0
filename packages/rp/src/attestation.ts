/**
 * The attestation step of registration: the statement is verified by `@fido2kit/attestation`
 * (`verifyAttestation`); this file applies the relying party's policy to the outcome
 * (trusted attestation required, AAGUID allow/block lists, metadata status reports).
 */
import type { CborValue } from '@fido2kit/cose';
import { fail } from './errors.js';

/** A metadata statement entry as FIDO MDS3 publishes it (only the members read here are typed). */
export interface MetadataEntryLike {
  readonly aaguid?: string;
  readonly metadataStatement?: {
    readonly description?: string;
    readonly icon?: string;
    readonly [k: string]: unknown;
  };
  readonly statusReports?: readonly {
    readonly status: string;
    readonly effectiveDate?: string;
    readonly [k: string]: unknown;
  }[];
  readonly [k: string]: unknown;
}

/** A metadata catalog, as `loadMetadataBlob` returns it. */
export interface MetadataCatalogLike {
  findByAaguid(aaguid: string): MetadataEntryLike | undefined;
  findByCertificateKeyIdentifier?(hex: string): MetadataEntryLike | undefined;
  readonly [k: string]: unknown;
}

/** The metadata status reports that reject an authenticator by default. */
export const DEFAULT_REJECTED_STATUSES: readonly string[] = Object.freeze([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

/**
 * How metadata status reports are judged: `default` rejects when the latest effective report is
 * one of {@link DEFAULT_REJECTED_STATUSES}; `{ reject }` names the statuses; a function receives
 * the entry and returns `true` to accept; `ignore` accepts every status.
 */
export type StatusPolicy =
  | 'default'
  | 'ignore'
  | { readonly reject: readonly string[] }
  | ((entry: MetadataEntryLike) => boolean);

/** The registration attestation policy. */
export interface AttestationPolicy {
  /** A metadata catalog from `loadMetadataBlob`: trust anchors, model names and icons, status reports. */
  metadata?: MetadataCatalogLike;
  /** Extra trust anchors: PEM strings or DER bytes. */
  trustAnchors?: readonly (string | Uint8Array)[];
  /** Throw `ERR_ATTESTATION_UNTRUSTED` unless the attestation chains to a trust anchor. Default `false`. */
  requireTrustedAttestation?: boolean;
  /** Only these AAGUIDs (UUID strings, any case, with or without dashes) may register. */
  allowedAaguids?: readonly string[];
  /** These AAGUIDs may not register. */
  blockedAaguids?: readonly string[];
  /** Attestation statement formats accepted (e.g. `['packed', 'none']`). Default: every supported format. */
  allowedFormats?: readonly string[];
  /** How metadata status reports are judged. Default `default`. */
  statusPolicy?: StatusPolicy;
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
  readonly metadata: MetadataEntryLike | undefined;
}

/** Normalises a UUID string to lower case with dashes. @internal */
export function normalizeAaguid(s: string): string {
  const h = s.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return s.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function latestStatus(entry: MetadataEntryLike, now: Date): string | undefined {
  let best: { status: string; t: number } | undefined;
  for (const r of entry.statusReports ?? []) {
    const t = r.effectiveDate ? Date.parse(r.effectiveDate) : 0;
    if (Number.isFinite(t) && t > now.getTime()) continue;
    if (!best || (Number.isFinite(t) ? t : 0) >= best.t)
      best = { status: r.status, t: Number.isFinite(t) ? t : 0 };
  }
  return best?.status;
}

/** Applies the relying party's attestation policy to a verified attestation. @internal */
export function applyAttestationPolicy(
  outcome: AttestationOutcome,
  aaguid: string,
  policy: AttestationPolicy,
  now: Date,
): void {
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
  const sp = policy.statusPolicy ?? 'default';
  if (entry !== undefined && sp !== 'ignore') {
    let ok: boolean;
    let status: string | undefined;
    if (typeof sp === 'function') ok = sp(entry) === true;
    else {
      status = latestStatus(entry, now);
      const reject = sp === 'default' ? DEFAULT_REJECTED_STATUSES : sp.reject;
      ok = status === undefined || !reject.includes(status);
    }
    if (!ok)
      fail(
        'ERR_AUTHENTICATOR_STATUS_REJECTED',
        `authenticator model ${id} has metadata status ${status ?? '(rejected by statusPolicy)'}`,
        {
          details: { aaguid: id, status },
        },
      );
  }
}

/** The `none` format, for when no attestation verifier is available. @internal */
export function verifyNoneAttestation(attStmt: Map<CborValue, CborValue>): AttestationOutcome {
  if (attStmt.size !== 0) fail('ERR_ATTESTATION_INVALID', 'a "none" attestation statement must be empty');
  return { fmt: 'none', type: 'none', trusted: false, trustPath: [], metadata: undefined };
}
