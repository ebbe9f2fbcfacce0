/**
 * Entra-style targeting over HTTP: the admin creates groups, adds members, includes groups and
 * excludes others; the policy page says who is in scope and why; users selected one by one keep
 * working; a membership change that takes a user out ends their key sessions. Also: the policy page
 * says what metadata is loaded, and "Add sign-in method" offers a security key only when allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalClient } from '../scripts/portal-client.js';
import { type Harness, newKey, startHarness } from './harness.js';

let h: Harness;
let admin: PortalClient;
beforeAll(async () => {
  h = await startHarness({ names: ['admin', 'alice', 'bob', 'carol', 'dave'] });
});
afterAll(async () => {
  await h?.close();
});

async function signIn(name: string) {
  h.advance(30_000);
  return h.signIn(name);
}
const groupId = async (name: string) => (await h.store.listGroups()).find((g) => g.name === name)!.id;
const id = (name: string) => h.accounts[name]!.user.id;
const scopeCell = (page: string, username: string) =>
  new RegExp(`<tr data-username="${username}"><td>[^<]*</td><td class="[a-z]+">([^<]*)</td>`).exec(page)?.[1];

describe('groups and targeting', () => {
  it('does not offer a security key while the method is off, and says no metadata is loaded', async () => {
    const alice = await signIn('alice');
    const add = await alice.get('/security-info/add');
    expect(add.text).not.toContain('choose-security-key');
    expect(add.text).toContain('Your organization hasn&#39;t turned on security keys.');
    admin = await signIn('admin');
    const page = await admin.get('/admin/authentication-methods/fido2');
    expect(page.text).toContain(
      'No FIDO metadata is loaded, so no model names are known and this table is empty.',
    );
  });

  it('lets the admin create groups and add members', async () => {
    await admin.get('/admin/groups');
    expect((await admin.postForm('/admin/groups', { name: 'Pilot' })).status).toBe(303);
    expect((await admin.postForm('/admin/groups', { name: 'Contractors' })).status).toBe(303);
    expect((await admin.postForm('/admin/groups', { name: 'Pilot' })).status).toBe(409);
    const pilot = await groupId('Pilot');
    const contractors = await groupId('Contractors');
    for (const n of ['alice', 'bob'])
      await admin.postForm(`/admin/groups/${pilot}/members`, { userId: id(n) });
    await admin.postForm(`/admin/groups/${contractors}/members`, { userId: id('bob') });
    const page = await admin.get('/admin/groups');
    expect(page.text).toMatch(
      /data-group="Pilot"[\s\S]*Alice \(alice\)[\s\S]*Bob \(bob\)[\s\S]*data-group="Contractors"|data-group="Contractors"[\s\S]*data-group="Pilot"/,
    );
    expect((await h.store.listGroups()).map((g) => [g.name, g.memberIds.length])).toEqual([
      ['Contractors', 1],
      ['Pilot', 2],
    ]);
  });

  it('includes a group, excludes another, and shows who is in scope and why', async () => {
    await admin.get('/admin/authentication-methods/fido2');
    const saved = await admin.postForm('/admin/authentication-methods/fido2', [
      ['enabled', '1'],
      ['target', 'selected'],
      ['includeGroup', await groupId('Pilot')],
      ['include', id('dave')],
      ['excludeGroup', await groupId('Contractors')],
      ['selfService', '1'],
    ]);
    expect(saved.status).toBe(303);
    const page = (await admin.get('/admin/authentication-methods/fido2')).text;
    expect(scopeCell(page, 'alice')).toBe('Yes: member of Pilot');
    expect(scopeCell(page, 'bob')).toBe('No: excluded (member of Contractors)');
    expect(scopeCell(page, 'carol')).toBe('No: not in a selected group');
    expect(scopeCell(page, 'dave')).toBe('Yes: selected user');
    expect((await admin.get('/admin/authentication-methods')).text).toContain(
      'Groups: Pilot; 1 selected user(s); excluded: Contractors',
    );
  });

  it('lets members of the included group and selected users add keys; refuses the excluded and the rest', async () => {
    for (const n of ['alice', 'dave']) {
      const c = await signIn(n);
      expect((await c.get('/security-info/add')).text).toContain('choose-security-key');
      const r = await c.addSecurityKey(newKey(h.portal.url).client);
      expect(r.status, `${n}: ${JSON.stringify(r.json)}`).toBe(200);
    }
    for (const n of ['bob', 'carol']) {
      const c = await signIn(n);
      expect((await c.get('/security-info/add')).text).not.toContain('choose-security-key');
      const r = await c.addSecurityKey(newKey(h.portal.url).client);
      expect(r.status).toBe(403);
      expect(r.json.error).toBe(
        "Security keys aren't enabled for your account. Ask your administrator to include you.",
      );
    }
  });

  it('ends a user’s key sessions when a group change takes them out of scope', async () => {
    const contractors = await groupId('Contractors');
    // Bob leaves Contractors: in scope through Pilot, adds a key and signs in with it.
    expect(
      (await admin.postForm(`/admin/groups/${contractors}/members/${id('bob')}/remove`, {})).status,
    ).toBe(303);
    const bob = await signIn('bob');
    const key = newKey(h.portal.url);
    expect((await bob.addSecurityKey(key.client)).status).toBe(200);
    const byKey = h.client();
    expect((await byKey.signInWithKey(key.client)).status).toBe(200);
    expect((await byKey.get('/security-info')).status).toBe(200);
    // Back into Contractors: excluded, the key session ends at once, sign-in is refused.
    await admin.get('/admin/groups');
    await admin.postForm(`/admin/groups/${contractors}/members`, { userId: id('bob') });
    expect((await byKey.get('/security-info')).location).toBe('/signin');
    expect((await h.client().signInWithKey(key.client)).status).toBe(403);
  });
});
