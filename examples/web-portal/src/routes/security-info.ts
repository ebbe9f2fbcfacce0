/** Security info: the user's sign-in methods; adding (registration), naming and deleting security keys. */
import { generateRegistrationOptions, verifyRegistrationResponse } from '@fido2kit/rp';
import type { Hono } from 'hono';
import { readCeremony } from '../http/ceremony.js';
import { CHALLENGE_TTL_MS, type Ctx, type Env, errorCode, keyFields, type Portal } from '../http/context.js';
import { MESSAGES, policyMessage, verificationMessage } from '../messages.js';
import {
  modelAllowed,
  normalizeAaguid,
  registrationAttestationPolicy,
  userMayRegisterKey,
} from '../policy.js';
import type { Session, StoredCredential, User } from '../store/types.js';
import * as views from '../views.js';

export function securityInfoRoutes(app: Hono<Env>, p: Portal): void {
  const { store, now } = p;
  const withModel = (k: StoredCredential) => ({ ...k, model: p.describe(k.aaguid) });
  /** A change to the user's security keys, for the activity record. */
  const recordChange = (c: Ctx, user: User, action: string, key: StoredCredential, detail = '') =>
    p.record(c, {
      userId: user.id,
      kind: 'security-info',
      action,
      result: 'success',
      detail,
      ...keyFields(key),
    });

  app.get('/security-info', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const keys = (await store.listCredentials(user.id)).map(withModel);
    const activity = await store.listActivity({ userId: user.id, limit: 20 });
    const info = c.req.query('deleted')
      ? 'Security key deleted.'
      : c.req.query('named')
        ? 'Security key saved.'
        : undefined;
    return c.html(
      views.securityInfoPage(p.page(c, 'security-info', 'Security info'), {
        keys,
        info,
        activity: activity.map((a) => ({ ...a, model: a.aaguid ? p.describe(a.aaguid) : '' })),
      }),
    );
  });

  // Only what the policy lets this user add is offered (Entra does the same).
  app.get('/security-info/add', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const decision = userMayRegisterKey(await store.getPolicy(), user, await store.groupsOfUser(user.id));
    return c.html(
      views.addMethodPage(p.page(c, 'add-method', 'Add a sign-in method'), {
        securityKey: decision.ok ? undefined : policyMessage(decision.reason, 'register'),
      }),
    );
  });

  /** Why this user can't add a key now, if they can't. */
  async function registrationBlock(
    user: User,
    session: Session,
  ): Promise<{ blocked?: string; reauth?: boolean }> {
    const decision = userMayRegisterKey(await store.getPolicy(), user, await store.groupsOfUser(user.id));
    if (!decision.ok) return { blocked: policyMessage(decision.reason, 'register') };
    if (now() - session.authenticatedAt > p.reauthWindowMs || session.method !== 'password+totp')
      return { reauth: true };
    return {};
  }

  app.get('/security-info/add-key', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const block = await registrationBlock(user, c.get('session')!);
    return c.html(views.addKeyPage(p.page(c, 'add-key', 'Add a security key'), block));
  });

  app.post('/api/keys/register/options', async (c) => {
    const user = p.full(c);
    const session = c.get('session');
    if (!user || !session) return c.json({ error: 'Sign in first.' }, 401);
    const block = await registrationBlock(user, session);
    if (block.blocked) return c.json({ error: block.blocked }, 403);
    if (block.reauth) return c.json({ error: MESSAGES.reauth }, 403);
    const asked = await store.hit(`registration-options:${session.id}`, p.limits.windowMs, now());
    if (asked > p.limits.registrationOptionsPerSession)
      return c.json({ error: MESSAGES.tooManyRequests }, 429);
    const policy = await store.getPolicy();
    const existing = await store.listCredentials(user.id);
    const opts = generateRegistrationOptions({
      rpName: p.rpName,
      rpID: p.rpID,
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
    await store.putChallenge(
      {
        challenge: opts.challenge,
        kind: 'registration',
        sessionId: session.id,
        userId: user.id,
        expiresAt: now() + CHALLENGE_TTL_MS,
      },
      p.limits.challengesPerSession,
    );
    return c.json(opts);
  });

  app.post('/api/keys/register/verify', async (c) => {
    const user = p.full(c);
    const session = c.get('session');
    if (!user || !session) return c.json({ error: 'Sign in first.' }, 401);
    const read = await readCeremony(c);
    if (!read) return c.json({ error: MESSAGES.badResponse }, 400);
    const challenge = await store.takeChallenge(read.challenge, now());
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
        response: read.credential as unknown as Parameters<typeof verifyRegistrationResponse>[0]['response'],
        expectedChallenge: challenge.challenge,
        expectedOrigin: p.origin,
        expectedRPID: p.rpID,
        requireUserVerification: true,
        attestation: {
          ...(p.metadata ? { metadata: p.metadata } : {}),
          ...(p.trustAnchors ? { trustAnchors: p.trustAnchors } : {}),
          ...registrationAttestationPolicy(policy),
        },
        now: new Date(now()),
      });
    } catch (e) {
      const code = errorCode(e);
      await p.record(c, {
        userId: user.id,
        kind: 'security-info',
        action: 'security key added',
        result: 'failure',
        detail: code ?? 'verification failed',
      });
      const aaguid = (e as { details?: { aaguid?: unknown } }).details?.aaguid;
      const model = typeof aaguid === 'string' ? p.describe(aaguid) : undefined;
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
    if (!model.ok) return c.json({ error: policyMessage(model.reason, 'register', p.describe(aaguid)) }, 400);
    const transport = read.body.transport === 'nfc' ? 'nfc' : 'usb';
    const stored: StoredCredential = {
      id: cred.id,
      userId: user.id,
      publicKey: cred.publicKey,
      counter: cred.counter,
      transports: cred.transports.length > 0 ? [...cred.transports] : [transport],
      aaguid,
      name:
        verified.authenticator.name ??
        (p.metadata?.findByAaguid(aaguid) ? p.describe(aaguid) : 'Security key'),
      attestationFormat: cred.attestationFormat,
      backupEligible: cred.backupEligible,
      createdAt: now(),
      lastUsedAt: null,
      flaggedAt: null,
      flagReason: null,
    };
    if (!(await store.addCredential(stored))) return c.json({ error: MESSAGES.alreadyRegistered }, 409);
    await recordChange(c, user, 'security key added', stored);
    return c.json({
      ok: true,
      id: stored.id,
      redirect: `/security-info/keys/${encodeURIComponent(stored.id)}/name`,
    });
  });

  app.get('/security-info/keys/:id/name', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const key = await store.getCredential(c.req.param('id'));
    if (!key || key.userId !== user.id) return c.redirect('/security-info', 303);
    return c.html(
      views.nameKeyPage(p.page(c, 'name-key', 'Name your security key'), {
        key,
        model: p.describe(key.aaguid),
      }),
    );
  });

  app.post('/security-info/keys/:id/rename', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const id = c.req.param('id');
    const name = String((await c.req.parseBody()).name ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    const key = await store.getCredential(id);
    if (!key || key.userId !== user.id) return c.redirect('/security-info', 303);
    if (name.length < 1 || name.length > 64)
      return c.html(
        views.nameKeyPage(p.page(c, 'name-key', 'Name your security key'), {
          key,
          model: p.describe(key.aaguid),
          error: 'Enter a name of 1 to 64 characters.',
        }),
        400,
      );
    await store.renameCredential(user.id, id, name);
    await recordChange(c, user, 'security key renamed', { ...key, name }, `was ${key.name}`);
    return c.redirect('/security-info?named=1', 303);
  });

  app.post('/security-info/keys/:id/delete', async (c) => {
    const user = p.full(c);
    if (!user) return c.redirect('/signin', 303);
    const id = c.req.param('id');
    // The sessions this key opened end with it (on every instance: the database cascades).
    const key = await store.getCredential(id);
    if (key?.userId === user.id && (await store.deleteCredential(user.id, id)))
      await recordChange(c, user, 'security key deleted', key);
    if (c.get('session')?.credentialId === id) {
      await p.endSession(c);
      return c.redirect('/signin?keyDeleted=1', 303);
    }
    return c.redirect('/security-info?deleted=1', 303);
  });
}
