/**
 * The demo's seeded accounts: an admin and two users, created on the first start with random
 * passwords and TOTP secrets, written to `<dataDir>/seeded-users.json` (mode 0600) so later starts
 * can print them again. A demo convenience: a real deployment has no such file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store/types.js';
import { totpUri } from './totp.js';
import { addUser, type NewAccount } from './users.js';

export interface SeededAccount extends Required<NewAccount> {}

const password = () => `${randomBytes(9).toString('base64url')}-Aa1`;

export async function seedDemoAccounts(store: Store, dataDir: string): Promise<SeededAccount[] | undefined> {
  const file = join(dataDir, 'seeded-users.json');
  if ((await store.listUsers()).length > 0)
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SeededAccount[]) : undefined;
  const accounts: SeededAccount[] = [
    { username: 'admin', displayName: 'Adele Admin', isAdmin: true, password: password(), totpSecret: '' },
    { username: 'alice', displayName: 'Alice Pilot', isAdmin: false, password: password(), totpSecret: '' },
    { username: 'bob', displayName: 'Bob Regular', isAdmin: false, password: password(), totpSecret: '' },
  ];
  for (const a of accounts) {
    const user = await addUser(store, a);
    if (!user) return undefined; // another instance seeded first
    a.totpSecret = user.totpSecret;
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  return accounts;
}

export function describeAccounts(accounts: SeededAccount[], issuer: string): string {
  const lines = ['Seeded accounts (sign in with the password, then the 6-digit code from the TOTP secret):'];
  for (const a of accounts) {
    lines.push(
      `  ${a.isAdmin ? 'admin' : 'user '}  ${a.username.padEnd(6)} password ${a.password}  TOTP secret ${a.totpSecret}`,
    );
    lines.push(`          ${totpUri(issuer, a.username, a.totpSecret)}`);
  }
  lines.push('  Current code: npm run code -w examples/web-portal -- <TOTP secret>');
  return lines.join('\n');
}
