/** Row ↔ object mapping shared by the SQLite and PostgreSQL stores. */
import type {
  ActivityEntry,
  ActivityFilter,
  Challenge,
  ChallengeKind,
  Group,
  KeySession,
  Session,
  SessionStage,
  StoredCredential,
  User,
} from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const nullableNum = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';
const bytes = (v: unknown): Uint8Array =>
  v instanceof Uint8Array
    ? new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
    : new Uint8Array();

export function toUser(r: Row): User {
  return {
    id: String(r.id),
    username: String(r.username),
    displayName: String(r.display_name),
    userHandle: String(r.user_handle),
    passwordHash: String(r.password_hash),
    totpSecret: String(r.totp_secret),
    totpLastStep: num(r.totp_last_step),
    isAdmin: bool(r.is_admin),
    createdAt: num(r.created_at),
  };
}

export function toCredential(r: Row): StoredCredential {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    publicKey: bytes(r.public_key),
    counter: num(r.counter),
    transports: JSON.parse(String(r.transports)) as string[],
    aaguid: String(r.aaguid),
    name: String(r.name),
    attestationFormat: String(r.attestation_format),
    backupEligible: bool(r.backup_eligible),
    createdAt: num(r.created_at),
    lastUsedAt: nullableNum(r.last_used_at),
    flaggedAt: nullableNum(r.flagged_at),
    flagReason: r.flag_reason === null || r.flag_reason === undefined ? null : String(r.flag_reason),
  };
}

export function toChallenge(r: Row): Challenge {
  return {
    challenge: String(r.challenge),
    kind: String(r.kind) as ChallengeKind,
    sessionId: r.session_id === null ? null : String(r.session_id),
    userId: r.user_id === null ? null : String(r.user_id),
    expiresAt: num(r.expires_at),
  };
}

export function toSession(r: Row): Session {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    stage: String(r.stage) as SessionStage,
    authenticatedAt: num(r.authenticated_at),
    method: String(r.method),
    credentialId: r.credential_id === null || r.credential_id === undefined ? null : String(r.credential_id),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

/** Activity is kept this long (90 days, as Entra keeps sign-in logs at most), then purged. */
export const ACTIVITY_RETENTION_MS = 90 * 24 * 3600_000;

const nullableText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toActivity(r: Row): ActivityEntry {
  return {
    id: String(r.id),
    at: num(r.at),
    userId: nullableText(r.user_id),
    kind: String(r.kind) as ActivityEntry['kind'],
    action: String(r.action),
    result: String(r.result) as ActivityEntry['result'],
    detail: String(r.detail),
    credentialId: nullableText(r.credential_id),
    keyName: nullableText(r.key_name),
    aaguid: nullableText(r.aaguid),
    source: String(r.source),
  };
}

export const INSERT_ACTIVITY = `INSERT INTO activity
  (id, at, user_id, kind, action, result, detail, credential_id, key_name, aaguid, source)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

export const activityValues = (e: ActivityEntry): unknown[] => [
  e.id,
  e.at,
  e.userId,
  e.kind,
  e.action,
  e.result,
  e.detail,
  e.credentialId,
  e.keyName,
  e.aaguid,
  e.source,
];

/** The query for `listActivity`, with `$n` placeholders, and its values. */
export function activityQuery(f: ActivityFilter): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of [
    ['user_id', f.userId],
    ['kind', f.kind],
    ['result', f.result],
  ] as const) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} = $${values.length}`);
  }
  values.push(Math.min(Math.max(f.limit ?? 50, 1), 500));
  const sql = `SELECT * FROM activity ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY at DESC, id LIMIT $${values.length}`;
  return { sql, values };
}

/** Groups with their members, from `SELECT g.id, g.name, m.user_id … LEFT JOIN group_members`. */
export function toGroups(rows: Row[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const id = String(r.id);
    let g = groups.get(id);
    if (!g) {
      g = { id, name: String(r.name), memberIds: [] };
      groups.set(id, g);
    }
    if (r.user_id !== null && r.user_id !== undefined) g.memberIds.push(String(r.user_id));
  }
  return [...groups.values()];
}

export const LIST_GROUPS = `SELECT g.id, g.name, m.user_id FROM groups g
  LEFT JOIN group_members m ON m.group_id = g.id ORDER BY g.name, m.user_id`;

/** Live sessions a security key opened, with the key's model (`$1`: now). */
export const KEY_SESSIONS = `SELECT s.id AS session_id, s.user_id, s.credential_id, c.aaguid
  FROM sessions s JOIN credentials c ON c.id = s.credential_id WHERE s.expires_at > $1`;

export function toKeySession(r: Row): KeySession {
  return {
    sessionId: String(r.session_id),
    userId: String(r.user_id),
    credentialId: String(r.credential_id),
    aaguid: String(r.aaguid),
  };
}

/**
 * Columns added after a table was first shipped: `migrate()` adds each one a database lacks
 * (PostgreSQL with ADD COLUMN IF NOT EXISTS, SQLite after reading its table_info).
 */
export const ADDED_COLUMNS: { table: string; column: string; definition: string; index?: string }[] = [
  {
    table: 'sessions',
    column: 'credential_id',
    definition: 'TEXT REFERENCES credentials(id) ON DELETE CASCADE',
    index: 'CREATE INDEX IF NOT EXISTS sessions_credential ON sessions(credential_id)',
  },
  { table: 'credentials', column: 'flagged_at', definition: 'BIGINT' },
  { table: 'credentials', column: 'flag_reason', definition: 'TEXT' },
];

/** The schema, written once; `B` is the byte type and `T` the 64-bit integer type of the dialect. */
export function schema(dialect: 'sqlite' | 'postgres'): string[] {
  const B = dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  const T = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const BOOL = dialect === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
  return [
    `CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
      user_handle TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, totp_secret TEXT NOT NULL,
      totp_last_step ${T} NOT NULL DEFAULT 0, is_admin ${BOOL} NOT NULL, created_at ${T} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS credentials (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      public_key ${B} NOT NULL, counter ${T} NOT NULL, transports TEXT NOT NULL, aaguid TEXT NOT NULL,
      name TEXT NOT NULL, attestation_format TEXT NOT NULL, backup_eligible ${BOOL} NOT NULL,
      created_at ${T} NOT NULL, last_used_at ${T})`,
    `CREATE INDEX IF NOT EXISTS credentials_user ON credentials(user_id)`,
    `CREATE TABLE IF NOT EXISTS challenges (
      challenge TEXT PRIMARY KEY, kind TEXT NOT NULL, session_id TEXT, user_id TEXT, expires_at ${T} NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS challenges_session ON challenges(session_id)`,
    `CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, stage TEXT NOT NULL,
      authenticated_at ${T} NOT NULL, method TEXT NOT NULL, created_at ${T} NOT NULL, expires_at ${T} NOT NULL,
      credential_id TEXT REFERENCES credentials(id) ON DELETE CASCADE)`,
    `CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at ${T} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS group_members (
      group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, PRIMARY KEY (group_id, user_id))`,
    `CREATE INDEX IF NOT EXISTS group_members_user ON group_members(user_id)`,
    `CREATE TABLE IF NOT EXISTS activity (
      id TEXT PRIMARY KEY, at ${T} NOT NULL, user_id TEXT, kind TEXT NOT NULL, action TEXT NOT NULL,
      result TEXT NOT NULL, detail TEXT NOT NULL, credential_id TEXT, key_name TEXT, aaguid TEXT, source TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS activity_user ON activity(user_id, at)`,
    `CREATE INDEX IF NOT EXISTS activity_at ON activity(at)`,
    `CREATE TABLE IF NOT EXISTS lockouts (
      key TEXT PRIMARY KEY, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL, locked_until ${T} NOT NULL,
      expires_at ${T} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS rate_limits (
      key TEXT NOT NULL, window_start ${T} NOT NULL, count INTEGER NOT NULL, expires_at ${T} NOT NULL,
      PRIMARY KEY (key, window_start))`,
  ];
}
