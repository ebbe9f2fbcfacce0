/** The stylesheet, the browser script and the icon, read once at start. */
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { Env } from '../http/context.js';

/** A Map, not an object: `/static/__proto__` or `/static/constructor` must find nothing. */
const STATIC = new Map<string, [string, string]>([
  [
    'portal.css',
    ['text/css; charset=utf-8', readFileSync(new URL('../ui/portal.css', import.meta.url), 'utf8')],
  ],
  [
    'portal.js',
    ['text/javascript; charset=utf-8', readFileSync(new URL('../ui/portal.js', import.meta.url), 'utf8')],
  ],
  ['favicon.svg', ['image/svg+xml', readFileSync(new URL('../ui/favicon.svg', import.meta.url), 'utf8')]],
]);

export function staticRoutes(app: Hono<Env>): void {
  app.get('/static/:file', (c) => {
    const f = STATIC.get(c.req.param('file'));
    if (!f) return c.notFound();
    return c.body(f[1], 200, { 'content-type': f[0], 'cache-control': 'no-cache' });
  });
  // Browsers ask for /favicon.ico when a page names no icon (ours do name one): answer it too.
  const icon = STATIC.get('favicon.svg')!;
  app.get('/favicon.ico', (c) =>
    c.body(icon[1], 200, { 'content-type': icon[0], 'cache-control': 'max-age=86400' }),
  );
}
