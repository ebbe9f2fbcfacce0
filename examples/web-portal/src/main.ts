/**
 * `npm run start -w examples/web-portal`: the portal on http://localhost:$PORT (default 3000).
 * SQLite under ./data by default; DATABASE_URL=postgres://… for PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMetadataBlob } from '@fido2kit/attestation';
import type { ModelCatalog } from './app.js';
import { describeAccounts, seedDemoAccounts } from './seed.js';
import { startPortal } from './server.js';
import { openStore } from './store/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = process.env.DATA_DIR ?? join(here, '..', 'data');
const port = Number(process.env.PORT ?? 3000);
const origin = process.env.ORIGIN ?? `http://localhost:${port}`;

// Model names and attestation roots: a FIDO MDS3 BLOB (download https://mds3.fidoalliance.org/),
// verified against the bundled FIDO roots, or against MDS_ROOT (a PEM file) for a private BLOB.
// The signer chain's CRLs are downloaded and checked (MDS3 §3.2); MDS_OFFLINE=1 skips that on a
// host that cannot reach them.
let metadata: ModelCatalog | undefined;
if (process.env.MDS_BLOB) {
  metadata = await loadMetadataBlob(readFileSync(process.env.MDS_BLOB, 'utf8').trim(), {
    ...(process.env.MDS_ROOT ? { rootCertificate: readFileSync(process.env.MDS_ROOT, 'utf8') } : {}),
    ...(process.env.MDS_OFFLINE === '1' ? { revocation: 'offline-skip' as const } : {}),
  });
}

const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir });
const seeded = await seedDemoAccounts(store, dataDir);
const purge = setInterval(() => void store.purgeExpired(Date.now()).catch(() => {}), 60_000);
purge.unref();
const portal = await startPortal({
  store,
  port,
  hostname: process.env.HOST ?? 'localhost',
  origin,
  metadata,
});

console.log(
  `Contoso sign-in portal: ${portal.url}  (storage: ${store.kind}${store.kind === 'sqlite' ? ` in ${dataDir}` : ''})`,
);
console.log(
  metadata
    ? `Metadata: BLOB no. ${(metadata as { no?: number }).no ?? '?'} with ${metadata.entries.length} models`
    : 'Metadata: none (set MDS_BLOB to a FIDO MDS3 BLOB for model names and attestation roots)',
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
