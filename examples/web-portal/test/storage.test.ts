/** One storage suite, run against SQLite and against a real PostgreSQL server started for this file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  PostgresStore,
  SqliteStore,
  type Store,
  type StoredCredential,
} from '../src/store/index.js';
import { type PostgresServer, startPostgres } from './postgres.js';

let pgServer: PostgresServer;
let dbCount = 0;
const tmp = mkdtempSync(join(tmpdir(), 'portal-sqlite-'));

beforeAll(async () => {
  pgServer = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const backends: [string, () => Promise<Store[]>][] = [
  [
    'sqlite',
    async () => {
      const file = join(tmp, `s${++dbCount}.sqlite`);
      // Two handles on one file stand in for two processes.
      const a = new SqliteStore(file);
      await a.migrate();
      const b = new SqliteStore(file);
      await b.migrate();
      return [a, b];
    },
  ],
  [
    'postgres',
    async () => {
      const url = await pgServer.createDatabase(`t${++dbCount}`);
      const a = new PostgresStore(url);
      const b = new PostgresStore(url);
      await Promise.all([a.migrate(), b.migrate()]);
      return [a, b];
    },
  ],
];

const user = (n: string) => ({
  id: `u-${n}`,
  username: n,
  displayName: n.toUpperCase(),
  userHandle: `h-${n}`,
  passwordHash: 'x',
  totpSecret: 'JBSWY3DPEHPK3PXP',
  isAdmin: n === 'admin',
  createdAt: 1000,
});

const cred = (id: string, userId: string): StoredCredential => ({
  id,
  userId,
  publicKey: new Uint8Array([1, 2, 3, 255]),
  counter: 0,
  transports: ['usb', 'nfc'],
  aaguid: '01020304-0506-0708-0102-030405060708',
  name: 'My key',
  attestationFormat: 'packed',
  backupEligible: false,
  createdAt: 2000,
  lastUsedAt: null,
  flaggedAt: null,
  flagReason: null,
});

describe.each(backends)('store: %s', (_name, open) => {
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    [a, b] = (await open()) as [Store, Store];
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('creates users, refuses a taken username, finds by id, name and handle', async () => {
    expect(await a.createUser(user('alice'))).toBe(true);
    expect(await b.createUser({ ...user('alice'), id: 'other', userHandle: 'other' })).toBe(false);
    expect(await a.createUser(user('admin'))).toBe(true);
    const alice = await b.getUserByUsername('alice');
    expect(alice).toEqual({ ...user('alice'), totpLastStep: 0 });
    expect((await b.getUserByHandle('h-alice'))?.id).toBe('u-alice');
    expect((await b.getUserById('u-admin'))?.isAdmin).toBe(true);
    expect(await b.getUserByUsername('nobody')).toBeUndefined();
    expect((await a.listUsers()).map((u) => u.username)).toEqual(['admin', 'alice']);
  });

  it('accepts each TOTP step once, and only moving forward', async () => {
    expect(await a.advanceTotpStep('u-alice', 100)).toBe(true);
    expect(await b.advanceTotpStep('u-alice', 100)).toBe(false);
    expect(await b.advanceTotpStep('u-alice', 99)).toBe(false);
    expect(await b.advanceTotpStep('u-alice', 101)).toBe(true);
  });

  it('keeps credentials: unique IDs, bytes round-trip, rename and delete only by the owner', async () => {
    expect(await a.addCredential(cred('c1', 'u-alice'))).toBe(true);
    expect(await b.addCredential(cred('c1', 'u-admin'))).toBe(false);
    expect(await b.getCredential('c1')).toEqual(cred('c1', 'u-alice'));
    expect(await a.renameCredential('u-admin', 'c1', 'stolen')).toBe(false);
    expect(await a.renameCredential('u-alice', 'c1', 'Blue key')).toBe(true);
    expect((await b.listCredentials('u-alice')).map((c) => c.name)).toEqual(['Blue key']);
    expect(await b.addCredential(cred('c2', 'u-alice'))).toBe(true);
    expect(await a.countCredentials()).toBe(2);
    expect(await a.deleteCredential('u-admin', 'c2')).toBe(false);
    expect(await a.deleteCredential('u-alice', 'c2')).toBe(true);
    expect(await b.getCredential('c2')).toBeUndefined();
  });

  it('advances a counter by compare-and-set, so one of two racing sign-ins wins', async () => {
    const results = await Promise.all([
      a.recordCredentialUse('c1', 0, 5, 3000),
      b.recordCredentialUse('c1', 0, 6, 3001),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const c = await a.getCredential('c1');
    expect([5, 6]).toContain(c?.counter);
    expect(c?.lastUsedAt).toBeGreaterThanOrEqual(3000);
  });

  it('stores the policy', async () => {
    expect(await a.getPolicy()).toEqual(DEFAULT_POLICY);
    const policy = {
      ...DEFAULT_POLICY,
      enabled: true,
      target: 'selected' as const,
      includedUserIds: ['u-alice'],
      keyRestrictions: { enforced: true, mode: 'block' as const, aaguids: ['x'] },
    };
    await a.setPolicy(policy);
    expect(await b.getPolicy()).toEqual(policy);
  });

  it('gives a challenge out once, never after it expires, even when two instances race', async () => {
    await a.putChallenge({
      challenge: 'ch1',
      kind: 'registration',
      sessionId: 's',
      userId: 'u-alice',
      expiresAt: 5000,
    });
    const [x, y] = await Promise.all([a.takeChallenge('ch1', 4000), b.takeChallenge('ch1', 4000)]);
    expect([x, y].filter(Boolean)).toEqual([
      { challenge: 'ch1', kind: 'registration', sessionId: 's', userId: 'u-alice', expiresAt: 5000 },
    ]);
    await a.putChallenge({
      challenge: 'ch2',
      kind: 'authentication',
      sessionId: null,
      userId: null,
      expiresAt: 5000,
    });
    expect(await b.takeChallenge('ch2', 5000)).toBeUndefined();
    expect(await b.takeChallenge('ch2', 1)).toBeUndefined();
    await expect(
      a.putChallenge({
        challenge: 'ch3',
        kind: 'authentication',
        sessionId: null,
        userId: null,
        expiresAt: 1,
      }),
    ).resolves.toBeUndefined();
    await expect(
      b.putChallenge({
        challenge: 'ch3',
        kind: 'authentication',
        sessionId: null,
        userId: null,
        expiresAt: 1,
      }),
    ).rejects.toThrow();
  });

  it('keeps sessions until they expire; deletes one or all of a user', async () => {
    const s = (id: string, expiresAt: number) => ({
      id,
      userId: 'u-alice',
      stage: 'full' as const,
      authenticatedAt: 10,
      method: 'password+totp',
      credentialId: null,
      createdAt: 10,
      expiresAt,
    });
    await a.createSession(s('s1', 100));
    await a.createSession(s('s2', 100));
    expect(await b.getSession('s1', 99)).toEqual(s('s1', 100));
    expect(await b.getSession('s1', 100)).toBeUndefined();
    await b.deleteSession('s1');
    expect(await a.getSession('s1', 0)).toBeUndefined();
    await b.deleteSessionsOfUser('u-alice');
    expect(await a.getSession('s2', 0)).toBeUndefined();
  });

  it('ends the sessions a key opened when the key is deleted, from the other instance too', async () => {
    await a.addCredential(cred('k-sess', 'u-alice'));
    const s = (id: string, credentialId: string | null) => ({
      id,
      userId: 'u-alice',
      stage: 'full' as const,
      authenticatedAt: 10,
      method: credentialId ? 'security-key' : 'password+totp',
      credentialId,
      createdAt: 10,
      expiresAt: 100,
    });
    await a.createSession(s('by-key', 'k-sess'));
    await a.createSession(s('by-password', null));
    expect(await b.getSession('by-key', 50)).toEqual(s('by-key', 'k-sess'));
    expect(await b.listKeySessions(50)).toEqual([
      { sessionId: 'by-key', userId: 'u-alice', credentialId: 'k-sess', aaguid: cred('k', 'u').aaguid },
    ]);
    expect(await b.deleteCredential('u-alice', 'k-sess')).toBe(true);
    expect(await a.getSession('by-key', 50)).toBeUndefined();
    expect(await a.getSession('by-password', 50)).toBeDefined();
    await a.createSession(s('other', null));
    await b.deleteSessions(['by-password', 'other']);
    expect(await a.getSession('by-password', 50)).toBeUndefined();
    expect(await a.getSession('other', 50)).toBeUndefined();
  });

  it('counts rate-limit hits per window across instances, and purges expired rows', async () => {
    expect(await a.hit('ip:1', 1000, 5000)).toBe(1);
    expect(await b.hit('ip:1', 1000, 5999)).toBe(2);
    expect(await a.hit('ip:1', 1000, 6000)).toBe(1);
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit('ip:2', 1000, 5000)),
    );
    expect(many.sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await a.createSession({
      id: 'old',
      userId: 'u-alice',
      stage: 'mfa',
      authenticatedAt: 0,
      method: 'password',
      credentialId: null,
      createdAt: 0,
      expiresAt: 10,
    });
    await b.purgeExpired(7000);
    expect(await a.hit('ip:1', 1000, 5000)).toBe(1);
  });

  it('counts failures and locks across instances; forgets them after the reset time', async () => {
    expect(await a.addFailure('src:x', 1000, 500)).toEqual({ failures: 1, lockouts: 0 });
    expect(await b.addFailure('src:x', 1100, 500)).toEqual({ failures: 2, lockouts: 0 });
    await b.lock('src:x', 5000, 1100, 500);
    expect(await a.lockedUntil(['src:x', 'acct:y'], 2000)).toBe(5000);
    expect(await a.lockedUntil(['src:x'], 5000)).toBe(0);
    expect(await a.addFailure('src:x', 5100, 500)).toEqual({ failures: 1, lockouts: 1 });
    await a.clearFailures(['src:x']);
    expect(await b.addFailure('src:x', 5200, 500)).toEqual({ failures: 1, lockouts: 1 });
    expect(await b.addFailure('src:x', 9000, 500)).toEqual({ failures: 1, lockouts: 0 }); // quiet long enough
    await a.remember('fam:y', 100);
    expect(await b.isRemembered('fam:y', 99)).toBe(true);
    expect(await b.isRemembered('fam:y', 100)).toBe(false);
  });

  it('keeps at most N challenges per session, the newest', async () => {
    for (let i = 0; i < 5; i++)
      await (i % 2 ? a : b).putChallenge(
        {
          challenge: `cap-${i}`,
          kind: 'authentication',
          sessionId: 'sess-cap',
          userId: null,
          expiresAt: 1000 + i,
        },
        3,
      );
    expect(await a.countChallenges('sess-cap', 0)).toBe(3);
    expect(await b.takeChallenge('cap-0', 0)).toBeUndefined();
    expect(await b.takeChallenge('cap-4', 0)).toMatchObject({ sessionId: 'sess-cap' });
  });

  it('flags a credential and ends its sessions in one step', async () => {
    await a.addCredential(cred('k-flag', 'u-alice'));
    await a.createSession({
      id: 'flag-s',
      userId: 'u-alice',
      stage: 'full',
      authenticatedAt: 1,
      method: 'security-key',
      credentialId: 'k-flag',
      createdAt: 1,
      expiresAt: 100,
    });
    await b.flagCredential('k-flag', 'counter-regression', 42);
    expect(await a.getSession('flag-s', 50)).toBeUndefined();
    expect(await a.getCredential('k-flag')).toMatchObject({
      flaggedAt: 42,
      flagReason: 'counter-regression',
    });
    expect((await b.listFlaggedCredentials()).map((c) => c.id)).toEqual(['k-flag']);
  });

  it('keeps groups and members; a name once; members gone with their group', async () => {
    expect(await a.createGroup('g1', 'Pilot', 1)).toBe(true);
    expect(await b.createGroup('g2', 'Pilot', 2)).toBe(false);
    expect(await b.createGroup('g3', 'Contractors', 3)).toBe(true);
    await a.addGroupMember('g1', 'u-alice');
    await b.addGroupMember('g1', 'u-alice'); // twice: one membership
    await b.addGroupMember('g3', 'u-alice');
    expect(await a.listGroups()).toEqual([
      { id: 'g3', name: 'Contractors', memberIds: ['u-alice'] },
      { id: 'g1', name: 'Pilot', memberIds: ['u-alice'] },
    ]);
    expect(await b.groupsOfUser('u-alice')).toEqual(['g1', 'g3']);
    await a.removeGroupMember('g3', 'u-alice');
    expect(await b.groupsOfUser('u-alice')).toEqual(['g1']);
  });

  it('keeps activity and filters it by user, kind and result, newest first', async () => {
    const e = (
      id: string,
      at: number,
      userId: string | null,
      kind: 'sign-in' | 'security-info',
      result: 'success' | 'failure',
    ) => ({
      id,
      at,
      userId,
      kind,
      action: kind === 'sign-in' ? 'security key' : 'security key added',
      result,
      detail: '',
      credentialId: 'k',
      keyName: 'Key',
      aaguid: '01020304-0506-0708-0102-030405060708',
      source: '192.0.2.1',
    });
    await a.addActivity(e('e1', 10, 'u-alice', 'sign-in', 'success'));
    await b.addActivity(e('e2', 20, 'u-alice', 'security-info', 'success'));
    await a.addActivity(e('e3', 30, null, 'sign-in', 'failure'));
    expect((await b.listActivity({})).map((r) => r.id)).toEqual(['e3', 'e2', 'e1']);
    expect((await b.listActivity({ userId: 'u-alice' })).map((r) => r.id)).toEqual(['e2', 'e1']);
    expect((await b.listActivity({ userId: 'u-alice', kind: 'sign-in', result: 'success' }))[0]).toEqual(
      e('e1', 10, 'u-alice', 'sign-in', 'success'),
    );
    expect((await a.listActivity({ result: 'failure', limit: 1 })).map((r) => r.id)).toEqual(['e3']);
    // Kept 90 days: a purge at day 90 + 15 ms drops the lines older than that.
    await b.purgeExpired(90 * 24 * 3600_000 + 15);
    expect((await a.listActivity({})).map((r) => r.id)).toEqual(['e3', 'e2']);
  });

  it('creates a setting once: the first writer wins', async () => {
    const values = await Promise.all([
      a.getOrCreateSetting('secret', () => 'A'),
      b.getOrCreateSetting('secret', () => 'B'),
    ]);
    expect(values[0]).toBe(values[1]);
  });
});

describe('migrating a database from before sessions named their key', () => {
  it('adds sessions.credential_id to an existing SQLite file, keeping its rows', async () => {
    const file = join(tmp, 'old.sqlite');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file);
    db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
      user_handle TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, totp_secret TEXT NOT NULL,
      totp_last_step INTEGER NOT NULL DEFAULT 0, is_admin INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      stage TEXT NOT NULL, authenticated_at INTEGER NOT NULL, method TEXT NOT NULL, created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL)`);
    db.exec(`INSERT INTO users VALUES ('u-old', 'old', 'Old', 'h-old', 'x', 'JBSWY3DPEHPK3PXP', 0, 0, 0)`);
    db.exec(`INSERT INTO sessions VALUES ('s-old', 'u-old', 'full', 1, 'password+totp', 1, 100)`);
    db.close();
    const store = new SqliteStore(file);
    await store.migrate();
    await store.migrate(); // twice: a second start changes nothing
    expect(await store.getSession('s-old', 50)).toMatchObject({ id: 's-old', credentialId: null });
    await store.close();
  });
});
