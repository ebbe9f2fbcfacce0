/**
 * Two portal instances on one PostgreSQL server (started for this file on loopback): a user's
 * sign-in and ceremonies started on one instance finish on the other, and a response replayed to
 * the other instance is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalClient } from '../scripts/portal-client.js';
import { MESSAGES } from '../src/messages.js';
import { type RunningPortal, startPortal } from '../src/server.js';
import { PostgresStore } from '../src/store/postgres.js';
import { totpCode } from '../src/totp.js';
import { type Harness, newKey, startHarness } from './harness.js';
import { type PostgresServer, startPostgres } from './postgres.js';

let server: PostgresServer;
let a: Harness;
let b: RunningPortal;
let storeA: PostgresStore;
let storeB: PostgresStore;

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase('portal');
  storeA = new PostgresStore(url);
  storeB = new PostgresStore(url);
  a = await startHarness({ store: storeA, names: ['alice'] });
  await storeB.migrate();
  b = await startPortal({ store: storeB, origin: a.portal.url });
  await a.setPolicy({ enabled: true });
}, 120_000);

afterAll(async () => {
  await b?.close();
  await a?.close();
  await storeA?.close();
  await storeB?.close();
  await server?.stop();
});

describe('two instances, one PostgreSQL', () => {
  const instanceB = () => `http://127.0.0.1:${b.port}`;

  let key: ReturnType<typeof newKey>;

  it('finishes each step of a user’s sign-in and ceremonies on the other instance', async () => {
    const alice = a.accounts.alice!;
    const client = new PortalClient(a.portal.url);
    key = newKey(a.portal.url);

    // Password on A, code on B (the CSRF token from A's page is good on B: one secret in the database).
    await client.get('/signin');
    expect((await client.postForm('/signin', { username: 'alice', password: alice.password })).status).toBe(
      303,
    );
    client.base = instanceB();
    await client.get('/signin/code');
    const code = await client.postForm('/signin/code', {
      code: await totpCode(alice.user.totpSecret, Date.now()),
    });
    expect(code.status).toBe(303);

    // Registration options from B, the response verified by A.
    await client.get('/security-info/add-key');
    const regOptions = await client.postJson('/api/keys/register/options', { transport: 'usb' });
    expect(regOptions.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
    const created = await key.client.create(regOptions.json as any);
    client.base = a.portal.url;
    const reg = await client.postJson('/api/keys/register/verify', { response: created, transport: 'usb' });
    expect(reg.status, JSON.stringify(reg.json)).toBe(200);

    // Sign-in options from A, verified by B; the same response replayed to A is refused.
    const fresh = new PortalClient(a.portal.url);
    await fresh.get('/signin');
    const authOptions = await fresh.postJson('/api/signin/key/options', {});
    // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
    const assertion = await key.client.get(authOptions.json as any);
    fresh.base = instanceB();
    const signedIn = await fresh.postJson('/api/signin/key/verify', { response: assertion });
    expect(signedIn.status, JSON.stringify(signedIn.json)).toBe(200);
    expect(signedIn.json.username).toBe('alice');
    fresh.base = a.portal.url;
    expect((await fresh.get('/security-info')).text).toContain('Alice (alice)');
    const replay = await fresh.postJson('/api/signin/key/verify', { response: assertion });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe(MESSAGES.challengeGone);
  });

  it('shares the admin policy: turned off through one instance, refused by the other', async () => {
    await storeB.setPolicy({ ...(await storeB.getPolicy()), enabled: false });
    const r = await new PortalClient(a.portal.url).signInWithKey(key.client);
    expect(r.status).toBe(403);
    expect(r.json.error).toBe(
      'Security key sign-in is turned off for your organization. Sign in with your password and code.',
    );
  });
});
