/**
 * Every runtime (issue 17): @fido2kit/ctap2's WebAuthnClient enrols and signs in on
 * @fido2kit/virtual-authenticator, verified by this package, inside Chromium, Bun and Deno
 * (client-flow.ts, bundled by the shared harness). Not skipped: a missing runtime fails, since
 * ctap2 and virtual-authenticator promise to run there. Chromium runs under
 * `flock /tmp/fido2kit-chromium.lock` on shared machines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_FLOW_CASES, clientFlow } from './client-flow.js';
import type { CheckResult } from './harness/check.js';
import {
  bundle,
  CHROMIUM,
  installed,
  launchChromium,
  RUNTIMES,
  runIn,
  servePage,
} from './harness/runtimes.js';

const FLOW = new URL('./client-flow.ts', import.meta.url);
const CHECKS = 1 + 2 * CLIENT_FLOW_CASES.length;

function expectAllPassed(results: CheckResult[]): void {
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results).toHaveLength(CHECKS);
}

it('the flow passes in Node (the reference for the other runtimes)', async () => {
  expectAllPassed(await clientFlow());
}, 60_000);

describe.each(RUNTIMES)('$name', (runtime) => {
  let code = '';
  beforeAll(async () => {
    code = await bundle(FLOW, 'neutral');
  }, 60_000);
  it('enrols and signs in: WebAuthnClient + VirtualAuthenticator, verified by rp', () => {
    expect(installed(runtime.path), `${runtime.path} (npm package "${runtime.name}") is missing`).toBe(true);
    const results = runIn(runtime, code, 'clientFlow', 150_000) as CheckResult[];
    expectAllPassed(results);
    // both runtimes reach node:crypto through process.getBuiltinModule, as in rp's smoke test
    expect(results[0]?.name).toBe('backend: node');
  }, 180_000);
});

describe('chromium', () => {
  let page: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let site: Awaited<ReturnType<typeof servePage>> | undefined;
  beforeAll(async () => {
    expect(installed(CHROMIUM), `${CHROMIUM} (Debian package chromium) is missing`).toBe(true);
    site = await servePage('<!doctype html><meta charset="utf-8"><title>fido2kit ctap2</title>', {
      '/flow.js': await bundle(FLOW, 'browser'),
    });
    page = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await page?.close();
    await site?.close();
  });
  it('enrols and signs in inside a page: WebAuthnClient + VirtualAuthenticator, verified by rp', async () => {
    const p = page?.context.pages()[0] ?? (await page?.context.newPage());
    if (p === undefined || site === undefined) throw new Error('chromium did not start');
    await p.goto(`${site.origin}/`);
    // a string, so the test runner's transform leaves the page's dynamic import alone
    const results = (await p.evaluate("import('/flow.js').then((m) => m.clientFlow())")) as CheckResult[];
    expectAllPassed(results);
    // no node:crypto in a page: WebCrypto (or noble) carries the signatures
    expect(results[0]?.name).not.toBe('backend: node');
  }, 120_000);
});
