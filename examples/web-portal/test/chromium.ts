/** What the Chromium suites share: the browser, a page with Chrome's virtual authenticator, password + code sign-in. */
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { totpCode } from '../src/totp.js';
import type { Harness } from './harness.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium (package chromium), headless. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });

export interface KeyPage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/**
 * A page in a fresh context with a Chrome virtual authenticator (DevTools WebAuthn domain:
 * CTAP2, resident keys, user verification, presence simulated) on `transport`.
 */
export async function pageWithAuthenticator(
  browser: Browser,
  transport: 'usb' | 'internal' = 'usb',
  viewport?: { width: number; height: number },
): Promise<KeyPage> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', {});
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId };
}

/** Password, then the code at the harness's clock + `offsetMs`, through the pages. */
export async function signInOnPage(page: Page, h: Harness, name: string, offsetMs = 0): Promise<void> {
  const a = h.accounts[name]!;
  await page.goto(`${h.portal.url}/signin`);
  await page.fill('#username', name);
  await page.fill('#password', a.password);
  await page.click('#password-submit');
  await page.waitForURL('**/signin/code');
  await page.fill('#code', await totpCode(a.user.totpSecret, h.now() + offsetMs));
  await page.click('#code-submit');
  await page.waitForURL('**/security-info');
}
