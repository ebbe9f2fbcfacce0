import { join } from 'node:path';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export { PostgresStore } from './postgres.js';
export { SqliteStore } from './sqlite.js';
export {
  type Challenge,
  type ChallengeKind,
  DEFAULT_POLICY,
  type Fido2Policy,
  type NewUser,
  type Session,
  type SessionStage,
  type Store,
  type StoredCredential,
  type User,
} from './types.js';

/** PostgreSQL when `databaseUrl` is set (DATABASE_URL), otherwise SQLite at `<dataDir>/portal.sqlite`. */
export async function openStore(options: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  const store = options.databaseUrl
    ? new PostgresStore(options.databaseUrl, {
        onError: (e) =>
          console.error(`database connection lost (${e.message}); reconnecting on the next query`),
      })
    : new SqliteStore(join(options.dataDir, 'portal.sqlite'));
  await store.migrate();
  return store;
}
