/**
 * The "Authentication methods → FIDO2 security key" policy, judged the same way at registration
 * and at sign-in. Pure functions; the messages users see are in messages.ts.
 */
import type { Fido2Policy, User } from './store/types.js';

export type PolicyDenial =
  | 'METHOD_DISABLED'
  | 'USER_NOT_TARGETED'
  | 'SELF_SERVICE_DISABLED'
  | 'MODEL_NOT_ALLOWED'
  | 'MODEL_BLOCKED';

export type PolicyDecision = { ok: true } | { ok: false; reason: PolicyDenial };

const OK: PolicyDecision = { ok: true };
const deny = (reason: PolicyDenial): PolicyDecision => ({ ok: false, reason });

/** Lower case with dashes; undefined when the text is not a UUID. */
export function normalizeAaguid(text: string): string | undefined {
  const h = text.trim().replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return undefined;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Why a user is in the method's target or not (Entra: Include, then Exclude, which wins). */
export type Scope =
  | { inScope: true; via: 'all-users' | 'user' | 'group'; groupId?: string }
  | { inScope: false; via: 'excluded-group'; groupId: string }
  | { inScope: false; via: 'not-included' };

/** Is the user in the target: included (all users, a selected group or the user) and not excluded? */
export function scopeOf(policy: Fido2Policy, user: User, groupIds: readonly string[]): Scope {
  const excluded = policy.excludedGroupIds.find((g) => groupIds.includes(g));
  if (excluded !== undefined) return { inScope: false, via: 'excluded-group', groupId: excluded };
  if (policy.target === 'all') return { inScope: true, via: 'all-users' };
  if (policy.includedUserIds.includes(user.id)) return { inScope: true, via: 'user' };
  const group = policy.includedGroupIds.find((g) => groupIds.includes(g));
  if (group !== undefined) return { inScope: true, via: 'group', groupId: group };
  return { inScope: false, via: 'not-included' };
}

/** May this user (a member of `groupIds`) use security keys at all (sign in with one)? */
export function userMayUseKeys(policy: Fido2Policy, user: User, groupIds: readonly string[]): PolicyDecision {
  if (!policy.enabled) return deny('METHOD_DISABLED');
  if (!scopeOf(policy, user, groupIds).inScope) return deny('USER_NOT_TARGETED');
  return OK;
}

/** May this user add a security key themselves? */
export function userMayRegisterKey(
  policy: Fido2Policy,
  user: User,
  groupIds: readonly string[],
): PolicyDecision {
  const use = userMayUseKeys(policy, user, groupIds);
  if (!use.ok) return use;
  if (!policy.allowSelfServiceSetup) return deny('SELF_SERVICE_DISABLED');
  return OK;
}

/** Is this key model (AAGUID) allowed by the key restrictions? */
export function modelAllowed(policy: Fido2Policy, aaguid: string): PolicyDecision {
  const r = policy.keyRestrictions;
  if (!r.enforced) return OK;
  const id = normalizeAaguid(aaguid) ?? aaguid;
  const listed = r.aaguids.includes(id);
  if (r.mode === 'allow' && !listed) return deny('MODEL_NOT_ALLOWED');
  if (r.mode === 'block' && listed) return deny('MODEL_BLOCKED');
  return OK;
}

/** The attestation options for `verifyRegistrationResponse` that carry this policy. */
export function registrationAttestationPolicy(policy: Fido2Policy) {
  const r = policy.keyRestrictions;
  return {
    requireTrustedAttestation: policy.enforceAttestation,
    // with attestation not enforced, a key whose chain reaches no configured root still registers
    allowUntrustedAttestation: !policy.enforceAttestation,
    allowedAaguids: r.enforced && r.mode === 'allow' ? [...r.aaguids] : undefined,
    blockedAaguids: r.enforced && r.mode === 'block' ? [...r.aaguids] : undefined,
  };
}
