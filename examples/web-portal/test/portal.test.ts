/**
 * The portal over HTTP on loopback, with WebAuthnClient + VirtualAuthenticator standing in for
 * the browser: sign-in gates, policy enforcement, replay, CSRF, rate limits, sessions.
 */
import type { AttestationCa } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES } from '../src/messages.js';
import { totpCode } from '../src/totp.js';
import { catalogOf, MODELS } from './catalog.js';
import { type Harness, newKey, startHarness } from './harness.js';
import { createVendorCa } from './vendor.js';

let h: Harness;
let vendorCa: AttestationCa;
beforeAll(async () => {
  vendorCa = createVendorCa('Contoso Keys');
  h = await startHarness({
    metadata: await catalogOf([
      { ...MODELS.approved, attestationRootCertificates: [vendorCa.certificate] },
      MODELS.blocked,
    ]),
    limits: { signInPerIp: 1000 },
  });
});
afterAll(async () => {
  await h?.close();
});

const selectedPolicy = (ids: string[]) => ({
  enabled: true,
  target: 'selected' as const,
  includedGroupIds: [],
  includedUserIds: ids,
  excludedGroupIds: [],
  allowSelfServiceSetup: true,
  enforceAttestation: false,
  keyRestrictions: { enforced: false, mode: 'allow' as const, aaguids: [] },
});

describe('password and one-time code', () => {
  it('signs in with both, sets an HttpOnly SameSite cookie, and rotates it', async () => {
    const c = h.client();
    await c.get('/signin');
    const anon = c.cookie('portal_anon');
    expect(anon).toBeDefined();
    const a = h.accounts.carol!;
    const first = await c.postForm('/signin', { username: 'carol', password: a.password });
    expect(first.status).toBe(303);
    expect(first.location).toBe('/signin/code');
    const pending = c.cookie('portal_session');
    // Half signed in: the pages need the code first.
    expect((await c.get('/security-info')).location).toBe('/signin');
    await c.get('/signin/code');
    const res = await fetch(new URL('/signin/code', h.portal.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        origin: h.portal.url,
        cookie: `portal_session=${pending}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: c.csrf, code: await totpCode(a.user.totpSecret, h.now()) }),
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((s) => s.startsWith('portal_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie.split(';')[0]).not.toBe(`portal_session=${pending}`);
  });

  it('says the same thing for an unknown user and a wrong password', async () => {
    const c = h.client();
    await c.get('/signin');
    const unknown = await c.postForm('/signin', { username: 'nobody', password: 'x' });
    const wrong = await c.postForm('/signin', { username: 'dave', password: 'x' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const msg = (t: string) => /id="message">([^<]*)</.exec(t)?.[1];
    expect(msg(unknown.text)).toBe(MESSAGES.badCredentials.replace("'", '&#39;'));
    expect(msg(wrong.text)).toBe(msg(unknown.text));
  });

  it('accepts a code once', async () => {
    const a = h.accounts.dave!;
    const code = await totpCode(a.user.totpSecret, h.now());
    const c1 = h.client();
    await c1.get('/signin');
    await c1.postForm('/signin', { username: 'dave', password: a.password });
    await c1.get('/signin/code');
    expect((await c1.postForm('/signin/code', { code })).status).toBe(303);
    const c2 = h.client();
    await c2.get('/signin');
    await c2.postForm('/signin', { username: 'dave', password: a.password });
    await c2.get('/signin/code');
    const replay = await c2.postForm('/signin/code', { code });
    expect(replay.status).toBe(401);
    expect(replay.text).toContain('That code didn');
  });

  it('refuses state changes without the CSRF token or from another origin', async () => {
    const c = await h.signIn('admin');
    const noToken = await c.request('POST', '/admin/authentication-methods/fido2', {
      form: [['enabled', '1']],
    });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('This form expired');
    const res = await fetch(new URL('/api/signin/key/options', h.portal.url), {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-csrf-token': c.csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect((await h.store.getPolicy()).enabled).toBe(false);
  });
});

describe('security keys under the admin policy', () => {
  let pilotClient: ReturnType<typeof newKey>['client'];
  let alice: Awaited<ReturnType<Harness['signIn']>>;

  beforeAll(async () => {
    pilotClient = newKey(h.portal.url, { aaguid: MODELS.approved.aaguid }).client;
  });

  it('refuses a key while the method is disabled', async () => {
    alice = await h.signIn('alice');
    const r = await alice.addSecurityKey(pilotClient);
    expect(r.status).toBe(403);
    expect(r.json.error).toBe("Your organization hasn't turned on security keys.");
  });

  it('lets the admin target selected users with an allow list, through the admin form', async () => {
    const admin = await h.signIn('admin', 30_000);
    const page = await admin.get('/admin/authentication-methods/fido2');
    expect(page.text).toContain(MODELS.approved.description);
    const saved = await admin.postForm('/admin/authentication-methods/fido2', [
      ['enabled', '1'],
      ['target', 'selected'],
      ['include', h.accounts.alice!.user.id],
      ['selfService', '1'],
      ['restrict', '1'],
      ['mode', 'allow'],
      ['aaguid', MODELS.approved.aaguid],
    ]);
    expect(saved.status).toBe(303);
    const policy = await h.store.getPolicy();
    expect(policy).toMatchObject({
      enabled: true,
      target: 'selected',
      includedUserIds: [h.accounts.alice!.user.id],
      keyRestrictions: { enforced: true, mode: 'allow', aaguids: [MODELS.approved.aaguid] },
    });
    // Not an admin: no admin page.
    expect((await alice.get('/admin/authentication-methods/fido2')).location).toBe('/security-info');
  });

  it('lets a pilot user add a key, name it, and sign in with it and no username', async () => {
    const added = await alice.addSecurityKey(pilotClient, 'nfc');
    expect(added.status, JSON.stringify(added.json)).toBe(200);
    const id = String(added.json.id);
    const naming = await alice.get(String(added.json.redirect));
    expect(naming.text).toContain(MODELS.approved.description);
    expect((await alice.postForm(`/security-info/keys/${id}/rename`, { name: 'Blue key' })).status).toBe(303);
    const info = await alice.get('/security-info');
    expect(info.text).toContain('Blue key');
    expect(info.text).toContain(MODELS.approved.description);
    const stored = await h.store.getCredential(id);
    expect(stored).toMatchObject({ name: 'Blue key', aaguid: MODELS.approved.aaguid, lastUsedAt: null });

    const fresh = h.client();
    const signedIn = await fresh.signInWithKey(pilotClient);
    expect(signedIn.status, JSON.stringify(signedIn.json)).toBe(200);
    expect(signedIn.json.username).toBe('alice');
    expect((await fresh.get('/security-info')).text).toContain('Alice (alice)');
    expect((await h.store.getCredential(id))?.lastUsedAt).not.toBeNull();

    // The same response again: the challenge is gone.
    const replay = await fresh.postJson('/api/signin/key/verify', { response: signedIn.response });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe(MESSAGES.challengeGone);
  });

  it('refuses to register the same key twice for one account', async () => {
    const r = await alice.addSecurityKey(pilotClient).catch((e: { domName?: string }) => e);
    expect((r as { domName?: string }).domName).toBe('InvalidStateError');
  });

  it('refuses a model outside the allow list, and a blocked model, with the message shown', async () => {
    const other = newKey(h.portal.url, { aaguid: MODELS.blocked.aaguid }).client;
    const r = await alice.addSecurityKey(other);
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(
      `This security key model (${MODELS.blocked.description}) isn't on your organization's list of approved keys. Use an approved security key.`,
    );
    await h.setPolicy({
      keyRestrictions: { enforced: true, mode: 'block', aaguids: [MODELS.blocked.aaguid] },
    });
    const blocked = await alice.addSecurityKey(other);
    expect(blocked.status).toBe(400);
    expect(blocked.json.error).toBe(
      `This security key model (${MODELS.blocked.description}) is blocked by your organization. Use a different security key.`,
    );
  });

  it('refuses sign-in with a key whose model became blocked, or when the user leaves the target', async () => {
    await h.setPolicy({
      keyRestrictions: { enforced: true, mode: 'block', aaguids: [MODELS.approved.aaguid] },
    });
    const r = await h.client().signInWithKey(pilotClient);
    expect(r.status).toBe(403);
    expect(r.json.error).toContain('is blocked by your organization');
    await h.setPolicy({
      keyRestrictions: { enforced: false, mode: 'allow', aaguids: [] },
      includedUserIds: [],
    });
    const outside = await h.client().signInWithKey(pilotClient);
    expect(outside.status).toBe(403);
    expect(outside.json.error).toBe(
      "Security key sign-in isn't enabled for your account. Sign in with your password and code.",
    );
    await h.setPolicy({ enabled: false });
    const off = await h.client().signInWithKey(pilotClient);
    expect(off.json.error).toContain('turned off');
    await h.store.setPolicy(selectedPolicy([h.accounts.alice!.user.id]));
    expect((await h.client().signInWithKey(pilotClient)).status).toBe(200);
  });

  it('refuses a user outside the target', async () => {
    const bob = await h.signIn('bob');
    const page = await bob.get('/security-info/add-key');
    expect(page.text).toContain('enabled for your account');
    const r = await bob.addSecurityKey(newKey(h.portal.url).client);
    expect(r.status).toBe(403);
    expect(r.json.error).toBe(
      "Security keys aren't enabled for your account. Ask your administrator to include you.",
    );
  });

  it('asks for a fresh two-factor sign-in after five minutes, and never after a key sign-in', async () => {
    h.advance(5 * 60_000 + 1000);
    try {
      const late = await alice.addSecurityKey(
        newKey(h.portal.url, { aaguid: MODELS.approved.aaguid }).client,
      );
      expect(late.status).toBe(403);
      expect(late.json.error).toBe(MESSAGES.reauth);
    } finally {
      h.advance(-(5 * 60_000 + 1000));
    }
    const viaKey = h.client();
    expect((await viaKey.signInWithKey(pilotClient)).status).toBe(200);
    const r = await viaKey.addSecurityKey(newKey(h.portal.url, { aaguid: MODELS.approved.aaguid }).client);
    expect(r.json.error).toBe(MESSAGES.reauth);
  });

  it('expires a challenge after five minutes', async () => {
    const c = h.client();
    await c.get('/signin');
    const options = await c.postJson('/api/signin/key/options', {});
    // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
    const response = await pilotClient.get(options.json as any);
    h.advance(5 * 60_000 + 1);
    try {
      const r = await c.postJson('/api/signin/key/verify', { response });
      expect(r.status).toBe(400);
      expect(r.json.error).toBe(MESSAGES.challengeGone);
    } finally {
      h.advance(-(5 * 60_000 + 1));
    }
  });

  it('renames and deletes only the owner’s keys', async () => {
    const [key] = await h.store.listCredentials(h.accounts.alice!.user.id);
    const bob = await h.signIn('bob', 30_000);
    await bob.get('/security-info');
    await bob.postForm(`/security-info/keys/${key!.id}/rename`, { name: 'mine now' });
    await bob.postForm(`/security-info/keys/${key!.id}/delete`, {});
    expect((await h.store.getCredential(key!.id))?.name).toBe('Blue key');
    await alice.get('/security-info');
    expect((await alice.postForm(`/security-info/keys/${key!.id}/delete`, {})).location).toBe(
      '/security-info?deleted=1',
    );
    expect(await h.store.getCredential(key!.id)).toBeUndefined();
    const gone = await h.client().signInWithKey(pilotClient);
    expect(gone.status).toBe(401);
    expect(gone.json.error).toBe(MESSAGES.unknownKey);
  });
});

describe('attestation enforced: packed, a full chain to the model root in the metadata', () => {
  let carol: Awaited<ReturnType<Harness['signIn']>>;
  beforeAll(async () => {
    await h.store.setPolicy({
      ...selectedPolicy([h.accounts.carol!.user.id]),
      enforceAttestation: true,
      keyRestrictions: { enforced: true, mode: 'allow', aaguids: [MODELS.approved.aaguid] },
    });
    carol = await h.signIn('carol', 30_000);
  });

  it('accepts an approved model whose attestation chains to its metadata root', async () => {
    const key = newKey(h.portal.url, {
      aaguid: MODELS.approved.aaguid,
      attestation: 'packed',
      attestationCa: vendorCa,
    });
    const r = await carol.addSecurityKey(key.client);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await h.store.getCredential(String(r.json.id))).toMatchObject({
      attestationFormat: 'packed',
      aaguid: MODELS.approved.aaguid,
      name: MODELS.approved.description,
    });
    expect((await h.client().signInWithKey(key.client)).json.username).toBe('carol');
  });

  const untrusted =
    "Your organization only accepts security keys that prove their model, and this key's proof (attestation) couldn't be verified against the approved models.";

  it.each([
    ['packed, from a CA the metadata does not list', { attestation: 'packed' as const }],
    ['self attestation', { attestation: 'self' as const }],
    ['no attestation', { attestation: 'none' as const }],
  ])('refuses the approved AAGUID with %s', async (_name, opts) => {
    const key = newKey(h.portal.url, { aaguid: MODELS.approved.aaguid, ...opts });
    const r = await carol.addSecurityKey(key.client);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('ERR_ATTESTATION_UNTRUSTED');
    expect(r.json.error).toBe(untrusted);
  });
});
