/** Sign-in: password then one-time code, sign-out, and username-less sign-in with a security key. */
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@fido2kit/rp';
import type { Hono } from 'hono';
import { readCeremony } from '../http/ceremony.js';
import { CHALLENGE_TTL_MS, type Env, errorCode, keyFields, type Portal } from '../http/context.js';
import type { LockState } from '../lockout.js';
import { lockoutMessage, MESSAGES, policyMessage, verificationMessage } from '../messages.js';
import { DUMMY_HASH, verifyPassword } from '../passwords.js';
import { modelAllowed, type PolicyDenial, userMayUseKeys } from '../policy.js';
import { checkTotp } from '../totp.js';
import * as views from '../views.js';

/** The largest signature counter (32 bits): a key that reaches it cannot count further. */
export const COUNTER_MAX = 0xffff_ffff;

export function signInRoutes(app: Hono<Env>, p: Portal): void {
  const { store, now } = p;

  app.get('/', (c) => c.redirect(p.full(c) ? '/security-info' : '/signin', 303));

  app.get('/signin', (c) => {
    if (p.full(c)) return c.redirect('/security-info', 303);
    const info = c.req.query('reauth')
      ? 'Sign in again to continue.'
      : c.req.query('keyDeleted')
        ? MESSAGES.signedOutKeyDeleted
        : undefined;
    return c.html(views.signInPage(p.page(c, 'signin', 'Sign in'), { info }));
  });

  /** The page's message for a lock: the source's or the account's, with when it ends. */
  const lockedMessage = (state: LockState) =>
    state.locked ? lockoutMessage(state.scope, Math.ceil((state.until - now()) / 60_000)) : '';

  app.post('/signin', async (c) => {
    const body = await c.req.parseBody();
    const username = String(body.username ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 128);
    const password = String(body.password ?? '').slice(0, 1024);
    const signInPage = (error: string, status: 401 | 429) =>
      c.html(views.signInPage(p.page(c, 'signin', 'Sign in'), { error, username }), status);
    if (await p.limited(c)) return signInPage(MESSAGES.rateLimited, 429);
    const source = p.clientAddress(c);
    const user = await store.getUserByUsername(username);
    // A name nobody has is not kept (it may be a password typed in the wrong field).
    const record = (result: 'failure' | 'locked', detail: string) =>
      p.record(c, { userId: user?.id ?? null, kind: 'sign-in', action: 'password', result, detail });
    // A locked source or account is refused before the password is checked: no guessing while locked.
    const lock = await p.lockout.check(source, username, now());
    if (lock.locked) {
      await record('locked', `${lock.scope} locked`);
      return signInPage(lockedMessage(lock), 429);
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      const after = await p.lockout.fail(source, username, now());
      await record(after.locked ? 'locked' : 'failure', user ? 'wrong password' : 'unknown user');
      return after.locked ? signInPage(lockedMessage(after), 429) : signInPage(MESSAGES.badCredentials, 401);
    }
    await p.startSession(c, user, 'mfa', 'password');
    return c.redirect('/signin/code', 303);
  });

  app.get('/signin/code', (c) => {
    const user = c.get('user');
    if (c.get('session')?.stage !== 'mfa' || !user) return c.redirect('/signin', 303);
    return c.html(views.codePage(p.page(c, 'code', 'Enter code'), { username: user.username }));
  });

  app.post('/signin/code', async (c) => {
    const user = c.get('user');
    if (c.get('session')?.stage !== 'mfa' || !user) return c.redirect('/signin', 303);
    const code = String((await c.req.parseBody()).code ?? '').trim();
    const codePage = (error: string, status: 401 | 429) =>
      c.html(views.codePage(p.page(c, 'code', 'Enter code'), { username: user.username, error }), status);
    if (await p.limited(c)) return codePage(MESSAGES.rateLimited, 429);
    const source = p.clientAddress(c);
    const record = (result: 'success' | 'failure' | 'locked', detail = '') =>
      p.record(c, { userId: user.id, kind: 'sign-in', action: 'password + one-time code', result, detail });
    const lock = await p.lockout.check(source, user.username, now());
    if (lock.locked) {
      await record('locked', `${lock.scope} locked`);
      return codePage(lockedMessage(lock), 429);
    }
    const step = await checkTotp(user.totpSecret, code, now());
    if (step === undefined || !(await store.advanceTotpStep(user.id, step))) {
      const after = await p.lockout.fail(source, user.username, now());
      await record(after.locked ? 'locked' : 'failure', 'wrong or reused code');
      return after.locked ? codePage(lockedMessage(after), 429) : codePage(MESSAGES.badCode, 401);
    }
    await p.lockout.succeed(source, user.username, now());
    await record('success');
    await p.startSession(c, user, 'full', 'password+totp');
    return c.redirect('/security-info', 303);
  });

  app.post('/signout', async (c) => {
    const next = (await c.req.parseBody()).next;
    await p.endSession(c);
    return c.redirect(next === 'reauth' ? '/signin?reauth=1' : '/signin', 303);
  });

  // ---- Sign-in with a security key: no username, the user comes from userHandle -------------
  app.post('/api/signin/key/options', async (c) => {
    if (await p.limited(c)) return c.json({ error: MESSAGES.rateLimited }, 429);
    const opts = generateAuthenticationOptions({
      rpID: p.rpID,
      userVerification: 'required',
      hints: ['security-key'],
      timeout: 120_000,
    });
    // Bound to the browser session that asked: an assertion for it is refused from any other.
    await store.putChallenge(
      {
        challenge: opts.challenge,
        kind: 'authentication',
        sessionId: p.bindingId(c) ?? null,
        userId: null,
        expiresAt: now() + CHALLENGE_TTL_MS,
      },
      p.limits.challengesPerSession,
    );
    return c.json(opts);
  });

  app.post('/api/signin/key/verify', async (c) => {
    if (await p.limited(c)) return c.json({ error: MESSAGES.rateLimited }, 429);
    const read = await readCeremony(c);
    if (!read) return c.json({ error: MESSAGES.badResponse }, 400);
    const challenge = await store.takeChallenge(read.challenge, now());
    if (challenge?.kind !== 'authentication') return c.json({ error: MESSAGES.challengeGone }, 400);
    if (challenge.sessionId === null || challenge.sessionId !== p.bindingId(c))
      return c.json({ error: MESSAGES.challengeOtherSession }, 400);
    const userHandle = read.userHandle;
    if (userHandle === undefined) return c.json({ error: MESSAGES.noUserHandle }, 400);
    const user = await store.getUserByHandle(userHandle);
    const cred = await store.getCredential(read.credential.id);
    if (!user || !cred || cred.userId !== user.id) {
      await p.record(c, {
        userId: cred?.userId ?? null,
        kind: 'sign-in',
        action: 'security key',
        result: 'failure',
        detail: 'key not registered to the account it names',
      });
      return c.json({ error: MESSAGES.unknownKey }, 401);
    }
    const record = (result: 'success' | 'failure' | 'refused', detail = '') =>
      p.record(c, {
        userId: user.id,
        kind: 'sign-in',
        action: 'security key',
        result,
        detail,
        ...keyFields(cred),
      });
    if (cred.flaggedAt !== null) {
      await record('refused', 'key flagged as possibly copied');
      return c.json({ error: MESSAGES.keyFlagged }, 403);
    }
    const policy = await store.getPolicy();
    const decision = userMayUseKeys(policy, user, await store.groupsOfUser(user.id));
    const model = modelAllowed(policy, cred.aaguid);
    if (!decision.ok || !model.ok) {
      const reason = decision.ok ? (model as { reason: PolicyDenial }).reason : decision.reason;
      await record('refused', `policy: ${reason}`);
      return c.json({ error: policyMessage(reason, 'signin', p.describe(cred.aaguid)) }, 403);
    }
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response: read.credential as unknown as Parameters<
          typeof verifyAuthenticationResponse
        >[0]['response'],
        expectedChallenge: challenge.challenge,
        expectedOrigin: p.origin,
        expectedRPID: p.rpID,
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
      const code = errorCode(e);
      // Counter policy: a counter that did not increase may mean a copied key. Refuse, flag the
      // key (its sessions end) and ask for it to be registered again; the admin sees the flag.
      if (code === 'ERR_COUNTER_REGRESSION') {
        await store.flagCredential(cred.id, 'counter-regression', now());
        await record('refused', 'counter went backwards: key flagged as possibly copied');
        return c.json({ error: MESSAGES.keyFlagged, code }, 403);
      }
      await record('failure', code ?? 'verification failed');
      return c.json({ error: verificationMessage(code, 'signin'), code }, 401);
    }
    // A counter at 2^32-1 can never increase again: every later sign-in would be a regression.
    // Refuse and flag it the same way rather than accept it and lock the key for good.
    if (result.newCounter >= COUNTER_MAX) {
      await store.flagCredential(cred.id, 'counter-exhausted', now());
      await record('refused', 'counter reached 2^32-1: key flagged as possibly copied');
      return c.json({ error: MESSAGES.keyFlagged, code: 'COUNTER_EXHAUSTED' }, 403);
    }
    if (!(await store.recordCredentialUse(cred.id, cred.counter, result.newCounter, now())))
      return c.json({ error: MESSAGES.raced }, 409);
    await record('success');
    await p.startSession(c, user, 'full', 'security-key', cred.id);
    return c.json({ ok: true, redirect: '/security-info', username: user.username });
  });
}
