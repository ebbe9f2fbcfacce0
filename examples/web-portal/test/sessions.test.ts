/**
 * Sessions follow their keys (SQLite; the same over two PostgreSQL instances is in
 * multi-instance.test.ts): deleting a key ends the sessions it opened at once, and so do the
 * admin's policy changes that take the key or its user out of scope. Password sessions stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalClient } from '../scripts/portal-client.js';
import { MESSAGES } from '../src/messages.js';
import { type Harness, newKey, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ names: ['admin', 'alice', 'bob'] });
  await h.setPolicy({ enabled: true });
});
afterAll(async () => {
  await h?.close();
});

const AAGUID = 'c0ffee00-0000-4000-8000-00000000000a';

/** Password + code; the clock moves a TOTP step first, since each code is accepted once. */
async function signIn(name: string): Promise<PortalClient> {
  h.advance(30_000);
  return h.signIn(name);
}

/** Signs `name` in with password + code, adds a new key, returns both. */
async function withKey(name: string) {
  const byPassword = await signIn(name);
  const key = newKey(h.portal.url, { aaguid: AAGUID });
  const added = await byPassword.addSecurityKey(key.client);
  expect(added.status, JSON.stringify(added.json)).toBe(200);
  return { byPassword, key, id: String(added.json.id) };
}

async function keySession(key: ReturnType<typeof newKey>): Promise<PortalClient> {
  const c = h.client();
  const r = await c.signInWithKey(key.client);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect((await c.get('/security-info')).status).toBe(200);
  return c;
}

const signedIn = async (c: PortalClient) => (await c.get('/security-info')).status === 200;

async function savePolicy(form: [string, string][]) {
  const admin = await signIn('admin');
  await admin.get('/admin/authentication-methods/fido2');
  const r = await admin.postForm('/admin/authentication-methods/fido2', [['selfService', '1'], ...form]);
  expect(r.status).toBe(303);
}

describe('deleting a key', () => {
  it('ends the session it opened at once, and leaves the password session', async () => {
    const { byPassword, key, id } = await withKey('alice');
    const byKey = await keySession(key);
    await byPassword.get('/security-info');
    expect((await byPassword.postForm(`/security-info/keys/${id}/delete`, {})).location).toBe(
      '/security-info?deleted=1',
    );
    expect((await byKey.get('/security-info')).location).toBe('/signin');
    expect(await signedIn(byPassword)).toBe(true);
    // Its page's "Sign out" (a token for the ended session) lands on sign-in, not on an error.
    expect((await byKey.postForm('/signout', {})).location).toBe('/signin');
  });

  it('signs out the session doing the deleting when it was opened by that key', async () => {
    const { key, id } = await withKey('alice');
    const byKey = await keySession(key);
    const r = await byKey.postForm(`/security-info/keys/${id}/delete`, {});
    expect(r.location).toBe('/signin?keyDeleted=1');
    expect((await byKey.get('/signin?keyDeleted=1')).text).toContain(
      'You deleted the security key you signed in with',
    );
    expect(await signedIn(byKey)).toBe(false);
    expect(await h.store.getCredential(id)).toBeUndefined();
  });
});

describe('admin policy changes', () => {
  it('turning the method off ends every key session, not password sessions', async () => {
    const alice = await withKey('alice');
    const byKey = await keySession(alice.key);
    await savePolicy([]); // "enabled" unticked
    expect(await signedIn(byKey)).toBe(false);
    expect(await signedIn(alice.byPassword)).toBe(true);
    const again = await h.client().signInWithKey(alice.key.client);
    expect(again.status).toBe(403);
    await savePolicy([['enabled', '1']]);
    expect(await signedIn(await keySession(alice.key))).toBe(true);
  });

  it('narrowing the target ends the sessions of the users left out, only theirs', async () => {
    const alice = await withKey('alice');
    const bob = await withKey('bob');
    const aliceByKey = await keySession(alice.key);
    const bobByKey = await keySession(bob.key);
    await savePolicy([
      ['enabled', '1'],
      ['target', 'selected'],
      ['include', h.accounts.alice!.user.id],
    ]);
    expect(await signedIn(bobByKey)).toBe(false);
    expect(await signedIn(aliceByKey)).toBe(true);
    expect(await signedIn(bob.byPassword)).toBe(true);
  });

  it('blocking the key’s model ends the sessions that model’s keys opened', async () => {
    const alice = await withKey('alice');
    const byKey = await keySession(alice.key);
    await savePolicy([
      ['enabled', '1'],
      ['restrict', '1'],
      ['mode', 'block'],
      ['aaguid', AAGUID],
    ]);
    expect(await signedIn(byKey)).toBe(false);
    expect((await h.client().signInWithKey(alice.key.client)).json.error).toContain('is blocked');
    expect(MESSAGES.signedOutKeyDeleted).toContain('signed out');
  });
});
