/**
 * The whole story in Debian's Chromium (playwright-core) with Chrome's own virtual authenticator
 * (DevTools WebAuthn domain: ctap2, usb, resident keys, user verification), so the browser, not
 * our code, produces the responses the portal verifies. Screenshots of each page go to
 * examples/web-portal/test-artifacts/.
 *
 * Attestation is enforced for real: Chrome's virtual authenticator answers `attestation: 'direct'`
 * with packed attestation and a single self-signed "Batch Certificate", minted per registration
 * but always under the same subject and fixed Chromium attestation key. A first run extracts it;
 * the test's signed metadata BLOB lists, as the attestation root of the model
 * 01020304-0506-0708-0102-030405060708, a trust anchor with that subject and key (see
 * chrome-anchor.ts), so the portal verifies the chain, requires it to be trusted, and names the model.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAttestationObject } from '@fido2kit/cose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal } from '../src/server.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { totpCode } from '../src/totp.js';
import { catalogOf, MODELS } from './catalog.js';
import { chromeTrustAnchor } from './chrome-anchor.js';
import { type KeyPage, launchChromium, pageWithAuthenticator, signInOnPage } from './chromium.js';
import { type Harness, startHarness } from './harness.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');

let browser: Browser;
let h: Harness;
let shot = 0;

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

/** A page in a fresh context with Chrome's virtual authenticator attached (USB). */
const pageWithKey = (): Promise<KeyPage> => pageWithAuthenticator(browser);

/** Chrome's virtual authenticator's attestation certificate, from a throwaway registration. */
async function chromeAttestationCertificate(): Promise<Uint8Array> {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  const portal = await startPortal({ store });
  const { context, page } = await pageWithKey();
  try {
    await page.goto(`${portal.url}/signin`);
    const attestationObject = await page.evaluate(async () => {
      const c = (await navigator.credentials.create({
        publicKey: {
          rp: { name: 'probe' },
          user: { id: new Uint8Array(16), name: 'probe', displayName: 'probe' },
          challenge: new Uint8Array(32),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          attestation: 'direct',
        },
      })) as PublicKeyCredential;
      const bytes = new Uint8Array((c.response as AuthenticatorAttestationResponse).attestationObject);
      return Array.from(bytes);
    });
    const att = parseAttestationObject(new Uint8Array(attestationObject));
    expect(att.fmt).toBe('packed');
    expect(att.authenticatorData.attestedCredentialData?.aaguidString).toBe(MODELS.chrome.aaguid);
    const x5c = (att.attStmt as Map<unknown, unknown>).get('x5c') as Uint8Array[];
    return x5c[0]!;
  } finally {
    await context.close();
    await portal.close();
    await store.close();
  }
}

const signIn = (page: Page, name: string, offsetMs = 0) => signInOnPage(page, h, name, offsetMs);

async function signOut(page: Page): Promise<void> {
  await page.click('#signout');
  await page.waitForURL('**/signin');
}

const messageOf = (page: Page) => page.locator('#message').textContent();

beforeAll(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  const chromeRoot = await chromeTrustAnchor(await chromeAttestationCertificate());
  h = await startHarness({
    metadata: await catalogOf([
      { ...MODELS.chrome, attestationRootCertificates: [chromeRoot] },
      MODELS.approved,
      MODELS.blocked,
    ]),
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the portal in Chromium with Chrome’s virtual authenticator', () => {
  let pilot: Awaited<ReturnType<typeof pageWithKey>>;

  it('the admin enables security keys for selected users, with attestation enforced and an allow list', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${h.portal.url}/`);
    await screenshot(page, 'sign-in');
    await page.fill('#username', 'admin');
    await page.fill('#password', h.accounts.admin!.password);
    await page.click('#password-submit');
    await page.waitForURL('**/signin/code');
    await screenshot(page, 'one-time-code');
    await page.fill('#code', await totpCode(h.accounts.admin!.user.totpSecret, h.now()));
    await page.click('#code-submit');
    await page.waitForURL('**/security-info');
    await page.click('text=Authentication methods');
    await expect.poll(() => page.locator('#fido2-enabled').textContent()).toBe('No');
    await screenshot(page, 'admin-authentication-methods');
    await page.click('#method-fido2');
    await page.check('#policy-enabled');
    await page.check('#target-selected');
    await page.check('input[name=include][data-username=alice]');
    await page.check('input[name=include][data-username=carol]');
    await page.check('#policy-self-service');
    await page.check('#policy-attestation');
    await page.check('#policy-restrict');
    await page.check('#mode-allow');
    const chromeRow = page.locator('#models tr', { hasText: MODELS.chrome.description });
    await chromeRow.locator('input[name=aaguid]').check();
    await page.click('#policy-save');
    await page.waitForURL('**/fido2?saved=1');
    expect(await messageOf(page)).toBe('Saved.');
    await screenshot(page, 'admin-fido2-policy');
    expect(await h.store.getPolicy()).toEqual({
      enabled: true,
      target: 'selected',
      includedGroupIds: [],
      includedUserIds: [h.accounts.alice!.user.id, h.accounts.carol!.user.id],
      excludedGroupIds: [],
      allowSelfServiceSetup: true,
      enforceAttestation: true,
      keyRestrictions: { enforced: true, mode: 'allow', aaguids: [MODELS.chrome.aaguid] },
    });
    await context.close();
  });

  it('a pilot user signs in with password and code, adds a key, names it, signs out, and signs in with the key and no username', async () => {
    pilot = await pageWithKey();
    const { page } = pilot;
    await signIn(page, 'alice');
    await screenshot(page, 'security-info-empty');
    await page.click('#add-method');
    await screenshot(page, 'add-sign-in-method');
    await page.click('#choose-security-key');
    await page.waitForURL('**/add-key');
    await screenshot(page, 'add-security-key');
    await page.click('#add-key-usb');
    await page.waitForURL('**/name');
    await screenshot(page, 'name-security-key');
    await page.fill('#key-name', 'Alice’s USB key');
    await page.click('#save-name');
    await page.waitForURL('**/security-info?named=1');
    const row = page.locator('tr.security-key');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.key-name').textContent()).toBe('Alice’s USB key');
    expect(await row.locator('.key-model').textContent()).toBe(MODELS.chrome.description);
    expect(await row.locator('.key-last-used').textContent()).toBe('Never');
    await screenshot(page, 'security-info-with-key');
    const [stored] = await h.store.listCredentials(h.accounts.alice!.user.id);
    expect(stored).toMatchObject({ attestationFormat: 'packed', aaguid: MODELS.chrome.aaguid });

    await signOut(page);
    await page.click('#signin-key');
    await page.waitForURL('**/security-info');
    expect(await page.locator('#signed-in-as').textContent()).toBe('Alice (alice)');
    expect(await page.locator('tr.security-key .key-last-used').textContent()).not.toBe('Never');
    await screenshot(page, 'signed-in-with-key');
  });

  it('a user outside the target cannot add a key', async () => {
    const { context, page } = await pageWithKey();
    await signIn(page, 'bob');
    await page.goto(`${h.portal.url}/security-info/add-key`);
    expect(await messageOf(page)).toBe(
      "Security keys aren't enabled for your account. Ask your administrator to include you.",
    );
    expect(await page.locator('#add-key-usb').count()).toBe(0);
    await screenshot(page, 'outside-target');
    await context.close();
  });

  it('a blocked model is refused, at registration and at sign-in, with the message shown', async () => {
    const admin = await browser.newContext();
    admin.setDefaultTimeout(10_000);
    const adminPage = await admin.newPage();
    await signIn(adminPage, 'admin', 30_000);
    await adminPage.goto(`${h.portal.url}/admin/authentication-methods/fido2`);
    await adminPage.check('#mode-block');
    await adminPage.click('#policy-save');
    await adminPage.waitForURL('**/fido2?saved=1');
    expect((await h.store.getPolicy()).keyRestrictions).toEqual({
      enforced: true,
      mode: 'block',
      aaguids: [MODELS.chrome.aaguid],
    });
    await admin.close();

    const other = await pageWithKey();
    await signIn(other.page, 'alice', 30_000);
    await other.page.goto(`${h.portal.url}/security-info/add-key`);
    await other.page.click('#add-key-nfc');
    const blocked = `This security key model (${MODELS.chrome.description}) is blocked by your organization. Use a different security key.`;
    await expect.poll(() => messageOf(other.page)).toBe(blocked);
    await screenshot(other.page, 'blocked-model-registration');
    await other.context.close();

    // Blocking the model ended the session Alice's key opened: her page is back at sign-in.
    const { page } = pilot;
    await page.goto(`${h.portal.url}/security-info`);
    await page.waitForURL('**/signin');
    await page.click('#signin-key');
    await expect.poll(() => messageOf(page)).toBe(blocked);
    await screenshot(page, 'blocked-model-sign-in');
    await h.setPolicy({
      keyRestrictions: { enforced: true, mode: 'allow', aaguids: [MODELS.chrome.aaguid] },
    });
  });

  it('a key holding two accounts signs in the one the browser returns (JSON fallback path)', async () => {
    const { page, cdp, authenticatorId } = pilot;
    // This page now runs without parse*FromJSON / toJSON, as older browsers do.
    await page.addInitScript(() => {
      const P = PublicKeyCredential as unknown as Record<string, unknown>;
      delete P.parseCreationOptionsFromJSON;
      delete P.parseRequestOptionsFromJSON;
      delete (PublicKeyCredential.prototype as unknown as Record<string, unknown>).toJSON;
    });
    await signIn(page, 'carol');
    await page.goto(`${h.portal.url}/security-info/add-key`);
    await page.click('#add-key-usb');
    await page.waitForURL('**/name');
    await page.fill('#key-name', 'Shared key');
    await page.click('#save-name');
    await page.waitForURL('**/security-info?named=1');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(2);
    const handles = new Set(
      credentials.map((c) => Buffer.from(c.userHandle!, 'base64').toString('base64url')),
    );
    expect(handles).toEqual(new Set([h.accounts.alice!.user.userHandle, h.accounts.carol!.user.userHandle]));
    await signOut(page);

    const verify = page.waitForRequest('**/api/signin/key/verify');
    await page.click('#signin-key');
    const sent = (await verify).postDataJSON() as { response: { response: { userHandle: string } } };
    await page.waitForURL('**/security-info');
    const chosen = Object.values(h.accounts).find(
      (a) => a.user.userHandle === sent.response.response.userHandle,
    )!;
    expect(['alice', 'carol']).toContain(chosen.user.username);
    expect(await page.locator('#signed-in-as').textContent()).toBe(
      `${chosen.user.displayName} (${chosen.user.username})`,
    );
    await screenshot(page, 'two-accounts-signed-in');
  });

  it('renames and deletes a key from Security info', async () => {
    const { page } = pilot;
    await page.goto(`${h.portal.url}/security-info`);
    await page.click('tr.security-key >> text=Rename');
    await page.fill('#key-name', 'Renamed key');
    await page.click('#save-name');
    await page.waitForURL('**/security-info?named=1');
    expect(await page.locator('tr.security-key .key-name').textContent()).toBe('Renamed key');
    page.once('dialog', (d) => void d.accept());
    await page.click('tr.security-key .delete-key');
    // This page signed in with that key: deleting it ends this session too.
    await page.waitForURL('**/signin?keyDeleted=1');
    expect(await messageOf(page)).toBe(
      'You deleted the security key you signed in with, so you were signed out. Sign in again.',
    );
    expect(await h.store.countCredentials()).toBe(1);
    await screenshot(page, 'key-deleted');
    await pilot.context.close();
  });
});
