/**
 * Load script (not a timed test): N concurrent enroll-and-sign-in ceremonies over HTTP on
 * loopback, against SQLite and against PostgreSQL. Each ceremony is one user's whole story:
 * password + one-time code, add a security key (WebAuthnClient + VirtualAuthenticator), then sign
 * in with the key and no username. Reports ceremonies per second and checks that no credential is
 * lost or duplicated.
 *
 *   npx tsx --conditions=@fido2kit/source examples/web-portal/scripts/load.ts [--users 200] [--concurrency 20] [--store sqlite|postgres|both]
 *
 * The portal runs in this process (one Node event loop for the server and the software keys), so
 * the figures are a floor for the server on these machines, not a capacity plan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPortal } from '../src/server.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store, User } from '../src/store/types.js';
import { addUser } from '../src/users.js';
import { newKey } from '../test/harness.js';
import { type PostgresServer, startPostgres } from '../test/postgres.js';
import { PortalClient } from './portal-client.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '20' },
    store: { type: 'string', default: 'both' },
  },
});
const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);

interface Outcome {
  ceremonies: number;
  seconds: number;
  requests: number;
  failures: string[];
  credentials: number;
  perUserOk: boolean;
  signInsMatched: number;
}

async function run(store: Store): Promise<Outcome> {
  await store.migrate();
  const password = 'load-test-password';
  const users: User[] = [];
  for (let i = 0; i < USERS; i++) {
    const u = await addUser(store, { username: `load${i}`, displayName: `Load ${i}`, password });
    if (!u) throw new Error(`user load${i} exists`);
    users.push(u);
  }
  await store.setPolicy({ ...(await store.getPolicy()), enabled: true });
  const portal = await startPortal({
    store,
    limits: { signInPerIp: 1e9 },
  });
  const failures: string[] = [];
  let signInsMatched = 0;
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      try {
        const client = new PortalClient(portal.url);
        const r1 = await client.signInWithPassword(user.username, password, user.totpSecret);
        if (r1.status !== 303) throw new Error(`password + code: ${r1.status}`);
        const key = newKey(portal.url);
        const r2 = await client.addSecurityKey(key.client);
        if (r2.status !== 200) throw new Error(`enrol: ${r2.status} ${JSON.stringify(r2.json)}`);
        const r3 = await new PortalClient(portal.url).signInWithKey(key.client);
        if (r3.status !== 200) throw new Error(`key sign-in: ${r3.status} ${JSON.stringify(r3.json)}`);
        if (r3.json.username === user.username) signInsMatched++;
      } catch (e) {
        failures.push(`${user.username}: ${(e as Error).message}`);
      }
    }
  };
  const requests0 = PortalClient.requests;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const requests = PortalClient.requests - requests0;
  await portal.close();
  const credentials = await store.countCredentials();
  let perUserOk = true;
  for (const u of users) if ((await store.listCredentials(u.id)).length !== 1) perUserOk = false;
  return {
    ceremonies: USERS - failures.length,
    seconds,
    requests,
    failures,
    credentials,
    perUserOk,
    signInsMatched,
  };
}

function report(name: string, o: Outcome): boolean {
  const ok = o.failures.length === 0 && o.credentials === USERS && o.perUserOk && o.signInsMatched === USERS;
  console.log(
    `${name.padEnd(10)} ${o.ceremonies}/${USERS} enroll-and-sign-in ceremonies, concurrency ${CONCURRENCY}: ` +
      `${o.seconds.toFixed(2)} s, ${(o.ceremonies / o.seconds).toFixed(1)} ceremonies/s ` +
      `(${(o.requests / o.seconds).toFixed(0)} HTTP requests/s); ` +
      `credentials stored ${o.credentials} (expected ${USERS}), one per user: ${o.perUserOk ? 'yes' : 'NO'}, ` +
      `key sign-ins landing on the right user: ${o.signInsMatched}/${USERS} → ${ok ? 'OK' : 'FAILED'}`,
  );
  for (const f of o.failures.slice(0, 5)) console.log(`  failure: ${f}`);
  return ok;
}

let allOk = true;
if (values.store === 'sqlite' || values.store === 'both') {
  const dir = mkdtempSync(join(tmpdir(), 'portal-load-'));
  const store = new SqliteStore(join(dir, 'portal.sqlite'));
  try {
    allOk = report('sqlite', await run(store)) && allOk;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (values.store === 'postgres' || values.store === 'both') {
  let server: PostgresServer | undefined;
  let store: PostgresStore | undefined;
  try {
    server = await startPostgres();
    store = new PostgresStore(await server.createDatabase('load'), { max: 20 });
    allOk = report('postgres', await run(store)) && allOk;
  } finally {
    await store?.close();
    await server?.stop();
  }
}
process.exitCode = allOk ? 0 : 1;
