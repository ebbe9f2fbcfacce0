/**
 * The portal as a newcomer meets it (issue 19): it names what metadata is loaded and ships the
 * virtual key model's statement by default, serves a favicon, and a second instance on a busy port
 * says which port in one line (a child process, as `npm run start` runs it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator, virtualKeyModel } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalMetadata } from '../src/metadata.js';
import { catalogOf, MODELS } from './catalog.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  const m = await portalMetadata({});
  h = await startHarness({ names: ['admin', 'alice'], metadata: m.catalog, metadataSource: m.source });
});
afterAll(async () => {
  await h?.close();
});

describe('metadata', () => {
  it('loads the virtual key model by default and says so on the policy page', async () => {
    const admin = await h.signIn('admin');
    const page = (await admin.get('/admin/authentication-methods/fido2')).text;
    expect(page).toContain(
      'Metadata loaded: the fido2kit Virtual Security Key statement shipped with @fido2kit/virtual-authenticator (test keys only), 1 model(s) with an AAGUID.',
    );
    expect(page).toContain(
      `<td>fido2kit Virtual Security Key</td><td><code>${virtualKeyModel.aaguid}</code>`,
    );
  });

  it('approves every virtual key of the model with attestation enforced and an allow list', async () => {
    await h.setPolicy({
      enabled: true,
      enforceAttestation: true,
      keyRestrictions: { enforced: true, mode: 'allow', aaguids: [virtualKeyModel.aaguid] },
    });
    const alice = await h.signIn('alice', 30_000);
    // A fresh key with the defaults: the model's AAGUID and its shipped batch chain.
    const key = new VirtualAuthenticator({ fingerprints: 1 });
    const r = await alice.addSecurityKey(new WebAuthnClient({ device: key.device(), origin: h.portal.url }));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await h.store.getCredential(String(r.json.id))).toMatchObject({
      aaguid: virtualKeyModel.aaguid,
      attestationFormat: 'packed',
      name: 'fido2kit Virtual Security Key',
    });
  });

  it('with a BLOB, loads the BLOB alone unless the virtual model is asked for', async () => {
    // The test BLOB from catalog.ts, as MDS_BLOB would name it.
    const { createMetadataBlob, createMetadataEntry, createTestPki } = await import(
      '@fido2kit/attestation/testing'
    );
    const pki = await createTestPki({ name: 'Newcomer MDS' });
    const blob = await createMetadataBlob({ pki, no: 7, entries: [createMetadataEntry(MODELS.approved)] });
    const only = await portalMetadata({ blob, root: pki.root.pem, crls: pki.crls });
    expect(only.source).toBe('the FIDO MDS3 BLOB no. 7');
    expect(only.catalog.findByAaguid(virtualKeyModel.aaguid)).toBeUndefined();
    expect(only.catalog.findByAaguid(MODELS.approved.aaguid)?.metadataStatement?.description).toBe(
      MODELS.approved.description,
    );
    const both = await portalMetadata({ blob, root: pki.root.pem, crls: pki.crls, virtualKeyModel: true });
    expect(both.catalog.findByAaguid(virtualKeyModel.aaguid)?.metadataStatement?.description).toBe(
      'fido2kit Virtual Security Key',
    );
    expect(both.catalog.entries).toHaveLength(2);
    expect(await catalogOf([])).toBeDefined();
  });
});

describe('favicon', () => {
  it('names an icon on every page and answers /favicon.ico', async () => {
    const c = h.client();
    expect((await c.get('/signin')).text).toContain('<link rel="icon" href="/static/favicon.svg"');
    const ico = await fetch(new URL('/favicon.ico', h.portal.url));
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toBe('image/svg+xml');
    expect((await c.get('/static/favicon.svg')).status).toBe(200);
  });
});

describe('a second instance on a busy port', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const dataDir = mkdtempSync(join(tmpdir(), 'portal-newcomer-'));
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const p of started) p.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (port: number) => {
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      ['--conditions=@fido2kit/source', 'examples/web-portal/src/main.ts'],
      { cwd: root, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir } },
    );
    started.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    return { child, out: () => out, err: () => err };
  };

  it('prints one line naming the port and how to pick another, and no stack trace', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const first = start(port);
    await expect.poll(first.out, { timeout: 30_000 }).toContain('Seeded accounts');
    expect(first.out()).toContain('Contoso sign-in portal:');
    expect(first.out()).toContain(
      'Metadata: the fido2kit Virtual Security Key statement shipped with @fido2kit/virtual-authenticator (test keys only). For real keys, set MDS_BLOB',
    );
    const second = start(port);
    const code = await new Promise<number | null>((resolve) => second.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(second.err().trim()).toBe(
      `Port ${port} is already in use (another portal?). Pick another one: PORT=${port + 1} npm run start -w examples/web-portal`,
    );
  }, 60_000);
});
