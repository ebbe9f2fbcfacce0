/**
 * `npm run start -w examples/web-portal`: the portal on http://localhost:$PORT (default 3000).
 * SQLite under ./data by default; DATABASE_URL=postgres://… for PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portalMetadata } from './metadata.js';
import { describeAccounts, seedDemoAccounts } from './seed.js';
import { startPortal } from './server.js';
import { openStore } from './store/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = process.env.DATA_DIR ?? join(here, '..', 'data');
const port = Number(process.env.PORT ?? 3000);
const origin = process.env.ORIGIN ?? `http://localhost:${port}`;

// Model names and attestation roots: the FIDO MDS3 BLOB when MDS_BLOB names one (download
// https://mds3.fidoalliance.org/; verified against the bundled FIDO roots, or MDS_ROOT for a
// private BLOB), otherwise the virtual key model's statement. The BLOB signer chain's CRLs are
// downloaded and checked (MDS3 §3.2); MDS_OFFLINE=1 skips that on a host that cannot reach them.
const metadata = await portalMetadata({
  ...(process.env.MDS_BLOB ? { blob: readFileSync(process.env.MDS_BLOB, 'utf8') } : {}),
  ...(process.env.MDS_ROOT ? { root: readFileSync(process.env.MDS_ROOT, 'utf8') } : {}),
  virtualKeyModel: process.env.VIRTUAL_KEY_MODEL === '1',
  offline: process.env.MDS_OFFLINE === '1',
});

const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir });
const seeded = await seedDemoAccounts(store, dataDir);
const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => {}), 60_000);
purge.unref();
let portal: Awaited<ReturnType<typeof startPortal>>;
try {
  portal = await startPortal({
    store,
    port,
    hostname: process.env.HOST ?? 'localhost',
    origin,
    metadata: metadata.catalog,
    metadataSource: metadata.source,
    trustProxy: process.env.TRUST_PROXY === '1',
  });
} catch (e) {
  const code = (e as { code?: unknown }).code;
  await store.close();
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    console.error(
      code === 'EADDRINUSE'
        ? `Port ${port} is already in use (another portal?). Pick another one: PORT=${port + 1} npm run start -w examples/web-portal`
        : `Port ${port} cannot be opened by this user. Pick another one: PORT=${port < 1024 ? 3000 : port + 1} npm run start -w examples/web-portal`,
    );
    process.exit(1);
  }
  throw e;
}

console.log(
  `Contoso sign-in portal: ${portal.url}  (storage: ${store.kind}${store.kind === 'sqlite' ? ` in ${dataDir}` : ''})`,
);
console.log(
  `Metadata: ${metadata.source}${process.env.MDS_BLOB ? '' : '. For real keys, set MDS_BLOB to the FIDO MDS3 BLOB (see the README).'}`,
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
