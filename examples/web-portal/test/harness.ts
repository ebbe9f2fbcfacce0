/** A portal on loopback with known accounts and a clock the test can move. */
import { randomBytes } from 'node:crypto';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator, type VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import { PortalClient } from '../scripts/portal-client.js';
import type { ModelCatalog, PortalOptions } from '../src/app.js';
import { type RunningPortal, startPortal } from '../src/server.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Fido2Policy, Store, User } from '../src/store/types.js';
import { newTotpSecret } from '../src/totp.js';
import { addUser } from '../src/users.js';

export interface Account {
  user: User;
  password: string;
}

export interface Harness {
  store: Store;
  portal: RunningPortal;
  accounts: Record<string, Account>;
  /** Moves the portal's clock. */
  advance(ms: number): void;
  now(): number;
  client(): PortalClient;
  signIn(name: string, offsetMs?: number): Promise<PortalClient>;
  setPolicy(policy: Partial<Fido2Policy>): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<PortalOptions> & { store?: Store; names?: string[]; origin?: string; port?: number } = {},
): Promise<Harness> {
  const store = options.store ?? new SqliteStore(':memory:');
  await store.migrate();
  let skew = 0;
  const now = () => Date.now() + skew;
  const accounts: Record<string, Account> = {};
  for (const name of options.names ?? ['admin', 'alice', 'bob', 'carol', 'dave']) {
    const password = randomBytes(8).toString('hex');
    const user =
      (await store.getUserByUsername(name)) ??
      (await addUser(store, {
        username: name,
        displayName: name[0]!.toUpperCase() + name.slice(1),
        password,
        totpSecret: newTotpSecret(),
        isAdmin: name === 'admin',
      }))!;
    accounts[name] = { user, password };
  }
  const portal = await startPortal({ ...options, store, now });
  const h: Harness = {
    store,
    portal,
    accounts,
    advance: (ms) => {
      skew += ms;
    },
    now,
    client: () => new PortalClient(portal.url),
    async signIn(name, offsetMs = 0) {
      const a = accounts[name]!;
      const c = new PortalClient(portal.url);
      const r = await c.signInWithPassword(name, a.password, a.user.totpSecret, now() + offsetMs);
      if (r.status !== 303) throw new Error(`sign-in of ${name} failed: ${r.status}`);
      return c;
    },
    async setPolicy(p) {
      await store.setPolicy({ ...(await store.getPolicy()), ...p });
    },
    async close() {
      await portal.close();
      if (!options.store) await store.close();
    },
  };
  return h;
}

/**
 * A fresh security key (built-in fingerprint, so UV needs no PIN) and a WebAuthn client on it.
 * Its attestation is 'none' unless asked (the model is still named by its AAGUID).
 */
export function newKey(origin: string, options: VirtualAuthenticatorOptions = {}) {
  const authenticator = new VirtualAuthenticator({ fingerprints: 1, attestation: 'none', ...options });
  const client = new WebAuthnClient({ device: authenticator.device(), origin });
  return { authenticator, client };
}

export type { ModelCatalog };
