/** The middleware every request passes: security headers, the body limit, the session and CSRF check. */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { MESSAGES } from '../messages.js';
import type { Session, User } from '../store/types.js';
import { ANON_COOKIE, type Env, type Portal, SESSION_COOKIE, sha256, token } from './context.js';
import { refuse } from './errors.js';

/** Request bodies above this many bytes are refused. */
export const BODY_LIMIT = 64 * 1024;

export function useMiddleware(app: Hono<Env>, p: Portal): void {
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
      strictTransportSecurity: p.secureCookies ? 'max-age=15552000; includeSubDomains' : false,
    }),
  );
  app.use(bodyLimit({ maxSize: BODY_LIMIT, onError: (c) => refuse(c, p, 413, MESSAGES.tooLarge) }));

  // Session, CSRF binding and the origin check for every request.
  app.use(async (c, next) => {
    const sessionCookie = getCookie(c, SESSION_COOKIE);
    let session: Session | undefined;
    let user: User | undefined;
    if (sessionCookie) {
      session = await p.store.getSession(sha256(sessionCookie), p.now());
      if (session) user = await p.store.getUserById(session.userId);
      if (!user) session = undefined;
    }
    c.set('session', session);
    c.set('user', user);
    let binding = session ? sessionCookie : getCookie(c, ANON_COOKIE);
    if (c.req.method === 'GET' && !binding) {
      binding = token();
      setCookie(c, ANON_COOKIE, binding, p.cookieOpts(24 * 3600_000));
    }
    c.set('binding', binding);

    // Signing out of a session that already ended (a deleted key, a policy change) changes
    // nothing, so it needs no token: the page goes to sign-in instead of "This form expired".
    if (c.req.method === 'POST' && c.req.path === '/signout' && !session) return c.redirect('/signin', 303);

    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const o = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      const originOk = o ? o === p.origin : site === undefined || site === 'same-origin' || site === 'none';
      let given: unknown = c.req.header('x-csrf-token');
      if (!c.req.path.startsWith('/api/')) {
        // Forms: read the body once here (hono keeps it for the route), so a body that is not a
        // form is a 400 rather than an error deep in a route.
        let form: Record<string, unknown>;
        try {
          form = await c.req.parseBody();
        } catch {
          return refuse(c, p, 400, MESSAGES.badRequest);
        }
        given ??= form._csrf;
      }
      if (!originOk || !p.csrfOk(binding, given)) {
        return refuse(c, p, 403, MESSAGES.csrf);
      }
    }
    await next();
  });
}
