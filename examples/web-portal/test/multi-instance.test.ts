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
  a = await startHarness({ store: storeA, names: ['admin', 'alice'] });
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

  it('ends a key session on one instance when the key is deleted, or the method turned off, on the other', async () => {
    a.advance(30_000); // a new TOTP step: each code is accepted once
    const alice = await a.signIn('alice');
    const k = newKey(a.portal.url);
    const added = await alice.addSecurityKey(k.client);
    expect(added.status, JSON.stringify(added.json)).toBe(200);

    // A key session on B; the key deleted through A: B refuses the session at its next request.
    const onB = new PortalClient(instanceB(), { origin: a.portal.url });
    expect((await onB.signInWithKey(k.client)).status).toBe(200);
    expect((await onB.get('/security-info')).status).toBe(200);
    await alice.get('/security-info');
    await alice.postForm(`/security-info/keys/${added.json.id}/delete`, {});
    expect((await onB.get('/security-info')).location).toBe('/signin');
    const left = await storeB.listKeySessions(Date.now());
    expect(left.filter((s) => s.credentialId === added.json.id)).toEqual([]);

    // The admin turns the method off on A: the key session on B ends, alice's password session stays.
    const k2 = newKey(a.portal.url);
    expect((await alice.addSecurityKey(k2.client)).status).toBe(200);
    const onB2 = new PortalClient(instanceB(), { origin: a.portal.url });
    expect((await onB2.signInWithKey(k2.client)).status).toBe(200);
    const admin = await a.signIn('admin');
    await admin.get('/admin/authentication-methods/fido2');
    expect((await admin.postForm('/admin/authentication-methods/fido2', [['selfService', '1']])).status).toBe(
      303,
    );
    expect((await onB2.get('/security-info')).location).toBe('/signin');
    expect((await alice.get('/security-info')).status).toBe(200);
    await a.setPolicy({ enabled: true });
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
