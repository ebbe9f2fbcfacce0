/**
 * Smart lockout, challenge limits and binding, and the counter policy, over HTTP. The portal runs
 * with `trustProxy` so each test can come from its own source address (X-Forwarded-For).
 */
import { createHash } from 'node:crypto';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalClient } from '../scripts/portal-client.js';
import { lockoutMessage, MESSAGES } from '../src/messages.js';
import { type Harness, newKey, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    trustProxy: true,
    names: ['admin', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank'],
    limits: { signInPerIp: 10_000 },
  });
  await h.setPolicy({ enabled: true });
});
afterAll(async () => {
  await h?.close();
});

const from = (ip: string): PortalClient => {
  const c = h.client();
  c.headers['x-forwarded-for'] = ip;
  return c;
};
const message = (t: string) => /id="message">([^<]*)</.exec(t)?.[1]?.replace(/&#39;/g, "'");

async function tryPassword(ip: string, username: string, password: string) {
  const c = from(ip);
  await c.get('/signin');
  return c.postForm('/signin', { username, password });
}

/** Password + code from `ip`; the clock moves a TOTP step first (each code is good once). */
async function signIn(ip: string, name: string) {
  h.advance(30_000);
  const a = h.accounts[name]!;
  const c = from(ip);
  const r = await c.signInWithPassword(name, a.password, a.user.totpSecret, h.now());
  return { c, r };
}

describe('smart lockout', () => {
  it('locks the attacker’s source after five failures, not the account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await tryPassword('203.0.113.7', 'alice', 'wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // From the locked source even the right password is refused, without being checked.
    const right = await tryPassword('203.0.113.7', 'alice', h.accounts.alice!.password);
    expect(right.status).toBe(429);
    expect(message(right.text)).toBe(lockoutMessage('source', 1));
    // Alice, elsewhere, signs in.
    expect((await signIn('198.51.100.20', 'alice')).r.status).toBe(303);
  });

  it('backs off exponentially: each new lock of a source lasts twice as long', async () => {
    const ip = '203.0.113.8';
    for (let i = 0; i < 5; i++) await tryPassword(ip, 'bob', 'wrong');
    h.advance(61_000); // the first lock (1 minute) is over
    for (let i = 0; i < 4; i++) expect((await tryPassword(ip, 'bob', 'wrong')).status).toBe(401);
    const second = await tryPassword(ip, 'bob', 'wrong');
    expect(second.status).toBe(429);
    expect(message(second.text)).toBe(lockoutMessage('source', 2));
    h.advance(61_000);
    expect((await tryPassword(ip, 'bob', 'wrong')).status).toBe(429); // still locked after one minute
    h.advance(60_000);
    expect((await tryPassword(ip, 'bob', 'wrong')).status).toBe(401);
  });

  it('counts unknown usernames the same way (no enumeration through the lock)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await tryPassword('203.0.113.9', 'nobody', 'x')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('counts wrong one-time codes too', async () => {
    const a = h.accounts.frank!;
    const c = from('203.0.113.10');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      await c.get('/signin');
      await c.postForm('/signin', { username: 'frank', password: a.password });
      await c.get('/signin/code');
      statuses.push((await c.postForm('/signin/code', { code: '000000' })).status);
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
  });

  it('locks an account attacked from many sources only for unfamiliar places; the security key still works', async () => {
    // Carol signs in once from home and adds a key.
    const home = '198.51.100.30';
    const { c: carol } = await signIn(home, 'carol');
    const key = newKey(h.portal.url);
    expect((await carol.addSecurityKey(key.client)).status).toBe(200);
    // Twenty failures from five addresses, four each: no source reaches its threshold.
    for (let s = 0; s < 5; s++)
      for (let i = 0; i < 4; i++)
        expect((await tryPassword(`192.0.2.${100 + s}`, 'carol', 'wrong')).status).toBe(
          i === 3 && s === 4 ? 429 : 401,
        );
    // A new place: the right password is refused, with the account message.
    const elsewhere = await tryPassword('192.0.2.200', 'carol', h.accounts.carol!.password);
    expect(elsewhere.status).toBe(429);
    expect(message(elsewhere.text)).toBe(lockoutMessage('account', 1));
    // Home is familiar: the password works there.
    expect((await signIn(home, 'carol')).r.status).toBe(303);
    // And the phishing-resistant key works from anywhere, lock or not.
    const viaKey = await from('192.0.2.201').signInWithKey(key.client);
    expect(viaKey.status, JSON.stringify(viaKey.json)).toBe(200);
    expect(viaKey.json.username).toBe('carol');
  });
});

describe('flood limit', () => {
  it('limits sign-in requests per address, whatever the endpoint', async () => {
    const small = await startHarness({ names: ['alice'], limits: { signInPerIp: 3 } });
    try {
      const c = small.client();
      await c.get('/signin');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.postJson('/api/signin/key/options', {})).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const form = await c.postForm('/signin', { username: 'alice', password: 'x' });
      expect(form.status).toBe(429);
      expect(message(form.text)).toBe(MESSAGES.rateLimited);
    } finally {
      await small.close();
    }
  });
});

describe('challenges', () => {
  it('rate-limits registration options and keeps at most three outstanding per session', async () => {
    const { c } = await signIn('198.51.100.40', 'dave');
    await c.get('/security-info/add-key');
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await c.postJson('/api/keys/register/options', {})).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const session = createHash('sha256').update(c.cookie('portal_session')!).digest('base64url');
    expect(await h.store.countChallenges(session, h.now())).toBe(3);
  });

  it('keeps at most three sign-in challenges per browser session', async () => {
    const c = from('198.51.100.41');
    await c.get('/signin');
    for (let i = 0; i < 10; i++) expect((await c.postJson('/api/signin/key/options', {})).status).toBe(200);
    const binding = createHash('sha256')
      .update(`pre-session:${c.cookie('portal_anon')}`)
      .digest('base64url');
    expect(await h.store.countChallenges(binding, h.now())).toBe(3);
  });

  it('refuses an assertion made for one browser session from another', async () => {
    const { c: erin } = await signIn('198.51.100.50', 'erin');
    const key = newKey(h.portal.url);
    expect((await erin.addSecurityKey(key.client)).status).toBe(200);
    const victim = from('198.51.100.51');
    await victim.get('/signin');
    const options = await victim.postJson('/api/signin/key/options', {});
    // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
    const assertion = await key.client.get(options.json as any);
    const attacker = from('198.51.100.51');
    await attacker.get('/signin');
    const r = await attacker.postJson('/api/signin/key/verify', { response: assertion });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(MESSAGES.challengeOtherSession);
    expect(attacker.cookie('portal_session')).toBeUndefined();
  });
});

describe('counter policy', () => {
  /** Erin's second key, its state copied before it signs in: the copy is a clone. */
  it('flags a key whose counter goes backwards (a clone), refuses it, and ends its sessions', async () => {
    const { c: erin } = await signIn('198.51.100.52', 'erin');
    const original = new VirtualAuthenticator({ fingerprints: 1, attestation: 'none' });
    const originalClient = new WebAuthnClient({ device: original.device(), origin: h.portal.url });
    const added = await erin.addSecurityKey(originalClient);
    expect(added.status).toBe(200);
    const clone = VirtualAuthenticator.fromState(structuredClone(original.exportState()));
    const cloneClient = new WebAuthnClient({ device: clone.device(), origin: h.portal.url });
    const bySignIn = from('198.51.100.53');
    expect((await bySignIn.signInWithKey(originalClient)).status).toBe(200); // counter 1
    expect((await from('198.51.100.53').signInWithKey(originalClient)).status).toBe(200); // counter 2
    const cloned = await from('198.51.100.54').signInWithKey(cloneClient); // counter 1 again
    expect(cloned.status).toBe(403);
    expect(cloned.json.error).toBe(MESSAGES.keyFlagged);
    expect(await h.store.getCredential(String(added.json.id))).toMatchObject({
      flagReason: 'counter-regression',
    });
    // The original is refused too until re-registered, and its sessions ended.
    expect((await from('198.51.100.53').signInWithKey(originalClient)).json.error).toBe(MESSAGES.keyFlagged);
    expect((await bySignIn.get('/security-info')).location).toBe('/signin');
    // The user and the admin are told to re-register it.
    expect((await erin.get('/security-info')).text).toContain('re-register this key');
    const { c: admin } = await signIn('198.51.100.55', 'admin');
    const page = await admin.get('/admin/authentication-methods/fido2');
    expect(page.text).toContain('Keys flagged as possibly copied');
    expect(page.text).toContain('Counter went backwards');
  });

  it('flags a key whose counter reaches 2^32-1 instead of accepting it and locking the key for good', async () => {
    const { c: erin } = await signIn('198.51.100.56', 'erin');
    const key = new VirtualAuthenticator({ fingerprints: 1, attestation: 'none' });
    const added = await erin.addSecurityKey(
      new WebAuthnClient({ device: key.device(), origin: h.portal.url }),
    );
    expect(added.status).toBe(200);
    const state = structuredClone(key.exportState());
    // The virtual key's counter table is keyed by the first 16 bytes of SHA-256(credential ID), in hex.
    const counterKey = createHash('sha256')
      .update(Buffer.from(String(added.json.id), 'base64url'))
      .digest()
      .subarray(0, 16)
      .toString('hex');
    state.counters[counterKey] = 0xffff_fffe;
    const jumped = VirtualAuthenticator.fromState(state);
    const r = await from('198.51.100.57').signInWithKey(
      new WebAuthnClient({ device: jumped.device(), origin: h.portal.url }),
    );
    expect(r.status).toBe(403);
    expect(r.json.error).toBe(MESSAGES.keyFlagged);
    expect(await h.store.getCredential(String(added.json.id))).toMatchObject({
      flagReason: 'counter-exhausted',
      counter: 0,
    });
  });
});
