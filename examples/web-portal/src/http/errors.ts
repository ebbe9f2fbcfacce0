/**
 * How the portal answers what it cannot serve: a 4xx with a clear message for a bad request (JSON
 * under /api/, a page elsewhere), and for anything unexpected a plain 500 without internals,
 * logged once on one line.
 */
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MESSAGES } from '../messages.js';
import * as views from '../views.js';
import type { Ctx, Env, Portal } from './context.js';

/** A refusal in the form the caller reads: JSON for the API, a page for a browser. */
export function refuse(
  c: Ctx,
  p: Portal,
  status: ContentfulStatusCode,
  message: string,
): Response | Promise<Response> {
  if (c.req.path.startsWith('/api/')) return c.json({ error: message }, status);
  return c.html(views.errorPage(p.page(c, 'error', 'Something went wrong'), message), status);
}

const STATUS_MESSAGES: Partial<Record<number, string>> = {
  400: MESSAGES.badRequest,
  413: MESSAGES.tooLarge,
};

/** The error handler: HTTP errors keep their 4xx status, anything else is a logged 500. */
export function errorHandler(p: Portal): ErrorHandler<Env> {
  return (err, c) => {
    if (err instanceof HTTPException && err.status < 500)
      return refuse(c, p, err.status, STATUS_MESSAGES[err.status] ?? MESSAGES.badRequest);
    const detail = `${err.name}: ${err.message}`.replace(/\s+/g, ' ').slice(0, 300);
    p.log(`portal: ${c.req.method} ${c.req.path} failed: ${detail}`);
    return refuse(c, p, 500, MESSAGES.unexpected);
  };
}

export function notFoundHandler(p: Portal): NotFoundHandler<Env> {
  return (c) => refuse(c, p, 404, MESSAGES.notFound);
}
