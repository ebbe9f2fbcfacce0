/**
 * The portal's storage, behind one interface: SQLite (better-sqlite3) by default, PostgreSQL (`pg`)
 * for several instances. Every method is a single statement or a transaction, so two instances on
 * one database agree: challenges and sessions are consumed atomically, counters advance by
 * compare-and-set, a credential ID is unique.
 */

export interface User {
  id: string;
  username: string;
  displayName: string;
  /** WebAuthn user.id (base64url of 32 random bytes); the key returns it as userHandle. */
  userHandle: string;
  passwordHash: string;
  totpSecret: string;
  /** The last TOTP time step accepted, so a code is good once. */
  totpLastStep: number;
  isAdmin: boolean;
  createdAt: number;
}

export interface StoredCredential {
  /** base64url credential ID. */
  id: string;
  userId: string;
  /** COSE public key. */
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  name: string;
  attestationFormat: string;
  backupEligible: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  /** When the key was flagged (possibly cloned: its counter went back or ran out); null if never. */
  flaggedAt: number | null;
  /** Why: 'counter-regression' | 'counter-exhausted'. */
  flagReason: string | null;
}

export type ChallengeKind = 'registration' | 'authentication';

export interface Challenge {
  /** base64url challenge as it appears in clientDataJSON. */
  challenge: string;
  kind: ChallengeKind;
  /**
   * The browser session the ceremony belongs to: the session ID (registration), or a hash of the
   * pre-session cookie (username-less sign-in). Null only in rows from before this was required.
   */
  sessionId: string | null;
  userId: string | null;
  expiresAt: number;
}

export type SessionStage = 'mfa' | 'full';

export interface Session {
  /** The SHA-256 of the cookie value (the store never sees the cookie itself). */
  id: string;
  userId: string;
  stage: SessionStage;
  /** When the user last completed two-factor (or security key) sign-in. */
  authenticatedAt: number;
  /** How: 'password+totp' | 'security-key'. */
  method: string;
  /**
   * The security key (credential ID) that opened the session, or null. Deleting the credential
   * deletes the session with it (a foreign key, so every instance sees it at once).
   */
  credentialId: string | null;
  createdAt: number;
  expiresAt: number;
}

/**
 * One line of sign-in activity or a security-info change. Nothing secret: no password, code,
 * challenge, signature, cookie or session ID; a username someone typed is not kept unless it is
 * an account's.
 */
export interface ActivityEntry {
  id: string;
  at: number;
  /** The account, when known. */
  userId: string | null;
  kind: 'sign-in' | 'security-info';
  /** Sign-in: 'password' | 'one-time code' | 'security key'. Security info: what changed. */
  action: string;
  result: 'success' | 'failure' | 'locked' | 'refused';
  /** A short reason ('wrong password', an error code, a policy denial), or ''. */
  detail: string;
  credentialId: string | null;
  keyName: string | null;
  aaguid: string | null;
  /** The client address. */
  source: string;
}

export interface ActivityFilter {
  userId?: string;
  kind?: ActivityEntry['kind'];
  result?: ActivityEntry['result'];
  limit?: number;
}

/** A group of users the admin targets policies at. */
export interface Group {
  id: string;
  name: string;
  /** Member user IDs. */
  memberIds: string[];
}

/** A live session opened by a security key. */
export interface KeySession {
  sessionId: string;
  userId: string;
  credentialId: string;
  aaguid: string;
}

/** The admin's "Authentication methods → FIDO2 security key" policy. */
export interface Fido2Policy {
  enabled: boolean;
  /** Include: all users, or the selected groups and users. */
  target: 'all' | 'selected';
  /** Groups included, when target is 'selected' (Entra: Include → Select groups). */
  includedGroupIds: string[];
  /** Users included one by one, when target is 'selected' (kept from before groups). */
  includedUserIds: string[];
  /** Groups excluded, whatever the target (Entra: Exclude); exclusion wins. */
  excludedGroupIds: string[];
  allowSelfServiceSetup: boolean;
  enforceAttestation: boolean;
  keyRestrictions: {
    enforced: boolean;
    mode: 'allow' | 'block';
    /** Lower-case AAGUIDs. */
    aaguids: string[];
  };
}

export const DEFAULT_POLICY: Fido2Policy = {
  enabled: false,
  target: 'all',
  includedGroupIds: [],
  includedUserIds: [],
  excludedGroupIds: [],
  allowSelfServiceSetup: true,
  enforceAttestation: false,
  keyRestrictions: { enforced: false, mode: 'allow', aaguids: [] },
};

export type NewUser = Omit<User, 'totpLastStep' | 'createdAt'> & { createdAt?: number };

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the tables when missing. Safe to run on every start, from several instances at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** A value kept in the settings table, created once (the first writer wins). */
  getOrCreateSetting(key: string, create: () => string): Promise<string>;

  /** Adds a user; returns false when the username is taken. */
  createUser(user: NewUser): Promise<boolean>;
  getUserById(id: string): Promise<User | undefined>;
  getUserByUsername(username: string): Promise<User | undefined>;
  getUserByHandle(userHandle: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  /** Records a used TOTP step if it is later than the last one; false means a replayed code. */
  advanceTotpStep(userId: string, step: number): Promise<boolean>;

  /** Adds a credential; false when the ID is already registered (to anyone). */
  addCredential(credential: StoredCredential): Promise<boolean>;
  getCredential(id: string): Promise<StoredCredential | undefined>;
  listCredentials(userId: string): Promise<StoredCredential[]>;
  countCredentials(): Promise<number>;
  renameCredential(userId: string, id: string, name: string): Promise<boolean>;
  deleteCredential(userId: string, id: string): Promise<boolean>;
  /** Compare-and-set on the counter: false when another sign-in moved it first. */
  recordCredentialUse(
    id: string,
    expectedCounter: number,
    newCounter: number,
    usedAt: number,
  ): Promise<boolean>;

  /** Flags a key as possibly cloned and ends the sessions it opened, in one transaction. */
  flagCredential(id: string, reason: string, at: number): Promise<void>;
  listFlaggedCredentials(): Promise<StoredCredential[]>;

  /** Adds a group; false when the name is taken. */
  createGroup(id: string, name: string, at: number): Promise<boolean>;
  listGroups(): Promise<Group[]>;
  addGroupMember(groupId: string, userId: string): Promise<void>;
  removeGroupMember(groupId: string, userId: string): Promise<void>;
  /** The IDs of the groups a user belongs to. */
  groupsOfUser(userId: string): Promise<string[]>;

  addActivity(entry: ActivityEntry): Promise<void>;
  /** Newest first. */
  listActivity(filter: ActivityFilter): Promise<ActivityEntry[]>;

  getPolicy(): Promise<Fido2Policy>;
  setPolicy(policy: Fido2Policy): Promise<void>;

  /**
   * Stores a challenge; with `keepPerSession`, then drops the session's oldest challenges so at
   * most that many stay outstanding.
   */
  putChallenge(challenge: Challenge, keepPerSession?: number): Promise<void>;
  /** Outstanding (unexpired) challenges of one session. */
  countChallenges(sessionId: string, now: number): Promise<number>;
  /** Removes and returns the challenge (single use); undefined when unknown or expired. */
  takeChallenge(challenge: string, now: number): Promise<Challenge | undefined>;

  createSession(session: Session): Promise<void>;
  getSession(id: string, now: number): Promise<Session | undefined>;
  deleteSession(id: string): Promise<void>;
  deleteSessionsOfUser(userId: string): Promise<void>;
  /** Live sessions opened by a security key, with the key's user and model. */
  listKeySessions(now: number): Promise<KeySession[]>;
  /** Deletes these sessions. */
  deleteSessions(ids: string[]): Promise<void>;

  /** Counts a hit in a fixed window and returns the count so far (rate limiting across instances). */
  hit(key: string, windowMs: number, now: number): Promise<number>;

  /**
   * Counts a failed sign-in under `key` (failures older than `resetMs` are forgotten) and
   * returns the count and how many times the key was locked before.
   */
  addFailure(key: string, now: number, resetMs: number): Promise<{ failures: number; lockouts: number }>;
  /** Locks `key` until `until`: its failures start again from zero, its lockout count goes up. */
  lock(key: string, until: number, now: number, resetMs: number): Promise<void>;
  /** The latest lock among `keys` still in force, or 0. */
  lockedUntil(keys: string[], now: number): Promise<number>;
  /** Forgets the failures (not the lockout count) of these keys, after a successful sign-in. */
  clearFailures(keys: string[]): Promise<void>;
  /** Remembers a marker (e.g. a familiar source) until `until`. */
  remember(key: string, until: number): Promise<void>;
  isRemembered(key: string, now: number): Promise<boolean>;

  /** Deletes expired challenges, sessions, rate-limit windows, lockouts, and activity past its retention. */
  purgeExpired(now: number): Promise<void>;
}
