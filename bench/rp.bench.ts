/**
 * @fido2kit/rp: verifyAuthenticationResponse (ES256) beside @simplewebauthn/server on the same
 * input and beside a bare node:crypto verify; verifyRegistrationResponse (packed, full x5c, with a
 * metadata lookup) beside @simplewebauthn/server; and the browser/edge bundle size of both.
 */
import { spawnSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { base64url, encodeCoseKey, jwkToCoseKey, type RegistrationResponseJSON } from '@fido2kit/cose';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@fido2kit/rp';
import * as swa from '@simplewebauthn/server';
import { build } from 'esbuild';
import { type BenchRow, opsPerSecond } from './measure.js';

/**
 * Interleaved rounds on a shared, busy machine: each function runs for `ms` per round, in turn,
 * and the best round of each counts, so a burst of load elsewhere does not land on one side.
 */
async function bestOf(fns: (() => unknown)[], rounds = 8, ms = 300): Promise<number[]> {
  const best = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [i, fn] of fns.entries()) best[i] = Math.max(best[i] as number, await opsPerSecond(fn, ms));
  }
  return best;
}

export const title = '@fido2kit/rp';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const CHALLENGE = base64url.encode(new Uint8Array(32).fill(42));
const sha256 = (b: Uint8Array | string) => new Uint8Array(nodeCrypto.createHash('sha256').update(b).digest());

/** One ES256 credential and an assertion from it, as a browser would send it. */
function es256Assertion() {
  const kp = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cose = encodeCoseKey(jwkToCoseKey(kp.publicKey.export({ format: 'jwk' }), { alg: -7 }));
  const credentialId = sha256('bench-credential').subarray(0, 16);
  const clientDataJSON = new TextEncoder().encode(
    JSON.stringify({ type: 'webauthn.get', challenge: CHALLENGE, origin: ORIGIN, crossOrigin: false }),
  );
  const authData = new Uint8Array(37);
  authData.set(sha256(RP_ID));
  authData[32] = 0x05; // UP | UV
  authData[36] = 1; // signCount 1
  const signature = new Uint8Array(
    nodeCrypto.sign('sha256', new Uint8Array([...authData, ...sha256(clientDataJSON)]), kp.privateKey),
  );
  const id = base64url.encode(credentialId);
  return {
    kp,
    cose,
    id,
    authData,
    clientDataJSON,
    signature,
    response: {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        authenticatorData: base64url.encode(authData),
        signature: base64url.encode(signature),
        userHandle: base64url.encode(new TextEncoder().encode('user-1')),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform' as const,
    },
  };
}

/** What the rows need of a SimpleWebAuthn release (13.x and 14.x have the same call). */
export type SimpleWebAuthn = Pick<typeof swa, 'verifyAuthenticationResponse'>;

/**
 * verifyAuthenticationResponse, ours beside SimpleWebAuthn `theirs` (labelled `anchor`) and beside
 * a bare node:crypto verify, all in this process.
 */
export async function authenticationRows(
  their: SimpleWebAuthn = swa,
  anchor = '@simplewebauthn/server 13',
): Promise<BenchRow[]> {
  const a = es256Assertion();
  const ours = () =>
    verifyAuthenticationResponse({
      response: a.response,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: a.id, publicKey: a.cose, counter: 0 },
    });
  const theirs = () =>
    their.verifyAuthenticationResponse({
      response: a.response,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: a.id, publicKey: a.cose as Uint8Array<ArrayBuffer>, counter: 0 },
      requireUserVerification: true,
    });
  // Both must accept the input before they are timed.
  if (!(await ours()).verified || !(await theirs()).verified)
    throw new Error('rp bench: an assertion did not verify');
  const keyObject = a.kp.publicKey;
  const signed = new Uint8Array([...a.authData, ...sha256(a.clientDataJSON)]);
  const raw = () => nodeCrypto.verify('sha256', signed, { key: keyObject, dsaEncoding: 'der' }, a.signature);
  if (!raw()) throw new Error('rp bench: raw verify failed');

  const [oursOps = 0, theirOps = 0, rawOps = 0] = await bestOf([ours, theirs, raw]);
  return [
    {
      name: 'verifyAuthenticationResponse ES256',
      ours: oursOps,
      theirs: theirOps,
      unit: 'ops/s',
      ratio: oursOps / theirOps,
      anchor,
      goal: '≥ 5×',
    },
    {
      name: 'verifyAuthenticationResponse ES256 vs raw verify',
      ours: oursOps,
      theirs: rawOps,
      unit: 'ops/s',
      ratio: oursOps / rawOps,
      anchor: 'bare node:crypto verify, KeyObject ready',
      goal: '≥ 0.6×',
    },
  ];
}

/**
 * WebAuthn L3 §16.7 (packed, ES256, full x5c to the §16.1 test CA) from the cose package's vector
 * file, and a metadata entry for its AAGUID that names the CA as attestation root.
 */
function packedRegistration() {
  const file = fileURLToPath(
    new URL('../packages/cose/test/vectors/webauthn-l3-vectors.json', import.meta.url),
  );
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as {
    name: string;
    fields: Record<string, Record<string, string>>;
  }[];
  const caHex = (
    vectors.find((v) => v.name === 'attestation-ca')!.fields as unknown as Record<string, string>
  ).attestation_ca_cert!;
  const r = vectors.find((v) => v.name === 'packed.ES256')!.fields.registration!;
  const b64 = (h: string) => base64url.encode(new Uint8Array(Buffer.from(h, 'hex')));
  const id = b64(r.credential_id!);
  const a = r.aaguid!;
  const aaguid = `${a.slice(0, 8)}-${a.slice(8, 12)}-${a.slice(12, 16)}-${a.slice(16, 20)}-${a.slice(20)}`;
  const response: RegistrationResponseJSON = {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64(r.clientDataJSON!),
      attestationObject: b64(r.attestationObject!),
      transports: ['usb'],
    },
    clientExtensionResults: {},
  };
  return {
    response,
    challenge: b64(r.challenge!),
    aaguid,
    rootB64: Buffer.from(caHex, 'hex').toString('base64'),
  };
}

async function registrationRows(): Promise<BenchRow[]> {
  const reg = packedRegistration();
  const statement = {
    legalHeader: 'https://fidoalliance.org/metadata/metadata-statement-legal-header/',
    aaguid: reg.aaguid,
    description: 'WebAuthn L3 test vector authenticator',
    authenticatorVersion: 1,
    protocolFamily: 'fido2',
    schema: 3,
    upv: [{ major: 1, minor: 1 }],
    authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
    publicKeyAlgAndEncodings: ['cose'],
    attestationTypes: ['basic_full'],
    userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
    keyProtection: ['hardware'],
    matcherProtection: ['on_chip'],
    attachmentHint: ['external'],
    tcDisplay: [],
    attestationRootCertificates: [reg.rootB64],
  };
  const entry = {
    aaguid: reg.aaguid,
    metadataStatement: statement,
    statusReports: [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' }],
    timeOfLastStatusChange: '2024-01-01',
  };
  let lookups = 0;
  const metadata = {
    findByAaguid: (a: string) => {
      lookups++;
      return a === reg.aaguid ? (entry as never) : undefined;
    },
    findByCertificateKeyIdentifier: () => undefined,
  };
  const common = {
    response: reg.response,
    expectedChallenge: reg.challenge,
    expectedOrigin: 'https://example.org',
    expectedRPID: 'example.org',
    requireUserVerification: false,
  };
  const ours = () =>
    verifyRegistrationResponse({ ...common, attestation: { metadata, requireTrustedAttestation: true } });
  // SimpleWebAuthn's metadata lookup goes through its MetadataService singleton.
  await swa.MetadataService.initialize({ statements: [statement as never], verificationMode: 'strict' });
  const theirs = () => swa.verifyRegistrationResponse(common as never);
  const o = await ours();
  if (!o.attestation.trusted || lookups === 0)
    throw new Error('rp bench: our packed registration was not trusted via metadata');
  const t = await theirs();
  if (!t.verified) throw new Error('rp bench: SimpleWebAuthn rejected the packed registration');
  const [oursOps = 0, theirOps = 0] = await bestOf([ours, theirs]);
  return [
    {
      name: 'verifyRegistrationResponse packed full x5c + metadata (L3 §16.7)',
      ours: oursOps,
      theirs: theirOps,
      unit: 'ops/s',
      ratio: oursOps / theirOps,
      anchor: '@simplewebauthn/server',
      goal: '≥ 3×',
    },
  ];
}

/** Gzipped sizes of an esbuild browser bundle (minified, ESM, code splitting): the entry chunk and every chunk. */
async function bundleSize(entry: string, conditions: string[]): Promise<{ entry: number; total: number }> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: '/tmp/fido2kit-rp-bundle',
    conditions,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  });
  const gz = new Map(
    r.outputFiles
      .filter((f) => f.path.endsWith('.js'))
      .map((f) => [f.path, gzipSync(f.contents).length] as const),
  );
  const sizeOf = (out: string) => [...gz].find(([p]) => p.endsWith(out.replace(/^.*\//, '/')))?.[1] ?? 0;
  // What loads at import: the entry chunk and the chunks it imports statically, transitively.
  const outputs = r.metafile.outputs;
  const entryOut = Object.keys(outputs).find((k) => outputs[k]?.entryPoint !== undefined);
  const loaded = new Set<string>();
  const walk = (k: string) => {
    if (loaded.has(k)) return;
    loaded.add(k);
    for (const i of outputs[k]?.imports ?? [])
      if (i.kind === 'import-statement' && outputs[i.path]) walk(i.path);
  };
  if (entryOut) walk(entryOut);
  const entrySize = [...loaded].reduce((n, k) => n + sizeOf(k), 0);
  return { entry: entrySize, total: [...gz.values()].reduce((n, v) => n + v, 0) };
}

async function bundleRows(): Promise<BenchRow[]> {
  const ours = await bundleSize(fileURLToPath(new URL('../packages/rp/src/index.ts', import.meta.url)), [
    '@fido2kit/source',
  ]);
  const theirs = await bundleSize('@simplewebauthn/server', []);
  // each row sets a size of ours against the whole of SimpleWebAuthn's server bundle
  const row = (name: string, oursBytes: number): BenchRow => ({
    name,
    ours: oursBytes / 1024,
    theirs: theirs.total / 1024,
    unit: 'KiB',
    ratio: theirs.total / oursBytes,
    anchor: '@simplewebauthn/server, whole',
  });
  return [
    {
      ...row('browser/edge bundle, loaded at import (esbuild min + gzip)', ours.entry),
      goal: '> 1× (smaller)',
    },
    row('browser/edge bundle incl. lazy attestation chunk (pkijs)', ours.total),
  ];
}

/**
 * SimpleWebAuthn 14.1 needs Node ≥ 22: its row runs in a child process on the Node 24 binary
 * that scripts/node-versions.mjs installs from the registry (ours measured there too, same input).
 */
async function simpleWebAuthn14Rows(): Promise<BenchRow[]> {
  const { installNode } = (await import(
    fileURLToPath(new URL('../scripts/node-versions.mjs', import.meta.url))
  )) as { installNode: (major: number) => string };
  const node24 = installNode(24);
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const child = fileURLToPath(new URL('./rp-swa14.ts', import.meta.url));
  const r = spawnSync(node24, [tsx, '--conditions=@fido2kit/source', child], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`rp bench: the Node 24 run of SimpleWebAuthn 14.1 failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as BenchRow[];
}

export async function run(): Promise<BenchRow[]> {
  const [vs13, vsRaw] = await authenticationRows();
  return [
    { ...(vs13 as BenchRow), name: `${vs13?.name} (Node ${process.versions.node})` },
    ...(await simpleWebAuthn14Rows()),
    vsRaw as BenchRow,
    ...(await registrationRows()),
    ...(await bundleRows()),
  ];
}
