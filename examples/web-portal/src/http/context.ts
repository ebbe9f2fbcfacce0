/**
 * What every route module shares: the options resolved once, sessions, CSRF tokens, rate limits,
 * model names and the page context. Built by `createPortal` and handed to each route module.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { MetadataCatalog, MetadataEntry } from '@fido2kit/attestation';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { type LockoutPolicy, SmartLockout } from '../lockout.js';
import { normalizeAaguid } from '../policy.js';
import type { ActivityEntry, Session, Store, StoredCredential, User } from '../store/types.js';
import type { PageContext } from '../views.js';
import type { ModelRow } from '../views-admin.js';

/** A metadata catalog: `loadMetadataBlob`'s result, or anything with the same lookups and entries. */
export type ModelCatalog = Pick<
  MetadataCatalog,
  'entries' | 'findByAaguid' | 'findByCertificateKeyIdentifier'
>;

export interface Limits {
  /** Password, code and security-key sign-in requests per client address per window (a flood guard). */
  signInPerIp: number;
  /** Registration options a session may ask for per window. */
  registrationOptionsPerSession: number;
  /** Challenges one browser session may hold at once; older ones are dropped. */
  challengesPerSession: number;
  windowMs: number;
}

export interface PortalOptions {
  store: Store;
  /** The exact origin browsers use, e.g. `http://localhost:3000`. */
  origin: string;
  /** The WebAuthn RP ID. Default: the origin's host name. */
  rpID?: string;
  rpName?: string;
  /** Model names, icons and attestation roots. */
  metadata?: ModelCatalog;
  /** Where the metadata came from, said on the admin page (e.g. "the FIDO MDS3 BLOB no. 80"). */
  metadataSource?: string;
  /** Extra attestation roots (PEM or DER) beside the metadata's. */
  trustAnchors?: (string | Uint8Array)[];
  /** The clock, in milliseconds. */
  now?: () => number;
  limits?: Partial<Limits>;
  /** Smart lockout thresholds and lengths (see lockout.ts). */
  lockout?: Partial<LockoutPolicy>;
  /**
   * Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (the one
   * the proxy added). Never set it when clients reach the portal directly: they could pick any address.
   */
  trustProxy?: boolean;
  /** How long after two-factor sign-in a security key may be added. Default 5 minutes. */
  reauthWindowMs?: number;
  /** Signed-in session lifetime. Default 8 hours. */
  sessionTtlMs?: number;
  /** Where unexpected errors are reported, one line each. Default: console.error. */
  log?: (line: string) => void;
}

/** Challenges and half-finished sign-ins (password given, code awaited) last five minutes. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export const SESSION_COOKIE = 'portal_session';
export const ANON_COOKIE = 'portal_anon';

export type Env = {
  Variables: {
    session: Session | undefined;
    user: User | undefined;
    /** The cookie value the CSRF token is bound to. */
    binding: string | undefined;
  };
};

export type Ctx = Context<Env>;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
export const token = () => randomBytes(32).toString('base64url');

/** The stable `code` of an error from the fido2kit libraries, if it has one. */
export const errorCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

/** What a route says about an event; the time, the source and an ID are added. */
export type ActivityInput = Pick<ActivityEntry, 'userId' | 'kind' | 'action' | 'result'> &
  Partial<Pick<ActivityEntry, 'detail' | 'credentialId' | 'keyName' | 'aaguid'>>;

/** The activity fields that name a key. */
export const keyFields = (k: StoredCredential) => ({ credentialId: k.id, keyName: k.name, aaguid: k.aaguid });

/** The shared state and helpers of one portal instance. */
export interface Portal {
  readonly store: Store;
  readonly now: () => number;
  readonly origin: string;
  readonly rpID: string;
  readonly rpName: string;
  readonly secureCookies: boolean;
  readonly limits: Limits;
  readonly reauthWindowMs: number;
  readonly sessionTtlMs: number;
  readonly metadata: ModelCatalog | undefined;
  /** What metadata is loaded, in one sentence for the admin. */
  readonly metadataNote: string;
  readonly trustAnchors: (string | Uint8Array)[] | undefined;
  readonly log: (line: string) => void;
  readonly lockout: SmartLockout;
  /** The model's name from the metadata, or "Unknown model (…)". */
  describe(aaguid: string): string;
  /** The metadata's models, by name. */
  catalogRows(): ModelRow[];
  csrfFor(binding: string | undefined): string;
  csrfOk(binding: string | undefined, given: unknown): boolean;
  cookieOpts(maxAgeMs: number): {
    httpOnly: true;
    sameSite: 'Lax';
    secure: boolean;
    path: '/';
    maxAge: number;
  };
  /** Replaces the caller's session with a new one (a new cookie value). */
  startSession(
    c: Ctx,
    user: User,
    stage: Session['stage'],
    method: string,
    credentialId?: string | null,
  ): Promise<void>;
  endSession(c: Ctx): Promise<void>;
  clientAddress(c: Ctx): string;
  /** The browser session a challenge is bound to: the session ID, or a hash of the pre-session cookie. */
  bindingId(c: Ctx): string | undefined;
  /** True when the caller's address went over the sign-in flood limit. */
  limited(c: Ctx): Promise<boolean>;
  /** Stores a line of sign-in activity or a security-info change. */
  record(c: Ctx, entry: ActivityInput): Promise<void>;
  page(c: Ctx, name: string, title: string): PageContext;
  /** The signed-in (two-factor or key) user. */
  full(c: Ctx): User | undefined;
  /** The signed-in user when an administrator. */
  admin(c: Ctx): User | undefined;
}

/** Resolves the options and builds the helpers the route modules share. */
export async function createPortalContext(options: PortalOptions): Promise<Portal> {
  const store = options.store;
  const now = options.now ?? Date.now;
  const origin = new URL(options.origin).origin;
  const secureCookies = origin.startsWith('https:');
  const secret = Buffer.from(await store.getOrCreateSetting('csrf.secret', token), 'base64url');
  const metadata = options.metadata;

  const describe = (aaguid: string): string => {
    const entry = metadata?.findByAaguid(aaguid);
    const d = entry?.metadataStatement?.description;
    return typeof d === 'string'
      ? d
      : aaguid === '00000000-0000-0000-0000-000000000000'
        ? 'Unknown model'
        : `Unknown model (${aaguid})`;
  };
  const csrfFor = (binding: string | undefined) =>
    binding ? createHmac('sha256', secret).update(`csrf:${binding}`).digest('base64url') : '';
  const cookieOpts = (maxAgeMs: number) =>
    ({
      httpOnly: true,
      sameSite: 'Lax',
      secure: secureCookies,
      path: '/',
      maxAge: Math.floor(maxAgeMs / 1000),
    }) as const;
  const full = (c: Ctx) => (c.get('session')?.stage === 'full' ? c.get('user') : undefined);

  const p: Portal = {
    store,
    now,
    origin,
    rpID: options.rpID ?? new URL(origin).hostname,
    rpName: options.rpName ?? 'Contoso',
    secureCookies,
    limits: {
      signInPerIp: 100,
      registrationOptionsPerSession: 20,
      challengesPerSession: 3,
      windowMs: 15 * 60_000,
      ...options.limits,
    },
    reauthWindowMs: options.reauthWindowMs ?? 5 * 60_000,
    sessionTtlMs: options.sessionTtlMs ?? 8 * 3600_000,
    metadata,
    metadataNote: metadata
      ? `Metadata loaded: ${options.metadataSource ?? 'a metadata catalog'}, ${metadata.entries.filter((e) => typeof e.aaguid === 'string').length} model(s) with an AAGUID.`
      : 'No FIDO metadata is loaded, so no model names are known and this table is empty. Start the portal with MDS_BLOB set to the FIDO MDS3 BLOB (see the README) to list models by name.',
    trustAnchors: options.trustAnchors,
    log: options.log ?? ((line) => console.error(line)),
    lockout: new SmartLockout(store, options.lockout),
    describe,
    catalogRows: () =>
      (metadata?.entries ?? [])
        .filter((e): e is MetadataEntry & { aaguid: string } => typeof e.aaguid === 'string')
        .map((e) => ({ aaguid: normalizeAaguid(e.aaguid) ?? e.aaguid, name: describe(e.aaguid) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    csrfFor,
    csrfOk(binding, given) {
      if (!binding || typeof given !== 'string') return false;
      const a = Buffer.from(csrfFor(binding));
      const b = Buffer.from(given);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    cookieOpts,
    async startSession(c, user, stage, method, credentialId = null) {
      const old = c.get('session');
      if (old) await store.deleteSession(old.id);
      const value = token();
      const t = now();
      const ttl = stage === 'mfa' ? CHALLENGE_TTL_MS : p.sessionTtlMs;
      await store.createSession({
        id: sha256(value),
        userId: user.id,
        stage,
        authenticatedAt: stage === 'full' ? t : 0,
        method,
        credentialId,
        createdAt: t,
        expiresAt: t + ttl,
      });
      setCookie(c, SESSION_COOKIE, value, cookieOpts(ttl));
      c.set('binding', value);
    },
    async endSession(c) {
      const s = c.get('session');
      if (s) await store.deleteSession(s.id);
      setCookie(c, SESSION_COOKIE, '', { ...cookieOpts(0), maxAge: 0 });
    },
    clientAddress(c) {
      if (options.trustProxy) {
        const last = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
        if (last) return last.slice(0, 64);
      }
      try {
        return getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        return 'unknown';
      }
    },
    bindingId(c) {
      const s = c.get('session');
      if (s) return s.id;
      const b = c.get('binding');
      return b ? sha256(`pre-session:${b}`) : undefined;
    },
    async limited(c) {
      return (await store.hit(`ip:${p.clientAddress(c)}`, p.limits.windowMs, now())) > p.limits.signInPerIp;
    },
    async record(c, e) {
      await store.addActivity({
        id: randomUUID(),
        at: now(),
        source: p.clientAddress(c),
        detail: '',
        credentialId: null,
        keyName: null,
        aaguid: null,
        ...e,
      });
    },
    page: (c, name, title) => ({
      title,
      page: name,
      csrf: csrfFor(c.get('binding')),
      user: full(c),
    }),
    full,
    admin(c) {
      const u = full(c);
      return u?.isAdmin ? u : undefined;
    },
  };
  return p;
}
