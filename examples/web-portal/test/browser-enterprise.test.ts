/**
 * Groups, sign-in activity and passkey autofill in Debian's Chromium (playwright-core) with Chrome's
 * virtual authenticators (DevTools WebAuthn domain). Screenshots go to docs/screenshots/ (checked
 * in, referenced from the README).
 *
 * What Chrome's virtual authenticator can and cannot drive for autofill (conditional mediation):
 * - With only a USB (cross-platform) authenticator attached, `isConditionalMediationAvailable()`
 *   is false in this Chromium: a security key cannot be listed without a touch, so browsers never
 *   offer it in the username box. The button stays the way in for security keys.
 * - With an `internal` (platform) virtual authenticator holding a discoverable credential, the
 *   conditional request is available and, with automatic presence simulation, Chrome answers it
 *   without showing the autofill list: the test sees the whole ceremony but not the list itself
 *   (it cannot open, read or pick from the suggestion dropdown, which is browser UI, not page DOM).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogOf, MODELS } from './catalog.js';
import { launchChromium, pageWithAuthenticator, signInOnPage } from './chromium.js';
import { type Harness, startHarness } from './harness.js';

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

let browser: Browser;
let h: Harness;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

const VIEWPORT = { width: 1000, height: 700 };
const withAuthenticator = (transport: 'usb' | 'internal') =>
  pageWithAuthenticator(browser, transport, VIEWPORT);

/** Password + code; the clock moves a TOTP step first (each code is accepted once). */
async function signIn(page: Page, name: string): Promise<void> {
  h.advance(30_000);
  await signInOnPage(page, h, name);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  h = await startHarness({
    names: ['admin', 'alice', 'bob', 'carol'],
    metadata: await catalogOf([MODELS.chrome, MODELS.approved, MODELS.blocked]),
    metadataSource: 'a test metadata BLOB',
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('groups, activity and autofill in Chromium', () => {
  let admin: Page;
  let alice: Awaited<ReturnType<typeof withAuthenticator>>;

  it('the admin creates groups, adds members, includes one group and excludes another', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(10_000);
    admin = await context.newPage();
    await signIn(admin, 'admin');
    await admin.click('nav >> text=Groups');
    for (const name of ['Pilot', 'Contractors']) {
      await admin.fill('#group-name', name);
      await admin.click('#create-group');
      await admin.waitForURL('**/admin/groups?saved=1');
    }
    const addMember = async (group: string, label: string) => {
      const section = admin.locator(`section[data-group="${group}"]`);
      await section.locator('select[name=userId]').selectOption({ label });
      await section.locator('button:has-text("Add")').click();
      await admin.waitForURL('**/admin/groups?saved=1');
    };
    await addMember('Pilot', 'Alice (alice)');
    await addMember('Pilot', 'Bob (bob)');
    await addMember('Contractors', 'Bob (bob)');
    expect(await admin.locator('section[data-group="Pilot"] li').allTextContents()).toHaveLength(2);
    await shot(admin, 'admin-groups');

    await admin.goto(`${h.portal.url}/admin/authentication-methods/fido2`);
    await admin.check('#policy-enabled');
    await admin.check('#target-selected');
    await admin.check('#include-groups input[data-group=Pilot]');
    await admin.check('#exclude-groups input[data-group=Contractors]');
    await admin.check('#policy-self-service');
    await admin.click('#policy-save');
    await admin.waitForURL('**/fido2?saved=1');
    const scope = async (u: string) => admin.locator(`#scope tr[data-username=${u}] td`).nth(1).textContent();
    expect(await scope('alice')).toBe('Yes: member of Pilot');
    expect(await scope('bob')).toBe('No: excluded (member of Contractors)');
    expect(await scope('carol')).toBe('No: not in a selected group');
    expect(await admin.locator('#metadata-note').textContent()).toBe(
      'Metadata loaded: a test metadata BLOB, 3 model(s) with an AAGUID.',
    );
    expect(await admin.locator('#models').textContent()).toContain(MODELS.chrome.description);
    await shot(admin, 'admin-fido2-groups-scope');
  });

  it('a member of the included group adds a key; an excluded member is not offered one', async () => {
    alice = await withAuthenticator('usb');
    const { page } = alice;
    await signIn(page, 'alice');
    await page.click('#add-method');
    await page.click('#choose-security-key');
    await page.click('#add-key-usb');
    await page.waitForURL('**/name');
    await page.fill('#key-name', 'Blue key');
    await page.click('#save-name');
    await page.waitForURL('**/security-info?named=1');
    expect(await page.locator('tr.security-key .key-name').textContent()).toBe('Blue key');

    const bob = await browser.newContext({ viewport: { width: 1000, height: 500 } });
    const bobPage = await bob.newPage();
    await signIn(bobPage, 'bob');
    await bobPage.click('#add-method');
    expect(await bobPage.locator('#choose-security-key').count()).toBe(0);
    expect(await bobPage.locator('#no-methods').textContent()).toContain(
      "Security keys aren't enabled for your account.",
    );
    await shot(bobPage, 'add-method-excluded');
    await bob.close();
  });

  it('shows the user their recent activity and the admin everyone’s, filtered', async () => {
    const { page } = alice;
    await page.goto(`${h.portal.url}/security-info`);
    const rows = page.locator('#activity tr.activity-row');
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const text = await page.locator('#activity').textContent();
    expect(text).toContain('Sign-in: password + one-time code');
    expect(text).toContain('Security key renamed');
    expect(text).toContain('Security key added');
    await shot(page, 'security-info-recent-activity');

    await admin.goto(`${h.portal.url}/admin/activity`);
    await admin.selectOption('#filter-user', 'alice');
    await admin.selectOption('#filter-kind', 'security-info');
    await admin.click('#filter-apply');
    await admin.waitForURL('**/admin/activity?user=alice&kind=security-info&result=');
    const adminRows = await admin.locator('#activity tr.activity-row').allTextContents();
    expect(adminRows).toHaveLength(2);
    for (const r of adminRows) expect(r).toContain('Alice (alice)');
    await shot(admin, 'admin-activity-filtered');
  });

  it('autofill: not offered for a USB security key; a platform passkey signs in through it', async () => {
    const { page, cdp, authenticatorId } = alice;
    await page.click('#signout');
    await page.waitForURL('**/signin');
    expect(await page.locator('#username').getAttribute('autocomplete')).toBe('username webauthn');
    expect(await page.evaluate(() => PublicKeyCredential.isConditionalMediationAvailable())).toBe(false);
    expect(await page.evaluate(() => document.body.dataset.conditional)).toBeUndefined();
    await shot(page, 'sign-in-autofill-field');

    // The same credential on a platform authenticator (as a synced passkey would be).
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    const platform = await withAuthenticator('internal');
    await platform.cdp.send('WebAuthn.addCredential', {
      authenticatorId: platform.authenticatorId,
      credential: { ...credentials[0]!, backupEligibility: false, backupState: false },
    });
    const verify = platform.page.waitForRequest('**/api/signin/key/verify');
    await platform.page.goto(`${h.portal.url}/signin`);
    // No click: the conditional request started with the page is answered, and the portal signs in.
    await verify;
    await platform.page.waitForURL('**/security-info');
    expect(await platform.page.locator('#signed-in-as').textContent()).toBe('Alice (alice)');
    const last = await h.store.listActivity({ userId: h.accounts.alice!.user.id, limit: 1 });
    expect(last[0]).toMatchObject({ action: 'security key', result: 'success', keyName: 'Blue key' });
    await shot(platform.page, 'signed-in-through-autofill');
    await platform.context.close();
    await alice.context.close();
  });
});
