/** Admin: Authentication methods → FIDO2 security key (enable, target, configure, key restrictions). */
import type { Hono } from 'hono';
import type { Ctx, Env, Portal } from '../http/context.js';
import { normalizeAaguid } from '../policy.js';
import { endSessionsOutsidePolicy } from '../revocation.js';
import type { Fido2Policy } from '../store/types.js';
import * as views from '../views.js';

export function adminRoutes(app: Hono<Env>, p: Portal): void {
  const { store } = p;
  const away = (c: Ctx) => c.redirect(p.full(c) ? '/security-info' : '/signin', 303);

  app.get('/admin/authentication-methods', async (c) => {
    if (!p.admin(c)) return away(c);
    return c.html(
      views.adminMethodsPage(p.page(c, 'admin-methods', 'Authentication methods'), await store.getPolicy()),
    );
  });

  const fido2Page = async (c: Ctx, policy: Fido2Policy, extra: { info?: string; error?: string }) => {
    const users = await store.listUsers();
    const byId = new Map(users.map((u) => [u.id, u]));
    const flagged = (await store.listFlaggedCredentials()).map((key) => {
      const u = byId.get(key.userId);
      return {
        key,
        user: u ? `${u.displayName} (${u.username})` : key.userId,
        model: p.describe(key.aaguid),
      };
    });
    return views.adminFido2Page(p.page(c, 'admin-fido2', 'FIDO2 security key settings'), {
      flagged,
      policy,
      users,
      catalog: p.catalogRows(),
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
    const list = (v: unknown): string[] =>
      Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
    const userIds = new Set((await store.listUsers()).map((u) => u.id));
    const raw = [...list(body.aaguid), ...String(body.moreAaguids ?? '').split(/[\s,]+/)].filter(
      (s) => s !== '',
    );
    const bad = raw.filter((a) => normalizeAaguid(a) === undefined);
    const policy: Fido2Policy = {
      enabled: body.enabled === '1',
      target: body.target === 'selected' ? 'selected' : 'all',
      includedUserIds: list(body.include).filter((id) => userIds.has(id)),
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
}
