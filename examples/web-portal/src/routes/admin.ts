/**
 * Admin: Authentication methods → FIDO2 security key (enable, include / exclude groups, configure,
 * key restrictions), and the groups the policy targets.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { Ctx, Env, Portal } from '../http/context.js';
import { normalizeAaguid, scopeOf } from '../policy.js';
import { endSessionsOutsidePolicy } from '../revocation.js';
import type { ActivityFilter, Fido2Policy } from '../store/types.js';
import * as views from '../views-admin.js';

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];

export function adminRoutes(app: Hono<Env>, p: Portal): void {
  const { store } = p;
  const away = (c: Ctx) => c.redirect(p.full(c) ? '/security-info' : '/signin', 303);

  app.get('/admin/authentication-methods', async (c) => {
    if (!p.admin(c)) return away(c);
    return c.html(
      views.adminMethodsPage(
        p.page(c, 'admin-methods', 'Authentication methods'),
        await store.getPolicy(),
        await store.listGroups(),
      ),
    );
  });

  const fido2Page = async (c: Ctx, policy: Fido2Policy, extra: { info?: string; error?: string }) => {
    const users = await store.listUsers();
    const groups = await store.listGroups();
    const byId = new Map(users.map((u) => [u.id, u]));
    const flagged = (await store.listFlaggedCredentials()).map((key) => {
      const u = byId.get(key.userId);
      return {
        key,
        user: u ? `${u.displayName} (${u.username})` : key.userId,
        model: p.describe(key.aaguid),
      };
    });
    const scope = users.map((user) => ({
      user,
      scope: scopeOf(
        policy,
        user,
        groups.filter((g) => g.memberIds.includes(user.id)).map((g) => g.id),
      ),
    }));
    return views.adminFido2Page(p.page(c, 'admin-fido2', 'FIDO2 security key settings'), {
      flagged,
      policy,
      users,
      groups,
      scope,
      catalog: p.catalogRows(),
      metadataNote: p.metadataNote,
      describe: p.describe,
      ...extra,
    });
  };

  app.get('/admin/authentication-methods/fido2', async (c) => {
    if (!p.admin(c)) return away(c);
    return c.html(
      await fido2Page(c, await store.getPolicy(), { info: c.req.query('saved') ? 'Saved.' : undefined }),
    );
  });

  app.post('/admin/authentication-methods/fido2', async (c) => {
    if (!p.admin(c)) return away(c);
    const body = await c.req.parseBody({ all: true });
    const userIds = new Set((await store.listUsers()).map((u) => u.id));
    const groupIds = new Set((await store.listGroups()).map((g) => g.id));
    const raw = [...list(body.aaguid), ...String(body.moreAaguids ?? '').split(/[\s,]+/)].filter(
      (s) => s !== '',
    );
    const bad = raw.filter((a) => normalizeAaguid(a) === undefined);
    const policy: Fido2Policy = {
      enabled: body.enabled === '1',
      target: body.target === 'selected' ? 'selected' : 'all',
      includedGroupIds: list(body.includeGroup).filter((id) => groupIds.has(id)),
      includedUserIds: list(body.include).filter((id) => userIds.has(id)),
      excludedGroupIds: list(body.excludeGroup).filter((id) => groupIds.has(id)),
      allowSelfServiceSetup: body.selfService === '1',
      enforceAttestation: body.enforceAttestation === '1',
      keyRestrictions: {
        enforced: body.restrict === '1',
        mode: body.mode === 'block' ? 'block' : 'allow',
        aaguids: [...new Set(raw.map(normalizeAaguid).filter((a): a is string => a !== undefined))],
      },
    };
    if (bad.length > 0)
      return c.html(await fido2Page(c, policy, { error: `Not an AAGUID: ${bad.join(', ')}` }), 400);
    await store.setPolicy(policy);
    await endSessionsOutsidePolicy(store, policy, p.now());
    return c.redirect('/admin/authentication-methods/fido2?saved=1', 303);
  });

  // ---- Sign-in activity, per user, filterable -------------------------------------------------
  app.get('/admin/activity', async (c) => {
    if (!p.admin(c)) return away(c);
    const users = await store.listUsers();
    const username = c.req.query('user') ?? '';
    const kind = c.req.query('kind');
    const result = c.req.query('result');
    const user = users.find((u) => u.username === username);
    const filter: ActivityFilter = { limit: 200 };
    if (user) filter.userId = user.id;
    if (kind === 'sign-in' || kind === 'security-info') filter.kind = kind;
    if (result === 'success' || result === 'failure' || result === 'locked' || result === 'refused')
      filter.result = result;
    const rows =
      username !== '' && !user
        ? []
        : (await store.listActivity(filter)).map((a) => ({
            ...a,
            model: a.aaguid ? p.describe(a.aaguid) : '',
          }));
    const names = new Map(users.map((u) => [u.id, `${u.displayName} (${u.username})`]));
    return c.html(
      views.adminActivityPage(p.page(c, 'admin-activity', 'Sign-in activity'), {
        users,
        rows,
        who: (id) => (id === null ? 'Unknown user' : (names.get(id) ?? id)),
        filter: { user: username, kind: filter.kind ?? '', result: filter.result ?? '' },
      }),
    );
  });

  // ---- Groups ------------------------------------------------------------------------------------
  const groupsPage = async (c: Ctx, extra: { info?: string; error?: string } = {}) =>
    views.adminGroupsPage(p.page(c, 'admin-groups', 'Groups'), {
      groups: await store.listGroups(),
      users: await store.listUsers(),
      ...extra,
    });

  app.get('/admin/groups', async (c) => {
    if (!p.admin(c)) return away(c);
    return c.html(await groupsPage(c, { info: c.req.query('saved') ? 'Saved.' : undefined }));
  });

  app.post('/admin/groups', async (c) => {
    if (!p.admin(c)) return away(c);
    const name = String((await c.req.parseBody()).name ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    if (name.length < 1 || name.length > 64)
      return c.html(await groupsPage(c, { error: 'Enter a group name of 1 to 64 characters.' }), 400);
    if (!(await store.createGroup(randomUUID(), name, p.now())))
      return c.html(await groupsPage(c, { error: `A group named ${name} already exists.` }), 409);
    return c.redirect('/admin/groups?saved=1', 303);
  });

  /** A membership change can take users out of the target: their key sessions end. */
  const membersChanged = async () => endSessionsOutsidePolicy(store, await store.getPolicy(), p.now());

  app.post('/admin/groups/:id/members', async (c) => {
    if (!p.admin(c)) return away(c);
    const userId = String((await c.req.parseBody()).userId ?? '');
    const group = (await store.listGroups()).find((g) => g.id === c.req.param('id'));
    if (!group || !(await store.getUserById(userId)))
      return c.html(await groupsPage(c, { error: 'No such group or user.' }), 404);
    await store.addGroupMember(group.id, userId);
    await membersChanged();
    return c.redirect('/admin/groups?saved=1', 303);
  });

  app.post('/admin/groups/:id/members/:userId/remove', async (c) => {
    if (!p.admin(c)) return away(c);
    await store.removeGroupMember(c.req.param('id'), c.req.param('userId'));
    await membersChanged();
    return c.redirect('/admin/groups?saved=1', 303);
  });
}
