/**
 * `npm run start -w examples/web-portal`: the portal on http://localhost:$PORT (default 3000).
 * SQLite under ./data by default; DATABASE_URL=postgres://… for PostgreSQL.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeAccounts, seedDemoAccounts } from './seed.js';
import { startPortal } from './server.js';
import { openStore } from './store/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = process.env.DATA_DIR ?? join(here, '..', 'data');
const port = Number(process.env.PORT ?? 3000);
const origin = process.env.ORIGIN ?? `http://localhost:${port}`;

const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir });
const seeded = await seedDemoAccounts(store, dataDir);
const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => {}), 60_000);
purge.unref();
const portal = await startPortal({ store, port, hostname: process.env.HOST ?? 'localhost', origin });

console.log(
  `Contoso sign-in portal: ${portal.url}  (storage: ${store.kind}${store.kind === 'sqlite' ? ` in ${dataDir}` : ''})`,
);
console.log(
  seeded
    ? describeAccounts(seeded, 'Contoso')
    : 'Accounts already exist (seeded by another instance or an older data folder).',
);

const stop = async () => {
  await portal.close();
  await store.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
