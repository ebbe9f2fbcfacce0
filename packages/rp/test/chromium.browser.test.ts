/**
 * Responses produced by a real browser: Debian's Chromium, driven by playwright-core, with
 * Chrome's own virtual authenticator (DevTools `WebAuthn` domain). The page runs
 * navigator.credentials.create/get with options from this package (through
 * PublicKeyCredential.parseCreationOptionsFromJSON / toJSON), and this package verifies what the
 * browser returns: a packed registration and a discoverable, usernameless sign-in.
 */
import { base64url } from '@fido2kit/cose';
import * as swa from '@simplewebauthn/server';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';
import { bundle, CHROMIUM, installed, launchChromium, servePage } from './harness/runtimes.js';

const present = installed(CHROMIUM);
if (!present) console.log(`note: ${CHROMIUM} is absent; the Chromium WebAuthn tests are skipped`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>fido2kit rp</title>
<script>
  window.register = async (json) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return (await navigator.credentials.create({ publicKey })).toJSON();
  };
  window.signIn = async (json) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return (await navigator.credentials.get({ publicKey })).toJSON();
  };
</script>`;

describe.skipIf(!present)('Chromium + DevTools virtual authenticator → verify', () => {
  let site: Awaited<ReturnType<typeof servePage>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let origin: string;

  beforeAll(async () => {
    // The portable packages' smoke test, bundled for the browser.
    site = await servePage(PAGE, {
      '/smoke.js': await bundle(new URL('./browser-smoke.ts', import.meta.url), 'browser'),
    });
    origin = site.origin;
    browser = await launchChromium();
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${origin}/`);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('registers with packed attestation and signs in usernameless with a discoverable credential', async () => {
    const rpID = 'localhost';
    const userId = new TextEncoder().encode('user-browser-1');
    const regOptions = generateRegistrationOptions({
      rpName: 'fido2kit test',
      rpID,
      user: { name: 'erin@example.com', id: userId, displayName: 'Erin' },
      attestation: 'direct',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      extensions: { credProps: true },
    });
    const regJSON = await page.evaluate(
      (o) => (window as unknown as { register(o: unknown): Promise<unknown> }).register(o),
      regOptions,
    );
    const reg = await verifyRegistrationResponse({
      response: regJSON as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      expectedExtensions: regOptions.extensions,
    });
    expect(reg.credential.attestationFormat).toBe('packed');
    expect(['basic', 'self']).toContain(reg.credential.attestationType);
    expect(reg.userVerified).toBe(true);
    expect(reg.credential.discoverable).toBe(true);
    expect(reg.credential.transports).toContain('usb');
    // SimpleWebAuthn agrees on the same browser response
    const theirs = await swa.verifyRegistrationResponse({
      response: regJSON as never,
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(theirs.verified).toBe(true);
    expect(base64url.encode(theirs.registrationInfo!.credential.publicKey)).toBe(
      base64url.encode(reg.credential.publicKey),
    );

    // Usernameless: no allowCredentials; the browser picks the discoverable credential.
    const authOptions = generateAuthenticationOptions({ rpID });
    expect(authOptions.allowCredentials).toBeUndefined();
    const authJSON = await page.evaluate(
      (o) => (window as unknown as { signIn(o: unknown): Promise<unknown> }).signIn(o),
      authOptions,
    );
    const auth = await verifyAuthenticationResponse({
      response: authJSON as never,
      expectedChallenge: authOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { ...reg.credential, userHandle: userId },
    });
    expect(auth.credentialId).toBe(reg.credential.id);
    expect(auth.userHandle).toBe(base64url.encode(userId));
    expect(auth.userVerified).toBe(true);
    expect(auth.newCounter).toBeGreaterThan(reg.credential.counter);

    // and the browser's response fails where it should
    await expect(
      verifyAuthenticationResponse({
        response: authJSON as never,
        expectedChallenge: authOptions.challenge,
        expectedOrigin: 'https://localhost',
        expectedRPID: rpID,
        credential: reg.credential,
      }),
    ).rejects.toMatchObject({ code: 'ERR_ORIGIN_MISMATCH' });
  }, 60_000);

  it('the portable packages (cose, attestation, rp) pass their smoke test inside Chromium', async () => {
    // A string, so the test runner's transform leaves the page's dynamic import alone.
    const results = (await page.evaluate("import('/smoke.js').then((m) => m.smoke())")) as {
      name: string;
      ok: boolean;
      detail?: string;
    }[];
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([]);
    expect(results[0]?.name).toBe('default backend: webcrypto');
    // 15 pairs × 3 checks on WebCrypto, 14 (no RSA in @noble) × 3 on noble, 2 registrations, 2 more
    expect(results.length).toBe(1 + 15 * 3 + 14 * 3 + 2 + 1);
    expect(results.filter((r) => r.name.startsWith('noble verifyAuthenticationResponse'))).toHaveLength(14);
  }, 120_000);
});
