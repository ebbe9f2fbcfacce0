/** The SQLite store (better-sqlite3): the default, one file under the example's data folder. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  ACTIVITY_RETENTION_MS,
  ADDED_COLUMNS,
  activityQuery,
  activityValues,
  INSERT_ACTIVITY,
  KEY_SESSIONS,
  LIST_GROUPS,
  schema,
  toActivity,
  toChallenge,
  toCredential,
  toGroups,
  toKeySession,
  toSession,
  toUser,
} from './rows.js';
import {
  type ActivityEntry,
  type ActivityFilter,
  type Challenge,
  DEFAULT_POLICY,
  type Fido2Policy,
  type Group,
  type KeySession,
  type NewUser,
  type Session,
  type Store,
  type StoredCredential,
  type User,
} from './types.js';

type Row = Record<string, unknown>;

/** PostgreSQL's `$n` placeholders as `?`; only for SQL that uses each once, in order. */
const numbered = (sql: string) => sql.replace(/\$\d+/g, '?');

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;

  /** `file` is a path (its folder is created) or ':memory:'. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    this.#db.transaction(() => {
      for (const sql of schema('sqlite')) this.#db.exec(sql);
      for (const a of ADDED_COLUMNS) {
        const has = this.#all(`PRAGMA table_info(${a.table})`).some((c) => c.name === a.column);
        if (!has) this.#db.exec(`ALTER TABLE ${a.table} ADD COLUMN ${a.column} ${a.definition}`);
        if (a.index) this.#db.exec(a.index);
      }
    })();
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  #get(sql: string, ...args: unknown[]): Row | undefined {
    return this.#db.prepare(sql).get(...args) as Row | undefined;
  }
  #all(sql: string, ...args: unknown[]): Row[] {
    return this.#db.prepare(sql).all(...args) as Row[];
  }
  #run(sql: string, ...args: unknown[]): number {
    return this.#db.prepare(sql).run(...args).changes;
  }

  async getOrCreateSetting(key: string, create: () => string): Promise<string> {
    this.#run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', key, create());
    return String(this.#get('SELECT value FROM settings WHERE key = ?', key)?.value);
  }

  async createUser(u: NewUser): Promise<boolean> {
    return (
      this.#run(
        `INSERT INTO users (id, username, display_name, user_handle, password_hash, totp_secret, is_admin, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        u.id,
        u.username,
        u.displayName,
        u.userHandle,
        u.passwordHash,
        u.totpSecret,
        u.isAdmin ? 1 : 0,
        u.createdAt ?? Date.now(),
      ) === 1
    );
  }
  async getUserById(id: string): Promise<User | undefined> {
    const r = this.#get('SELECT * FROM users WHERE id = ?', id);
    return r && toUser(r);
  }
  async getUserByUsername(username: string): Promise<User | undefined> {
    const r = this.#get('SELECT * FROM users WHERE username = ?', username);
    return r && toUser(r);
  }
  async getUserByHandle(userHandle: string): Promise<User | undefined> {
    const r = this.#get('SELECT * FROM users WHERE user_handle = ?', userHandle);
    return r && toUser(r);
  }
  async listUsers(): Promise<User[]> {
    return this.#all('SELECT * FROM users ORDER BY username').map(toUser);
  }
  async advanceTotpStep(userId: string, step: number): Promise<boolean> {
    return (
      this.#run(
        'UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?',
        step,
        userId,
        step,
      ) === 1
    );
  }

  async addCredential(c: StoredCredential): Promise<boolean> {
    return (
      this.#run(
        `INSERT INTO credentials (id, user_id, public_key, counter, transports, aaguid, name, attestation_format,
           backup_eligible, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        c.id,
        c.userId,
        Buffer.from(c.publicKey),
        c.counter,
        JSON.stringify(c.transports),
        c.aaguid,
        c.name,
        c.attestationFormat,
        c.backupEligible ? 1 : 0,
        c.createdAt,
        c.lastUsedAt,
      ) === 1
    );
  }
  async getCredential(id: string): Promise<StoredCredential | undefined> {
    const r = this.#get('SELECT * FROM credentials WHERE id = ?', id);
    return r && toCredential(r);
  }
  async listCredentials(userId: string): Promise<StoredCredential[]> {
    return this.#all('SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, id', userId).map(
      toCredential,
    );
  }
  async countCredentials(): Promise<number> {
    return Number(this.#get('SELECT COUNT(*) AS n FROM credentials')?.n);
  }
  async renameCredential(userId: string, id: string, name: string): Promise<boolean> {
    return this.#run('UPDATE credentials SET name = ? WHERE id = ? AND user_id = ?', name, id, userId) === 1;
  }
  async deleteCredential(userId: string, id: string): Promise<boolean> {
    return this.#run('DELETE FROM credentials WHERE id = ? AND user_id = ?', id, userId) === 1;
  }
  async recordCredentialUse(id: string, expected: number, next: number, usedAt: number): Promise<boolean> {
    return (
      this.#run(
        'UPDATE credentials SET counter = ?, last_used_at = ? WHERE id = ? AND counter = ?',
        next,
        usedAt,
        id,
        expected,
      ) === 1
    );
  }

  async flagCredential(id: string, reason: string, at: number): Promise<void> {
    this.#db.transaction(() => {
      this.#run('UPDATE credentials SET flagged_at = ?, flag_reason = ? WHERE id = ?', at, reason, id);
      this.#run('DELETE FROM sessions WHERE credential_id = ?', id);
    })();
  }
  async listFlaggedCredentials(): Promise<StoredCredential[]> {
    return this.#all('SELECT * FROM credentials WHERE flagged_at IS NOT NULL ORDER BY flagged_at DESC').map(
      toCredential,
    );
  }

  async createGroup(id: string, name: string, at: number): Promise<boolean> {
    return (
      this.#run(
        'INSERT INTO groups (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        id,
        name,
        at,
      ) === 1
    );
  }
  async listGroups(): Promise<Group[]> {
    return toGroups(this.#all(LIST_GROUPS));
  }
  async addGroupMember(groupId: string, userId: string): Promise<void> {
    this.#run(
      'INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
      groupId,
      userId,
    );
  }
  async removeGroupMember(groupId: string, userId: string): Promise<void> {
    this.#run('DELETE FROM group_members WHERE group_id = ? AND user_id = ?', groupId, userId);
  }
  async groupsOfUser(userId: string): Promise<string[]> {
    return this.#all('SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id', userId).map(
      (r) => String(r.group_id),
    );
  }

  async addActivity(e: ActivityEntry): Promise<void> {
    this.#run(numbered(INSERT_ACTIVITY), ...activityValues(e));
  }
  async listActivity(f: ActivityFilter): Promise<ActivityEntry[]> {
    const q = activityQuery(f);
    return this.#all(numbered(q.sql), ...q.values).map(toActivity);
  }

  async getPolicy(): Promise<Fido2Policy> {
    const r = this.#get("SELECT value FROM settings WHERE key = 'policy.fido2'");
    return r
      ? { ...DEFAULT_POLICY, ...(JSON.parse(String(r.value)) as Fido2Policy) }
      : structuredClone(DEFAULT_POLICY);
  }
  async setPolicy(policy: Fido2Policy): Promise<void> {
    this.#run(
      "INSERT INTO settings (key, value) VALUES ('policy.fido2', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(policy),
    );
  }

  async putChallenge(c: Challenge, keepPerSession?: number): Promise<void> {
    this.#db.transaction(() => {
      this.#run(
        'INSERT INTO challenges (challenge, kind, session_id, user_id, expires_at) VALUES (?, ?, ?, ?, ?)',
        c.challenge,
        c.kind,
        c.sessionId,
        c.userId,
        c.expiresAt,
      );
      if (keepPerSession !== undefined && c.sessionId !== null)
        this.#run(
          `DELETE FROM challenges WHERE session_id = ? AND challenge NOT IN (
             SELECT challenge FROM challenges WHERE session_id = ? ORDER BY expires_at DESC, challenge LIMIT ?)`,
          c.sessionId,
          c.sessionId,
          keepPerSession,
        );
    })();
  }
  async countChallenges(sessionId: string, now: number): Promise<number> {
    return Number(
      this.#get(
        'SELECT COUNT(*) AS n FROM challenges WHERE session_id = ? AND expires_at > ?',
        sessionId,
        now,
      )?.n,
    );
  }
  async takeChallenge(challenge: string, now: number): Promise<Challenge | undefined> {
    const r = this.#get('DELETE FROM challenges WHERE challenge = ? RETURNING *', challenge);
    if (!r) return undefined;
    const c = toChallenge(r);
    return c.expiresAt > now ? c : undefined;
  }

  async createSession(s: Session): Promise<void> {
    this.#run(
      `INSERT INTO sessions (id, user_id, stage, authenticated_at, method, credential_id, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      s.id,
      s.userId,
      s.stage,
      s.authenticatedAt,
      s.method,
      s.credentialId,
      s.createdAt,
      s.expiresAt,
    );
  }
  async getSession(id: string, now: number): Promise<Session | undefined> {
    const r = this.#get('SELECT * FROM sessions WHERE id = ? AND expires_at > ?', id, now);
    return r && toSession(r);
  }
  async deleteSession(id: string): Promise<void> {
    this.#run('DELETE FROM sessions WHERE id = ?', id);
  }
  async deleteSessionsOfUser(userId: string): Promise<void> {
    this.#run('DELETE FROM sessions WHERE user_id = ?', userId);
  }

  async listKeySessions(now: number): Promise<KeySession[]> {
    return this.#all(KEY_SESSIONS.replace('$1', '?'), now).map(toKeySession);
  }
  async deleteSessions(ids: string[]): Promise<void> {
    const del = this.#db.prepare('DELETE FROM sessions WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  async hit(key: string, windowMs: number, now: number): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const r = this.#get(
      `INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 RETURNING count`,
      key,
      start,
      start + windowMs,
    );
    return Number(r?.count);
  }

  async addFailure(
    key: string,
    now: number,
    resetMs: number,
  ): Promise<{ failures: number; lockouts: number }> {
    const r = this.#get(
      `INSERT INTO lockouts (key, failures, lockouts, locked_until, expires_at) VALUES (?, 1, 0, 0, ?)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN lockouts.expires_at <= ? THEN 1 ELSE lockouts.failures + 1 END,
         lockouts = CASE WHEN lockouts.expires_at <= ? THEN 0 ELSE lockouts.lockouts END,
         expires_at = excluded.expires_at
       RETURNING failures, lockouts`,
      key,
      now + resetMs,
      now,
      now,
    );
    return { failures: Number(r?.failures), lockouts: Number(r?.lockouts) };
  }
  async lock(key: string, until: number, now: number, resetMs: number): Promise<void> {
    this.#run(
      `UPDATE lockouts SET failures = 0, lockouts = lockouts + 1, locked_until = ?, expires_at = ? WHERE key = ?`,
      until,
      Math.max(until, now) + resetMs,
      key,
    );
  }
  async lockedUntil(keys: string[], now: number): Promise<number> {
    if (keys.length === 0) return 0;
    const r = this.#get(
      `SELECT MAX(locked_until) AS t FROM lockouts WHERE key IN (${keys.map(() => '?').join(', ')}) AND locked_until > ?`,
      ...keys,
      now,
    );
    return r?.t === null || r?.t === undefined ? 0 : Number(r.t);
  }
  async clearFailures(keys: string[]): Promise<void> {
    const clear = this.#db.prepare('UPDATE lockouts SET failures = 0 WHERE key = ?');
    this.#db.transaction(() => {
      for (const k of keys) clear.run(k);
    })();
  }
  async remember(key: string, until: number): Promise<void> {
    this.#run(
      `INSERT INTO lockouts (key, failures, lockouts, locked_until, expires_at) VALUES (?, 0, 0, 0, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at`,
      key,
      until,
    );
  }
  async isRemembered(key: string, now: number): Promise<boolean> {
    return this.#get('SELECT 1 AS y FROM lockouts WHERE key = ? AND expires_at > ?', key, now) !== undefined;
  }

  async purgeExpired(now: number): Promise<void> {
    this.#db.transaction(() => {
      this.#run('DELETE FROM challenges WHERE expires_at <= ?', now);
      this.#run('DELETE FROM sessions WHERE expires_at <= ?', now);
      this.#run('DELETE FROM rate_limits WHERE expires_at <= ?', now);
      this.#run('DELETE FROM lockouts WHERE expires_at <= ? AND locked_until <= ?', now, now);
      this.#run('DELETE FROM activity WHERE at < ?', now - ACTIVITY_RETENTION_MS);
    })();
  }
}
