/** Starts the portal on a port (Node's HTTP server through @hono/node-server). */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createPortal, type PortalOptions } from './app.js';

export interface RunningPortal {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `origin` defaults to `http://localhost:<port>` (browsers treat localhost as a secure context,
 * so WebAuthn works over plain HTTP there).
 */
export async function startPortal(
  options: Omit<PortalOptions, 'origin'> & { origin?: string; port?: number; hostname?: string },
): Promise<RunningPortal> {
  const hostname = options.hostname ?? '127.0.0.1';
  let fetchImpl: ((req: Request, env: unknown) => Response | Promise<Response>) | undefined;
  const server = serve({ fetch: (req, env) => fetchImpl!(req, env), port: options.port ?? 0, hostname });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const origin = options.origin ?? `http://localhost:${port}`;
  const app = await createPortal({ ...options, origin });
  fetchImpl = app.fetch;
  return {
    url: origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
