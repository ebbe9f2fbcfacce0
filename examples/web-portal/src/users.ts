/** Creating users (for the seed, the tests and the load script). */
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from './passwords.js';
import type { Store, User } from './store/types.js';
import { newTotpSecret } from './totp.js';

export interface NewAccount {
  username: string;
  displayName: string;
  password: string;
  totpSecret?: string;
  isAdmin?: boolean;
}

/** Adds a user; returns it with its TOTP secret, or undefined when the username is taken. */
export async function addUser(store: Store, account: NewAccount): Promise<User | undefined> {
  const user = {
    id: randomUUID(),
    username: account.username.toLowerCase(),
    displayName: account.displayName,
    userHandle: randomBytes(32).toString('base64url'),
    passwordHash: await hashPassword(account.password),
    totpSecret: account.totpSecret || newTotpSecret(),
    isAdmin: account.isAdmin ?? false,
  };
  if (!(await store.createUser(user))) return undefined;
  return store.getUserByUsername(user.username);
}
