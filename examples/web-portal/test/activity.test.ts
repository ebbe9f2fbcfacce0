/**
 * Sign-in activity over HTTP: every sign-in (method, key, AAGUID, result, time, source) and every
 * security-info change is stored and shown to the user ("Recent activity") and to admins (per
 * user, filterable); nothing secret is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, newKey, startHarness } from './harness.js';

let h: Harness;
const AAGUID = 'ac71e700-0000-4000-8000-000000000001';
beforeAll(async () => {
  h = await startHarness({ names: ['admin', 'alice', 'bob'], trustProxy: true });
  await h.setPolicy({ enabled: true });
});
afterAll(async () => {
  await h?.close();
});

async function signIn(name: string, ip: string) {
  h.advance(30_000);
  const a = h.accounts[name]!;
  const c = h.client();
  c.headers['x-forwarded-for'] = ip;
  const r = await c.signInWithPassword(name, a.password, a.user.totpSecret, h.now());
  expect(r.status).toBe(303);
  return c;
}

describe('sign-in activity', () => {
  const secrets: string[] = [];

  it('records sign-ins and security-info changes with method, key, AAGUID, result, time and source', async () => {
    const alice = h.accounts.alice!;
    secrets.push(alice.password, alice.user.totpSecret, alice.user.passwordHash);
    // A wrong password, an unknown name (not kept: it may be a password typed in the wrong box).
    const wrong = h.client();
    wrong.headers['x-forwarded-for'] = '192.0.2.66';
    await wrong.get('/signin');
    await wrong.postForm('/signin', { username: 'alice', password: 'not-her-password' });
    await wrong.postForm('/signin', { username: 'Hunter2-secret', password: 'x' });
    secrets.push('not-her-password', 'hunter2-secret');

    const c = await signIn('alice', '198.51.100.7');
    secrets.push(c.cookie('portal_session')!);
    const key = newKey(h.portal.url, { aaguid: AAGUID });
    const added = await c.addSecurityKey(key.client);
    const id = String(added.json.id);
    await c.postForm(`/security-info/keys/${id}/rename`, { name: 'Desk key' });
    const byKey = h.client();
    byKey.headers['x-forwarded-for'] = '198.51.100.8';
    const signed = await byKey.signInWithKey(key.client);
    expect(signed.status).toBe(200);
    const r = (signed.response as { response: { signature: string; clientDataJSON: string } }).response;
    secrets.push(r.signature, r.clientDataJSON);

    const rows = await h.store.listActivity({ userId: alice.user.id });
    const summary = rows.map((r) => [r.kind, r.action, r.result, r.keyName, r.aaguid, r.source]).reverse();
    expect(summary).toEqual([
      ['sign-in', 'password', 'failure', null, null, '192.0.2.66'],
      ['sign-in', 'password + one-time code', 'success', null, null, '198.51.100.7'],
      ['security-info', 'security key added', 'success', 'Security key', AAGUID, '198.51.100.7'],
      ['security-info', 'security key renamed', 'success', 'Desk key', AAGUID, '198.51.100.7'],
      ['sign-in', 'security key', 'success', 'Desk key', AAGUID, '198.51.100.8'],
    ]);
    expect(rows.every((r) => Math.abs(r.at - h.now()) < 60_000)).toBe(true);
    const unknown = await h.store.listActivity({ result: 'failure' });
    expect(unknown.some((r) => r.userId === null && r.detail === 'unknown user')).toBe(true);

    // The user's "Recent activity".
    const page = (await c.get('/security-info')).text;
    expect(page).toContain('Recent activity');
    expect(page).toContain('Sign-in: security key');
    expect(page).toContain('Desk key');
    expect(page).toContain('198.51.100.8');

    await c.postForm(`/security-info/keys/${id}/delete`, {});
    expect((await h.store.listActivity({ userId: alice.user.id, limit: 1 }))[0]).toMatchObject({
      action: 'security key deleted',
      keyName: 'Desk key',
    });
  });

  it('keeps nothing secret: no password, code secret, typed unknown name, cookie or response', async () => {
    const all = JSON.stringify(await h.store.listActivity({ limit: 500 })).toLowerCase();
    for (const s of secrets) expect(all).not.toContain(s.toLowerCase().slice(0, 24));
  });

  it('shows admins the activity per user, filtered by kind and result; not to others', async () => {
    const admin = await signIn('admin', '198.51.100.9');
    const all = (await admin.get('/admin/activity')).text;
    expect(all).toContain('Alice (alice)');
    expect(all).toContain('Unknown user');
    const failures = (await admin.get('/admin/activity?user=alice&kind=sign-in&result=failure')).text;
    expect(failures.match(/class="activity-row"/g)).toHaveLength(1);
    expect(failures).toContain('wrong password');
    const changes = (await admin.get('/admin/activity?user=alice&kind=security-info')).text;
    expect(changes.match(/class="activity-row"/g)).toHaveLength(3);
    expect((await admin.get('/admin/activity?user=nobody')).text).toContain('No activity yet.');
    const bob = await signIn('bob', '198.51.100.10');
    expect((await bob.get('/admin/activity')).location).toBe('/security-info');
  });
});
