/** Choosing among several discoverable credentials of a usernameless sign-in (WebAuthn L3 §6.3.3 step 7). */
import { base64url } from '@fido2kit/cose';
import type { GetAssertionResult } from '../ctap2-messages.js';
import { fail } from './dom-errors.js';

/** An account found on the key, offered to {@link WebAuthnClientOptions.onSelectAccount}. */
export interface AccountJSON {
  /** The user handle, base64url. */
  id: string;
  name?: string;
  displayName?: string;
  /** The credential ID, base64url. */
  credentialId: string;
}

/** Picks the account: the index or account the callback returns; the first without a callback. */
export type AccountChooser = (
  accounts: AccountJSON[],
) => Promise<number | AccountJSON> | number | AccountJSON;

/** The assertion of the account the user picks. */
export async function pickAccount(
  all: GetAssertionResult[],
  choose: AccountChooser | undefined,
): Promise<GetAssertionResult> {
  const accounts: AccountJSON[] = all.map((r) => {
    const a: AccountJSON = {
      id: r.user ? base64url.encode(r.user.id) : '',
      credentialId: base64url.encode(r.credential.id),
    };
    if (r.user?.name !== undefined) a.name = r.user.name;
    if (r.user?.displayName !== undefined) a.displayName = r.user.displayName;
    return a;
  });
  if (choose === undefined) return all[0] as GetAssertionResult;
  const choice = await choose(accounts);
  const index =
    typeof choice === 'number' ? choice : accounts.findIndex((a) => a.credentialId === choice?.credentialId);
  const chosen = all[index];
  if (chosen === undefined) fail('ERR_NOT_ALLOWED', 'NotAllowedError', 'no account was selected');
  return chosen;
}
