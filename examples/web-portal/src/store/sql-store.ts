/**
 * What the SQLite and PostgreSQL stores share: every {@link Store} method, written once in
 * PostgreSQL's SQL (`$n` placeholders, which the SQLite store rewrites), over the few primitives
 * each store supplies.
 */
import {
  ACTIVITY_RETENTION_MS,
  activityQuery,
  activityValues,
  INSERT_ACTIVITY,
  KEY_SESSIONS,
  LIST_GROUPS,
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

/** A result row, column name to value. */
export type Row = Record<string, unknown>;
/** One SQL statement and its arguments. */
export type Statement = [sql: string, args: unknown[]];

/** `$1, $2, …` for a list of values bound in one `IN (…)`. */
const placeholders = (values: readonly unknown[]): string => values.map((_, i) => `$${i + 1}`).join(', ');

/** The Store methods over `rows`, `execute` and `atomically`; a subclass adds its driver, `migrate` and `close`. */
export abstract class SqlStore implements Store {
  abstract readonly kind: 'sqlite' | 'postgres';
  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;

  /** Runs one statement and returns its rows. */
  protected abstract rows(sql: string, args?: unknown[]): Promise<Row[]>;
  /** Runs one statement and returns how many rows it changed. */
  protected abstract execute(sql: string, args?: unknown[]): Promise<number>;
  /** Runs statements in one transaction: all of them land, or none. */
  protected abstract atomically(statements: Statement[]): Promise<void>;

  /** The first row of a statement, if any. */
  protected async row(sql: string, args?: unknown[]): Promise<Row | undefined> {
    return (await this.rows(sql, args))[0];
  }

  async getOrCreateSetting(key: string, create: () => string): Promise<string> {
    await this.execute('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      create(),
    ]);
    return String((await this.row('SELECT value FROM settings WHERE key = $1', [key]))?.value);
  }

  async createUser(u: NewUser): Promise<boolean> {
    return (
      (await this.execute(
        `INSERT INTO users (id, username, display_name, user_handle, password_hash, totp_secret, is_admin, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [
          u.id,
          u.username,
          u.displayName,
          u.userHandle,
          u.passwordHash,
          u.totpSecret,
          u.isAdmin,
          u.createdAt ?? Date.now(),
        ],
      )) === 1
    );
  }
  async getUserById(id: string): Promise<User | undefined> {
    const r = await this.row('SELECT * FROM users WHERE id = $1', [id]);
    return r && toUser(r);
  }
  async getUserByUsername(username: string): Promise<User | undefined> {
    const r = await this.row('SELECT * FROM users WHERE username = $1', [username]);
    return r && toUser(r);
  }
  async getUserByHandle(userHandle: string): Promise<User | undefined> {
    const r = await this.row('SELECT * FROM users WHERE user_handle = $1', [userHandle]);
    return r && toUser(r);
  }
  async listUsers(): Promise<User[]> {
    return (await this.rows('SELECT * FROM users ORDER BY username')).map(toUser);
  }
  async advanceTotpStep(userId: string, step: number): Promise<boolean> {
    return (
      (await this.execute('UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1', [
        step,
        userId,
      ])) === 1
    );
  }

  async addCredential(c: StoredCredential): Promise<boolean> {
    return (
      (await this.execute(
        `INSERT INTO credentials (id, user_id, public_key, counter, transports, aaguid, name, attestation_format,
           backup_eligible, created_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
        [
          c.id,
          c.userId,
          Buffer.from(c.publicKey),
          c.counter,
          JSON.stringify(c.transports),
          c.aaguid,
          c.name,
          c.attestationFormat,
          c.backupEligible,
          c.createdAt,
          c.lastUsedAt,
        ],
      )) === 1
    );
  }
  async getCredential(id: string): Promise<StoredCredential | undefined> {
    const r = await this.row('SELECT * FROM credentials WHERE id = $1', [id]);
    return r && toCredential(r);
  }
  async listCredentials(userId: string): Promise<StoredCredential[]> {
    return (
      await this.rows('SELECT * FROM credentials WHERE user_id = $1 ORDER BY created_at, id', [userId])
    ).map(toCredential);
  }
  async countCredentials(): Promise<number> {
    return Number((await this.row('SELECT COUNT(*) AS n FROM credentials'))?.n);
  }
  async renameCredential(userId: string, id: string, name: string): Promise<boolean> {
    return (
      (await this.execute('UPDATE credentials SET name = $1 WHERE id = $2 AND user_id = $3', [
        name,
        id,
        userId,
      ])) === 1
    );
  }
  async deleteCredential(userId: string, id: string): Promise<boolean> {
    return (await this.execute('DELETE FROM credentials WHERE id = $1 AND user_id = $2', [id, userId])) === 1;
  }
  async recordCredentialUse(id: string, expected: number, next: number, usedAt: number): Promise<boolean> {
    return (
      (await this.execute(
        'UPDATE credentials SET counter = $1, last_used_at = $2 WHERE id = $3 AND counter = $4',
        [next, usedAt, id, expected],
      )) === 1
    );
  }

  async flagCredential(id: string, reason: string, at: number): Promise<void> {
    // the flag and the end of the key's sessions land together
    await this.atomically([
      ['UPDATE credentials SET flagged_at = $1, flag_reason = $2 WHERE id = $3', [at, reason, id]],
      ['DELETE FROM sessions WHERE credential_id = $1', [id]],
    ]);
  }
  async listFlaggedCredentials(): Promise<StoredCredential[]> {
    return (
      await this.rows('SELECT * FROM credentials WHERE flagged_at IS NOT NULL ORDER BY flagged_at DESC')
    ).map(toCredential);
  }

  async createGroup(id: string, name: string, at: number): Promise<boolean> {
    return (
      (await this.execute(
        'INSERT INTO groups (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [id, name, at],
      )) === 1
    );
  }
  async listGroups(): Promise<Group[]> {
    return toGroups(await this.rows(LIST_GROUPS));
  }
  async addGroupMember(groupId: string, userId: string): Promise<void> {
    await this.execute(
      'INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [groupId, userId],
    );
  }
  async removeGroupMember(groupId: string, userId: string): Promise<void> {
    await this.execute('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [groupId, userId]);
  }
  async groupsOfUser(userId: string): Promise<string[]> {
    return (
      await this.rows('SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id', [userId])
    ).map((r) => String(r.group_id));
  }

  async addActivity(e: ActivityEntry): Promise<void> {
    await this.execute(INSERT_ACTIVITY, activityValues(e));
  }
  async listActivity(f: ActivityFilter): Promise<ActivityEntry[]> {
    const q = activityQuery(f);
    return (await this.rows(q.sql, q.values)).map(toActivity);
  }

  async getPolicy(): Promise<Fido2Policy> {
    const r = await this.row("SELECT value FROM settings WHERE key = 'policy.fido2'");
    return r
      ? { ...DEFAULT_POLICY, ...(JSON.parse(String(r.value)) as Fido2Policy) }
      : structuredClone(DEFAULT_POLICY);
  }
  async setPolicy(policy: Fido2Policy): Promise<void> {
    await this.execute(
      "INSERT INTO settings (key, value) VALUES ('policy.fido2', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify(policy)],
    );
  }

  async putChallenge(c: Challenge, keepPerSession?: number): Promise<void> {
    const statements: Statement[] = [
      [
        'INSERT INTO challenges (challenge, kind, session_id, user_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [c.challenge, c.kind, c.sessionId, c.userId, c.expiresAt],
      ],
    ];
    if (keepPerSession !== undefined && c.sessionId !== null)
      statements.push([
        `DELETE FROM challenges WHERE session_id = $1 AND challenge NOT IN (
           SELECT challenge FROM challenges WHERE session_id = $1 ORDER BY expires_at DESC, challenge LIMIT $2)`,
        [c.sessionId, keepPerSession],
      ]);
    await this.atomically(statements);
  }
  async countChallenges(sessionId: string, now: number): Promise<number> {
    return Number(
      (
        await this.row('SELECT COUNT(*) AS n FROM challenges WHERE session_id = $1 AND expires_at > $2', [
          sessionId,
          now,
        ])
      )?.n,
    );
  }
  async takeChallenge(challenge: string, now: number): Promise<Challenge | undefined> {
    const r = await this.row('DELETE FROM challenges WHERE challenge = $1 RETURNING *', [challenge]);
    if (!r) return undefined;
    const c = toChallenge(r);
    return c.expiresAt > now ? c : undefined;
  }

  async createSession(s: Session): Promise<void> {
    await this.execute(
      `INSERT INTO sessions (id, user_id, stage, authenticated_at, method, credential_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [s.id, s.userId, s.stage, s.authenticatedAt, s.method, s.credentialId, s.createdAt, s.expiresAt],
    );
  }
  async getSession(id: string, now: number): Promise<Session | undefined> {
    const r = await this.row('SELECT * FROM sessions WHERE id = $1 AND expires_at > $2', [id, now]);
    return r && toSession(r);
  }
  async deleteSession(id: string): Promise<void> {
    await this.execute('DELETE FROM sessions WHERE id = $1', [id]);
  }
  async deleteSessionsOfUser(userId: string): Promise<void> {
    await this.execute('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  async listKeySessions(now: number): Promise<KeySession[]> {
    return (await this.rows(KEY_SESSIONS, [now])).map(toKeySession);
  }
  async deleteSessions(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.execute(`DELETE FROM sessions WHERE id IN (${placeholders(ids)})`, ids);
  }

  async hit(key: string, windowMs: number, now: number): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const r = await this.row(
      `INSERT INTO rate_limits (key, window_start, count, expires_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`,
      [key, start, start + windowMs],
    );
    return Number(r?.count);
  }

  async addFailure(
    key: string,
    now: number,
    resetMs: number,
  ): Promise<{ failures: number; lockouts: number }> {
    const r = await this.row(
      `INSERT INTO lockouts (key, failures, lockouts, locked_until, expires_at) VALUES ($1, 1, 0, 0, $2)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN lockouts.expires_at <= $3 THEN 1 ELSE lockouts.failures + 1 END,
         lockouts = CASE WHEN lockouts.expires_at <= $3 THEN 0 ELSE lockouts.lockouts END,
         expires_at = excluded.expires_at
       RETURNING failures, lockouts`,
      [key, now + resetMs, now],
    );
    return { failures: Number(r?.failures), lockouts: Number(r?.lockouts) };
  }
  async lock(key: string, until: number, now: number, resetMs: number): Promise<void> {
    await this.execute(
      'UPDATE lockouts SET failures = 0, lockouts = lockouts + 1, locked_until = $1, expires_at = $2 WHERE key = $3',
      [until, Math.max(until, now) + resetMs, key],
    );
  }
  async lockedUntil(keys: string[], now: number): Promise<number> {
    if (keys.length === 0) return 0;
    const r = await this.row(
      `SELECT MAX(locked_until) AS t FROM lockouts WHERE key IN (${placeholders(keys)}) AND locked_until > $${keys.length + 1}`,
      [...keys, now],
    );
    return r?.t === null || r?.t === undefined ? 0 : Number(r.t);
  }
  async clearFailures(keys: string[]): Promise<void> {
    if (keys.length > 0)
      await this.execute(`UPDATE lockouts SET failures = 0 WHERE key IN (${placeholders(keys)})`, keys);
  }
  async remember(key: string, until: number): Promise<void> {
    await this.execute(
      `INSERT INTO lockouts (key, failures, lockouts, locked_until, expires_at) VALUES ($1, 0, 0, 0, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at`,
      [key, until],
    );
  }
  async isRemembered(key: string, now: number): Promise<boolean> {
    return (
      (await this.row('SELECT 1 AS y FROM lockouts WHERE key = $1 AND expires_at > $2', [key, now])) !==
      undefined
    );
  }

  async purgeExpired(now: number): Promise<void> {
    await this.atomically([
      ['DELETE FROM challenges WHERE expires_at <= $1', [now]],
      ['DELETE FROM sessions WHERE expires_at <= $1', [now]],
      ['DELETE FROM rate_limits WHERE expires_at <= $1', [now]],
      ['DELETE FROM lockouts WHERE expires_at <= $1 AND locked_until <= $1', [now]],
      ['DELETE FROM activity WHERE at < $1', [now - ACTIVITY_RETENTION_MS]],
    ]);
  }
}
