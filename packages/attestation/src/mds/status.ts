/**
 * The status policy (go-webauthn's model with java-webauthn-server's refinement): the latest
 * certification report in effect at `now` must be desired; an undesired report in effect at `now`
 * rejects — ATTESTATION_KEY_COMPROMISE only when it names no certificate or names one in the chain.
 */
import { bytesToHex, sha256 } from '@fido2kit/cose';
import { MetadataError } from '../errors.js';
import { decodeBase64 } from '../x509.js';
import type { AuthenticatorStatus, MetadataEntry, StatusReport } from './types.js';

/** A status policy: both lists are replaceable. */
export interface StatusPolicy {
  /** The latest certification status in effect must be one of these. */
  readonly desired: readonly (AuthenticatorStatus | (string & {}))[];
  /** Any report in effect with one of these rejects. */
  readonly undesired: readonly (AuthenticatorStatus | (string & {}))[];
}

/** The statuses of a FIDO certification, at any level (MDS3 §3.1.4 AuthenticatorStatus). */
const FIDO_CERTIFIED: readonly AuthenticatorStatus[] = [
  'FIDO_CERTIFIED',
  'FIDO_CERTIFIED_L1',
  'FIDO_CERTIFIED_L1plus',
  'FIDO_CERTIFIED_L2',
  'FIDO_CERTIFIED_L2plus',
  'FIDO_CERTIFIED_L3',
  'FIDO_CERTIFIED_L3plus',
];

/** The default policy. */
export const DEFAULT_STATUS_POLICY: StatusPolicy = Object.freeze({
  desired: Object.freeze([...FIDO_CERTIFIED, 'NOT_FIDO_CERTIFIED']),
  undesired: Object.freeze([
    'REVOKED',
    'USER_VERIFICATION_BYPASS',
    'USER_KEY_REMOTE_COMPROMISE',
    'USER_KEY_PHYSICAL_COMPROMISE',
    'ATTESTATION_KEY_COMPROMISE',
  ]),
});

/** Statuses that state a certification level (the ones "latest" is judged among). */
const CERTIFICATION = new Set<string>([
  'NOT_FIDO_CERTIFIED',
  ...FIDO_CERTIFIED,
  'SELF_ASSERTION_SUBMITTED',
  'REVOKED',
]);

/**
 * A policy that accepts every certification status and rejects nothing: for callers that judge
 * status themselves (a function of the entry) or not at all.
 */
export const ANY_STATUS_POLICY: StatusPolicy = Object.freeze({
  desired: Object.freeze([...CERTIFICATION]),
  undesired: Object.freeze([]),
});

function effective(r: StatusReport): number {
  if (!r.effectiveDate) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(`${r.effectiveDate.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function reject(status: string, message: string): never {
  throw new MetadataError('ERR_METADATA_STATUS', message, { details: { status } });
}

/**
 * Applies a status policy to a metadata entry.
 * @throws {MetadataError} `ERR_METADATA_STATUS` (its `details.status` names the status)
 * @example
 * ```ts
 * checkStatusPolicy(entry, { now: new Date() });
 * ```
 */
export function checkStatusPolicy(
  entry: MetadataEntry,
  options: { now: Date; policy?: StatusPolicy; chain?: readonly Uint8Array[] },
): void {
  const policy = options.policy ?? DEFAULT_STATUS_POLICY;
  const now = options.now.getTime();
  const inEffect = (entry.statusReports ?? [])
    .map((r, i) => ({ r, i, t: effective(r) }))
    .filter((x) => x.t <= now)
    .sort((a, b) => a.t - b.t || a.i - b.i);
  const chainPrints = new Set((options.chain ?? []).map((d) => bytesToHex(sha256(d))));
  for (const { r } of inEffect) {
    if (!policy.undesired.includes(r.status)) continue;
    if (r.status === 'ATTESTATION_KEY_COMPROMISE' && r.certificate) {
      let print: string;
      try {
        print = bytesToHex(sha256(decodeBase64(r.certificate)));
      } catch {
        print = '';
      }
      if (!chainPrints.has(print)) continue;
    }
    reject(
      r.status,
      `the authenticator's metadata reports ${r.status}${r.effectiveDate ? ` since ${r.effectiveDate}` : ''}`,
    );
  }
  const latest = [...inEffect].reverse().find((x) => CERTIFICATION.has(x.r.status));
  if (!latest) reject('NONE', 'the authenticator has no certification status report in effect');
  if (!policy.desired.includes(latest.r.status))
    reject(latest.r.status, `the authenticator's latest status ${latest.r.status} is not accepted`);
}
