/**
 * The portal's HTTP application (Hono): pages, the WebAuthn JSON endpoints, sessions, CSRF and
 * rate limits. Everything that must agree between instances lives in the store.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MetadataCatalog, MetadataEntry } from '@fido2kit/attestation';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@fido2kit/rp';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { MESSAGES, policyMessage, verificationMessage } from './messages.js';
import { DUMMY_HASH, verifyPassword } from './passwords.js';
import {
  modelAllowed,
  normalizeAaguid,
  registrationAttestationPolicy,
  userMayRegisterKey,
  userMayUseKeys,
} from './policy.js';
import type { Fido2Policy, Session, Store, StoredCredential, User } from './store/types.js';
import { checkTotp } from './totp.js';
import * as views from './views.js';

/** A metadata catalog: `loadMetadataBlob`'s result, or anything with the same lookups and entries. */
export type ModelCatalog = Pick<
  MetadataCatalog,
  'entries' | 'findByAaguid' | 'findByCertificateKeyIdentifier'
>;

export interface Limits {
  /** Password, code and security-key sign-in attempts per client address per window. */
  signInPerIp: number;
  /** Password and code attempts per username per window (counted for unknown names too). */
  signInPerUser: number;
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
  /** Extra attestation roots (PEM or DER) beside the metadata's. */
  trustAnchors?: (string | Uint8Array)[];
  /** The clock, in milliseconds. */
  now?: () => number;
  limits?: Partial<Limits>;
  /** How long after two-factor sign-in a security key may be added. Default 5 minutes. */
  reauthWindowMs?: number;
  /** Signed-in session lifetime. Default 8 hours. */
  sessionTtlMs?: number;
}

/** Challenges and half-finished sign-ins (password given, code awaited) last five minutes. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

const SESSION_COOKIE = 'portal_session';
const ANON_COOKIE = 'portal_anon';

type Env = {
  Variables: {
    session: Session | undefined;
    user: User | undefined;
    /** The cookie value the CSRF token is bound to. */
    binding: string | undefined;
  };
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

function challengeOf(response: unknown): string | undefined {
  try {
    const r = response as { response?: { clientDataJSON?: unknown } };
    const cd = r.response?.clientDataJSON;
    if (typeof cd !== 'string' || cd.length > 4096) return undefined;
    const parsed = JSON.parse(Buffer.from(cd, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' ? parsed.challenge : undefined;
  } catch {
    return undefined;
  }
}

const errorCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;

const STATIC: Record<string, [string, string]> = {
  'portal.css': [
    'text/css; charset=utf-8',
    readFileSync(new URL('./ui/portal.css', import.meta.url), 'utf8'),
  ],
  'portal.js': [
    'text/javascript; charset=utf-8',
    readFileSync(new URL('./ui/portal.js', import.meta.url), 'utf8'),
  ],
};

export async function createPortal(options: PortalOptions): Promise<Hono<Env>> {
  const store = options.store;
  const now = options.now ?? Date.now;
  const origin = new URL(options.origin).origin;
  const rpID = options.rpID ?? new URL(origin).hostname;
  const rpName = options.rpName ?? 'Contoso';
  const secureCookies = origin.startsWith('https:');
  const limits: Limits = { signInPerIp: 100, signInPerUser: 10, windowMs: 15 * 60_000, ...options.limits };
  const reauthWindowMs = options.reauthWindowMs ?? 5 * 60_000;
  const sessionTtlMs = options.sessionTtlMs ?? 8 * 3600_000;
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
  const catalogRows = (): views.ModelRow[] =>
    (metadata?.entries ?? [])
      .filter((e): e is MetadataEntry & { aaguid: string } => typeof e.aaguid === 'string')
      .map((e) => ({ aaguid: normalizeAaguid(e.aaguid) ?? e.aaguid, name: describe(e.aaguid) }))
      .sort((a, b) => a.name.localeCompare(b.name));

  const csrfFor = (binding: string | undefined) =>
    binding ? createHmac('sha256', secret).update(`csrf:${binding}`).digest('base64url') : '';
  const csrfOk = (binding: string | undefined, given: unknown) => {
    if (!binding || typeof given !== 'string') return false;
    const a = Buffer.from(csrfFor(binding));
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const cookieOpts = (maxAgeMs: number) =>
    ({
      httpOnly: true,
      sameSite: 'Lax',
      secure: secureCookies,
      path: '/',
      maxAge: Math.floor(maxAgeMs / 1000),
    }) as const;

  async function startSession(
    c: Context<Env>,
    user: User,
    stage: Session['stage'],
    method: string,
  ): Promise<void> {
    const old = c.get('session');
    if (old) await store.deleteSession(old.id);
    const value = token();
    const t = now();
    const ttl = stage === 'mfa' ? CHALLENGE_TTL_MS : sessionTtlMs;
    await store.createSession({
      id: sha256(value),
      userId: user.id,
      stage,
      authenticatedAt: stage === 'full' ? t : 0,
      method,
      createdAt: t,
      expiresAt: t + ttl,
    });
    setCookie(c, SESSION_COOKIE, value, cookieOpts(ttl));
    c.set('binding', value);
  }

  async function endSession(c: Context<Env>): Promise<void> {
    const s = c.get('session');
    if (s) await store.deleteSession(s.id);
    setCookie(c, SESSION_COOKIE, '', { ...cookieOpts(0), maxAge: 0 });
  }

  const clientAddress = (c: Context<Env>): string => {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };

  /** True when the caller went over a limit. */
  async function limited(c: Context<Env>, username?: string): Promise<boolean> {
    const t = now();
    const ip = await store.hit(`ip:${clientAddress(c)}`, limits.windowMs, t);
    if (ip > limits.signInPerIp) return true;
    if (username !== undefined) {
      const u = await store.hit(`user:${username.toLowerCase()}`, limits.windowMs, t);
      if (u > limits.signInPerUser) return true;
    }
    return false;
  }

  const page = (c: Context<Env>, name: string, title: string): views.PageContext => ({
    title,
    page: name,
    csrf: csrfFor(c.get('binding')),
    user: c.get('session')?.stage === 'full' ? c.get('user') : undefined,
  });

  const app = new Hono<Env>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
      // Not no-referrer: with it Chrome sends `Origin: null` on form posts, and the origin check needs the origin.
      referrerPolicy: 'same-origin',
      strictTransportSecurity: secureCookies ? 'max-age=15552000; includeSubDomains' : false,
    }),
  );
  app.use(bodyLimit({ maxSize: 64 * 1024 }));

  // Session, CSRF binding and the origin check for every request.
  app.use(async (c, next) => {
    const sessionCookie = getCookie(c, SESSION_COOKIE);
    let session: Session | undefined;
    let user: User | undefined;
    if (sessionCookie) {
      session = await store.getSession(sha256(sessionCookie), now());
      if (session) user = await store.getUserById(session.userId);
      if (!user) session = undefined;
    }
    c.set('session', session);
    c.set('user', user);
    let binding = session ? sessionCookie : getCookie(c, ANON_COOKIE);
    if (c.req.method === 'GET' && !binding) {
      binding = token();
      setCookie(c, ANON_COOKIE, binding, cookieOpts(24 * 3600_000));
    }
    c.set('binding', binding);

    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const o = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      const originOk = o ? o === origin : site === undefined || site === 'same-origin' || site === 'none';
      let given: unknown = c.req.header('x-csrf-token');
      if (
        given === undefined &&
        c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded')
      ) {
        given = (await c.req.parseBody())._csrf;
      }
      if (!originOk || !csrfOk(binding, given)) {
        if (c.req.path.startsWith('/api/')) return c.json({ error: MESSAGES.csrf }, 403);
        return c.html(views.errorPage(page(c, 'error', 'Something went wrong'), MESSAGES.csrf), 403);
      }
    }
    await next();
  });

  app.get('/static/:file', (c) => {
    const f = STATIC[c.req.param('file')];
    if (!f) return c.notFound();
    return c.body(f[1], 200, { 'content-type': f[0], 'cache-control': 'no-cache' });
  });

  const full = (c: Context<Env>) => (c.get('session')?.stage === 'full' ? c.get('user') : undefined);

  app.get('/', (c) => c.redirect(full(c) ? '/security-info' : '/signin', 303));

  // ---- Sign-in: password, then code ---------------------------------------------------------
  app.get('/signin', (c) => {
    if (full(c)) return c.redirect('/security-info', 303);
    const info = c.req.query('reauth') ? 'Sign in again to continue.' : undefined;
    return c.html(views.signInPage(page(c, 'signin', 'Sign in'), { info }));
  });

  app.post('/signin', async (c) => {
    const body = await c.req.parseBody();
    const username = String(body.username ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 128);
    const password = String(body.password ?? '').slice(0, 1024);
    if (await limited(c, username))
      return c.html(
        views.signInPage(page(c, 'signin', 'Sign in'), { error: MESSAGES.rateLimited, username }),
        429,
      );
    const user = await store.getUserByUsername(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok)
      return c.html(
        views.signInPage(page(c, 'signin', 'Sign in'), { error: MESSAGES.badCredentials, username }),
        401,
      );
    await startSession(c, user, 'mfa', 'password');
    return c.redirect('/signin/code', 303);
  });

  app.get('/signin/code', (c) => {
    const user = c.get('user');
    if (c.get('session')?.stage !== 'mfa' || !user) return c.redirect('/signin', 303);
    return c.html(views.codePage(page(c, 'code', 'Enter code'), { username: user.username }));
  });

  app.post('/signin/code', async (c) => {
    const user = c.get('user');
    if (c.get('session')?.stage !== 'mfa' || !user) return c.redirect('/signin', 303);
    const code = String((await c.req.parseBody()).code ?? '').trim();
    if (await limited(c, user.username))
      return c.html(
        views.codePage(page(c, 'code', 'Enter code'), {
          username: user.username,
          error: MESSAGES.rateLimited,
        }),
        429,
      );
    const step = await checkTotp(user.totpSecret, code, now());
    if (step === undefined || !(await store.advanceTotpStep(user.id, step)))
      return c.html(
        views.codePage(page(c, 'code', 'Enter code'), { username: user.username, error: MESSAGES.badCode }),
        401,
      );
    await startSession(c, user, 'full', 'password+totp');
    return c.redirect('/security-info', 303);
  });

  app.post('/signout', async (c) => {
    const next = (await c.req.parseBody()).next;
    await endSession(c);
    return c.redirect(next === 'reauth' ? '/signin?reauth=1' : '/signin', 303);
  });

  // ---- Sign-in with a security key: no username, the user comes from userHandle -------------
  app.post('/api/signin/key/options', async (c) => {
    if (await limited(c)) return c.json({ error: MESSAGES.rateLimited }, 429);
    const opts = generateAuthenticationOptions({
      rpID,
      userVerification: 'required',
      hints: ['security-key'],
      timeout: 120_000,
    });
    await store.putChallenge({
      challenge: opts.challenge,
      kind: 'authentication',
      sessionId: null,
      userId: null,
      expiresAt: now() + CHALLENGE_TTL_MS,
    });
    return c.json(opts);
  });

  app.post('/api/signin/key/verify', async (c) => {
    if (await limited(c)) return c.json({ error: MESSAGES.rateLimited }, 429);
    const body = (await c.req.json().catch(() => ({}))) as { response?: unknown };
    const response = body.response as { id?: unknown; response?: { userHandle?: unknown } } | undefined;
    const ch = challengeOf(response);
    const challenge = ch ? await store.takeChallenge(ch, now()) : undefined;
    if (challenge?.kind !== 'authentication') return c.json({ error: MESSAGES.challengeGone }, 400);
    const userHandle = response?.response?.userHandle;
    if (typeof userHandle !== 'string' || userHandle === '')
      return c.json({ error: MESSAGES.noUserHandle }, 400);
    const user = await store.getUserByHandle(userHandle);
    const cred = typeof response?.id === 'string' ? await store.getCredential(response.id) : undefined;
    if (!user || !cred || cred.userId !== user.id) return c.json({ error: MESSAGES.unknownKey }, 401);
    const policy = await store.getPolicy();
    const decision = userMayUseKeys(policy, user);
    const model = modelAllowed(policy, cred.aaguid);
    if (!decision.ok) return c.json({ error: policyMessage(decision.reason, 'signin') }, 403);
    if (!model.ok)
      return c.json({ error: policyMessage(model.reason, 'signin', describe(cred.aaguid)) }, 403);
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response: body.response as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
        expectedChallenge: challenge.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        credential: {
          id: cred.id,
          publicKey: cred.publicKey,
          counter: cred.counter,
          backupEligible: cred.backupEligible,
          userHandle: user.userHandle,
        },
        now: new Date(now()),
      });
    } catch (e) {
      return c.json({ error: verificationMessage(errorCode(e), 'signin'), code: errorCode(e) }, 401);
    }
    if (!(await store.recordCredentialUse(cred.id, cred.counter, result.newCounter, now())))
      return c.json({ error: MESSAGES.raced }, 409);
    await startSession(c, user, 'full', 'security-key');
    return c.json({ ok: true, redirect: '/security-info', username: user.username });
  });

  // ---- Security info -------------------------------------------------------------------------
  const withModel = (k: StoredCredential) => ({ ...k, model: describe(k.aaguid) });

  app.get('/security-info', async (c) => {
    const user = full(c);
    if (!user) return c.redirect('/signin', 303);
    const keys = (await store.listCredentials(user.id)).map(withModel);
    const info = c.req.query('deleted')
      ? 'Security key deleted.'
      : c.req.query('named')
        ? 'Security key saved.'
        : undefined;
    return c.html(views.securityInfoPage(page(c, 'security-info', 'Security info'), { keys, info }));
  });

  app.get('/security-info/add', (c) => {
    if (!full(c)) return c.redirect('/signin', 303);
    return c.html(views.addMethodPage(page(c, 'add-method', 'Add a sign-in method')));
  });

  /** Why this user can't add a key now, if they can't. */
  async function registrationBlock(
    user: User,
    session: Session,
  ): Promise<{ blocked?: string; reauth?: boolean }> {
    const decision = userMayRegisterKey(await store.getPolicy(), user);
    if (!decision.ok) return { blocked: policyMessage(decision.reason, 'register') };
    if (now() - session.authenticatedAt > reauthWindowMs || session.method !== 'password+totp')
      return { reauth: true };
    return {};
  }

  app.get('/security-info/add-key', async (c) => {
    const user = full(c);
    if (!user) return c.redirect('/signin', 303);
    const block = await registrationBlock(user, c.get('session')!);
    return c.html(views.addKeyPage(page(c, 'add-key', 'Add a security key'), block));
  });

  app.post('/api/keys/register/options', async (c) => {
    const user = full(c);
    const session = c.get('session');
    if (!user || !session) return c.json({ error: 'Sign in first.' }, 401);
    const block = await registrationBlock(user, session);
    if (block.blocked) return c.json({ error: block.blocked }, 403);
    if (block.reauth) return c.json({ error: MESSAGES.reauth }, 403);
    const policy = await store.getPolicy();
    const existing = await store.listCredentials(user.id);
    const opts = generateRegistrationOptions({
      rpName,
      rpID,
      userName: user.username,
      userID: Buffer.from(user.userHandle, 'base64url'),
      userDisplayName: user.displayName,
      // Key restrictions need the real AAGUID, which 'none' conveyance lets the client zero.
      attestation: policy.enforceAttestation || policy.keyRestrictions.enforced ? 'direct' : 'none',
      excludeCredentials: existing.map((k) => ({
        id: k.id,
        transports: k.transports as ('usb' | 'nfc')[],
      })),
      authenticatorSelection: {
        authenticatorAttachment: 'cross-platform',
        residentKey: 'required',
        userVerification: 'required',
      },
      hints: ['security-key'],
      timeout: 120_000,
      extensions: { credProps: true },
    });
    await store.putChallenge({
      challenge: opts.challenge,
      kind: 'registration',
      sessionId: session.id,
      userId: user.id,
      expiresAt: now() + CHALLENGE_TTL_MS,
    });
    return c.json(opts);
  });

  app.post('/api/keys/register/verify', async (c) => {
    const user = full(c);
    const session = c.get('session');
    if (!user || !session) return c.json({ error: 'Sign in first.' }, 401);
    const body = (await c.req.json().catch(() => ({}))) as { response?: unknown; transport?: unknown };
    const ch = challengeOf(body.response);
    const challenge = ch ? await store.takeChallenge(ch, now()) : undefined;
    if (
      challenge?.kind !== 'registration' ||
      challenge.sessionId !== session.id ||
      challenge.userId !== user.id
    )
      return c.json({ error: MESSAGES.challengeGone }, 400);
    const block = await registrationBlock(user, session);
    if (block.blocked) return c.json({ error: block.blocked }, 403);
    if (block.reauth) return c.json({ error: MESSAGES.reauth }, 403);
    const policy = await store.getPolicy();
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: body.response as Parameters<typeof verifyRegistrationResponse>[0]['response'],
        expectedChallenge: challenge.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        attestation: {
          ...(metadata ? { metadata } : {}),
          ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}),
          ...registrationAttestationPolicy(policy),
        },
        now: new Date(now()),
      });
    } catch (e) {
      const code = errorCode(e);
      const aaguid = (e as { details?: { aaguid?: unknown } }).details?.aaguid;
      const model = typeof aaguid === 'string' ? describe(aaguid) : undefined;
      // One code for "not in the allow list" and "blocked": our policy says which.
      const decision = typeof aaguid === 'string' ? modelAllowed(policy, aaguid) : undefined;
      if (code === 'ERR_AAGUID_NOT_ALLOWED' && decision && !decision.ok)
        return c.json({ error: policyMessage(decision.reason, 'register', model), code }, 400);
      return c.json({ error: verificationMessage(code, 'register', model), code }, 400);
    }
    const cred = verified.credential;
    const aaguid = normalizeAaguid(cred.aaguid) ?? cred.aaguid;
    // The policy again, on our side: the verifier's lists and ours must agree.
    const model = modelAllowed(policy, aaguid);
    if (!model.ok) return c.json({ error: policyMessage(model.reason, 'register', describe(aaguid)) }, 400);
    const transport = body.transport === 'nfc' ? 'nfc' : 'usb';
    const stored: StoredCredential = {
      id: cred.id,
      userId: user.id,
      publicKey: cred.publicKey,
      counter: cred.counter,
      transports: cred.transports.length > 0 ? [...cred.transports] : [transport],
      aaguid,
      name: verified.authenticator.name ?? (metadata ? describe(aaguid) : 'Security key'),
      attestationFormat: cred.attestationFormat,
      backupEligible: cred.backupEligible,
      createdAt: now(),
      lastUsedAt: null,
    };
    if (!(await store.addCredential(stored))) return c.json({ error: MESSAGES.alreadyRegistered }, 409);
    return c.json({
      ok: true,
      id: stored.id,
      redirect: `/security-info/keys/${encodeURIComponent(stored.id)}/name`,
    });
  });

  app.get('/security-info/keys/:id/name', async (c) => {
    const user = full(c);
    if (!user) return c.redirect('/signin', 303);
    const key = await store.getCredential(c.req.param('id'));
    if (!key || key.userId !== user.id) return c.redirect('/security-info', 303);
    return c.html(
      views.nameKeyPage(page(c, 'name-key', 'Name your security key'), { key, model: describe(key.aaguid) }),
    );
  });

  app.post('/security-info/keys/:id/rename', async (c) => {
    const user = full(c);
    if (!user) return c.redirect('/signin', 303);
    const id = c.req.param('id');
    const name = String((await c.req.parseBody()).name ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    const key = await store.getCredential(id);
    if (!key || key.userId !== user.id) return c.redirect('/security-info', 303);
    if (name.length < 1 || name.length > 64)
      return c.html(
        views.nameKeyPage(page(c, 'name-key', 'Name your security key'), {
          key,
          model: describe(key.aaguid),
          error: 'Enter a name of 1 to 64 characters.',
        }),
        400,
      );
    await store.renameCredential(user.id, id, name);
    return c.redirect('/security-info?named=1', 303);
  });

  app.post('/security-info/keys/:id/delete', async (c) => {
    const user = full(c);
    if (!user) return c.redirect('/signin', 303);
    await store.deleteCredential(user.id, c.req.param('id'));
    return c.redirect('/security-info?deleted=1', 303);
  });

  // ---- Admin: Authentication methods → FIDO2 security key ----------------------------------
  const admin = (c: Context<Env>) => {
    const u = full(c);
    return u?.isAdmin ? u : undefined;
  };

  app.get('/admin/authentication-methods', async (c) => {
    if (!admin(c)) return c.redirect(full(c) ? '/security-info' : '/signin', 303);
    return c.html(
      views.adminMethodsPage(page(c, 'admin-methods', 'Authentication methods'), await store.getPolicy()),
    );
  });

  const fido2Page = async (c: Context<Env>, policy: Fido2Policy, extra: { info?: string; error?: string }) =>
    views.adminFido2Page(page(c, 'admin-fido2', 'FIDO2 security key settings'), {
      policy,
      users: await store.listUsers(),
      catalog: catalogRows(),
      describe,
      ...extra,
    });

  app.get('/admin/authentication-methods/fido2', async (c) => {
    if (!admin(c)) return c.redirect(full(c) ? '/security-info' : '/signin', 303);
    return c.html(
      await fido2Page(c, await store.getPolicy(), { info: c.req.query('saved') ? 'Saved.' : undefined }),
    );
  });

  app.post('/admin/authentication-methods/fido2', async (c) => {
    if (!admin(c)) return c.redirect(full(c) ? '/security-info' : '/signin', 303);
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
    return c.redirect('/admin/authentication-methods/fido2?saved=1', 303);
  });

  app.onError((err, c) => {
    console.error(err);
    if (c.req.path.startsWith('/api/')) return c.json({ error: 'Something went wrong. Try again.' }, 500);
    return c.html(
      views.errorPage(page(c, 'error', 'Something went wrong'), 'Something went wrong. Try again.'),
      500,
    );
  });

  return app;
}
