/**
 * Responses produced by a real browser: Debian's Chromium, driven by playwright-core, with
 * Chrome's own virtual authenticator (DevTools `WebAuthn` domain). The page runs
 * navigator.credentials.create/get with options from this package (through
 * PublicKeyCredential.parseCreationOptionsFromJSON / toJSON), and this package verifies what the
 * browser returns: a packed registration and a discoverable, usernameless sign-in.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64url } from '@fido2kit/cose';
import * as swa from '@simplewebauthn/server';
import { build } from 'esbuild';
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
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
  let server: Server;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let origin: string;
  let userDataDir: string;

  beforeAll(async () => {
    // The portable packages' smoke test, bundled for the browser.
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser-smoke.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@fido2kit/source'],
      write: false,
      logLevel: 'silent',
    });
    const smokeJs = bundle.outputFiles[0]!.contents;
    server = createServer((req, res) => {
      if (req.url === '/smoke.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(smokeJs);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'fido2kit-rp-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
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
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
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
