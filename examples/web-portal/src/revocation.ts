/**
 * Sessions follow their keys. Deleting a key ends the sessions it opened through the database
 * (sessions.credential_id references credentials ON DELETE CASCADE). A policy change ends the
 * key-opened sessions it no longer allows: the method turned off, the user taken out of the target,
 * the key's model blocked or left off the allow list; and so does a group change that takes a
 * user out of the target. Sessions opened with password and code stay.
 */
import { modelAllowed, userMayUseKeys } from './policy.js';
import type { Fido2Policy, Store } from './store/types.js';

/** Ends the key-opened sessions `policy` no longer allows; returns how many ended. */
export async function endSessionsOutsidePolicy(
  store: Store,
  policy: Fido2Policy,
  now: number,
): Promise<number> {
  const sessions = await store.listKeySessions(now);
  if (sessions.length === 0) return 0;
  const users = new Map((await store.listUsers()).map((u) => [u.id, u]));
  const groupsOf = new Map<string, string[]>();
  for (const g of await store.listGroups())
    for (const m of g.memberIds) groupsOf.set(m, [...(groupsOf.get(m) ?? []), g.id]);
  const ended = sessions
    .filter((s) => {
      const user = users.get(s.userId);
      return (
        !user ||
        !userMayUseKeys(policy, user, groupsOf.get(user.id) ?? []).ok ||
        !modelAllowed(policy, s.aaguid).ok
      );
    })
    .map((s) => s.sessionId);
  await store.deleteSessions(ended);
  return ended.length;
}
