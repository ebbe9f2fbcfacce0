/**
 * The portal's HTTP application (Hono): a small factory that resolves the options once
 * (`http/context.ts`), applies the middleware (`http/middleware.ts`) and mounts the route modules
 * (`routes/`). Everything that must agree between instances lives in the store.
 */
import { Hono } from 'hono';
import { createPortalContext, type Env, type PortalOptions } from './http/context.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { useMiddleware } from './http/middleware.js';
import { adminRoutes } from './routes/admin.js';
import { securityInfoRoutes } from './routes/security-info.js';
import { signInRoutes } from './routes/signin.js';
import { staticRoutes } from './routes/static.js';

export {
  CHALLENGE_TTL_MS,
  type Limits,
  type ModelCatalog,
  type PortalOptions,
} from './http/context.js';

export async function createPortal(options: PortalOptions): Promise<Hono<Env>> {
  const p = await createPortalContext(options);
  const app = new Hono<Env>();
  useMiddleware(app, p);
  staticRoutes(app);
  signInRoutes(app, p);
  securityInfoRoutes(app, p);
  adminRoutes(app, p);

  app.onError(errorHandler(p));
  app.notFound(notFoundHandler(p));

  return app;
}
