/**
 * The one harness for running fido2kit's portable packages outside Node in the test suite:
 * bundling a test module with esbuild (workspace packages from their sources), running it in Bun
 * and Deno (the `bun` and `deno` npm packages), and launching Debian's Chromium through
 * playwright-core. Used by runtimes.test.ts, chromium.browser.test.ts and
 * webauthn-client-runtimes.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';

const bin = (name: string) =>
  fileURLToPath(new URL(`../../../../node_modules/.bin/${name}`, import.meta.url));

/** A JavaScript runtime other than Node, from its npm package's binary. */
export interface Runtime {
  readonly name: 'bun' | 'deno';
  readonly path: string;
  args(file: string): string[];
}

/** Bun and Deno. */
export const RUNTIMES: readonly Runtime[] = [
  { name: 'bun', path: bin('bun'), args: (f) => ['run', f] },
  { name: 'deno', path: bin('deno'), args: (f) => ['run', '--quiet', '--allow-read', '--allow-env', f] },
];

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when the binary is there. */
export const installed = (path: string): boolean => existsSync(path);

/**
 * Bundles a test module and what it imports into one ES module: `neutral` for Bun and Deno (no
 * Node built-ins assumed), `browser` for a page.
 */
export async function bundle(entry: URL, platform: 'neutral' | 'browser'): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'esm',
    platform,
    ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
    target: 'es2022',
    conditions: ['@fido2kit/source'],
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text as string;
}

/**
 * Runs `await module[exported]()` of a bundled module in a runtime and returns what it
 * resolved to (printed as JSON on the last line of stdout).
 */
export function runIn(runtime: Runtime, code: string, exported: string, timeoutMs = 120_000): unknown {
  const dir = mkdtempSync(join(tmpdir(), `fido2kit-${runtime.name}-`));
  try {
    writeFileSync(join(dir, 'module.mjs'), code);
    writeFileSync(
      join(dir, 'run.mjs'),
      `import * as m from './module.mjs';\nconsole.log(JSON.stringify(await m[${JSON.stringify(exported)}]()));\n`,
    );
    const out = execFileSync(runtime.path, runtime.args(join(dir, 'run.mjs')), {
      cwd: dir,
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return JSON.parse(out.trim().split('\n').pop() as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A local page server: `/` is `html`, other paths the scripts given. */
export async function servePage(
  html: string,
  scripts: Record<string, string> = {},
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const script = scripts[req.url ?? ''];
    if (script !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headless Chromium in a throw-away profile; `close()` removes the profile too. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'fido2kit-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
