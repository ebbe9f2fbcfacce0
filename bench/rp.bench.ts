/**
 * @fido2kit/rp: verifyAuthenticationResponse (ES256) beside @simplewebauthn/server on the same
 * input and beside a bare node:crypto verify; verifyRegistrationResponse (packed, full x5c, with a
 * metadata lookup) beside @simplewebauthn/server; and the browser/edge bundle size of both.
 */
import * as nodeCrypto from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { base64url, encodeCoseKey, jwkToCoseKey } from '@fido2kit/cose';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@fido2kit/rp';
import * as swa from '@simplewebauthn/server';
import { build } from 'esbuild';
import { type BenchRow, opsPerSecond } from './measure.js';

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

async function authenticationRows(): Promise<BenchRow[]> {
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
    swa.verifyAuthenticationResponse({
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

  const oursOps = await opsPerSecond(ours, 2000);
  const theirOps = await opsPerSecond(theirs, 2000);
  const rawOps = await opsPerSecond(raw, 2000);
  return [
    {
      name: 'verifyAuthenticationResponse ES256',
      ours: oursOps,
      theirs: theirOps,
      unit: 'ops/s',
      ratio: oursOps / theirOps,
      anchor: '@simplewebauthn/server',
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
 * A packed registration with a full x5c chain, from the virtual authenticator through the
 * WebAuthn client, and a metadata catalog whose entry names the chain's root.
 */
async function packedRegistration() {
  const [{ VirtualAuthenticator }, { WebAuthnClient }] = await Promise.all([
    import('@fido2kit/virtual-authenticator'),
    import('@fido2kit/ctap2'),
  ]);
  const authenticator = new VirtualAuthenticator({ attestation: 'packed' } as never);
  const client = new WebAuthnClient({ device: authenticator.device(), origin: ORIGIN } as never);
  const options = {
    rp: { name: 'Bench', id: RP_ID },
    user: { id: base64url.encode(new Uint8Array(16).fill(1)), name: 'bench', displayName: 'Bench' },
    challenge: CHALLENGE,
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    attestation: 'direct',
    authenticatorSelection: { userVerification: 'discouraged' },
  };
  const response = (await (client as unknown as { create(o: unknown): Promise<unknown> }).create(
    options,
  )) as {
    response: { attestationObject: string };
  };
  const attObj = (await import('@fido2kit/cose')).decode<Map<string, unknown>>(
    base64url.decode(response.response.attestationObject),
    { canonical: false },
  );
  const x5c = (attObj.get('attStmt') as Map<string, unknown>).get('x5c') as Uint8Array[];
  const root =
    (authenticator as unknown as { attestationRoot?: Uint8Array; caCertificate?: Uint8Array })
      .attestationRoot ?? (authenticator as unknown as { caCertificate?: Uint8Array }).caCertificate;
  return { response, x5c, root, aaguid: (authenticator as unknown as { aaguid?: string }).aaguid };
}

async function registrationRows(): Promise<BenchRow[]> {
  let reg: Awaited<ReturnType<typeof packedRegistration>>;
  try {
    reg = await packedRegistration();
  } catch (e) {
    return [
      {
        name: `verifyRegistrationResponse packed x5c (skipped: ${(e as Error).message.slice(0, 60)})`,
        ours: Number.NaN,
        unit: 'ops/s',
      },
    ];
  }
  const rootB64 = reg.root ? Buffer.from(reg.root).toString('base64') : undefined;
  const entry = {
    aaguid: reg.aaguid,
    metadataStatement: {
      aaguid: reg.aaguid,
      description: 'fido2kit virtual authenticator',
      attestationRootCertificates: rootB64 ? [rootB64] : [],
      attestationTypes: ['basic_full'],
    },
    statusReports: [{ status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' }],
  };
  const metadata = { findByAaguid: (a: string) => (a === reg.aaguid ? entry : undefined) };
  const ours = () =>
    verifyRegistrationResponse({
      response: reg.response as never,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: false,
      attestation: { metadata, trustAnchors: reg.root ? [reg.root] : [] },
    });
  const theirs = () =>
    swa.verifyRegistrationResponse({
      response: reg.response as never,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
  try {
    await ours();
  } catch (e) {
    return [
      {
        name: `verifyRegistrationResponse packed x5c (ours failed: ${(e as Error).message.slice(0, 60)})`,
        ours: Number.NaN,
        unit: 'ops/s',
      },
    ];
  }
  const t = await theirs();
  if (!t.verified) throw new Error('rp bench: SimpleWebAuthn rejected the packed registration');
  const oursOps = await opsPerSecond(ours, 2000);
  const theirOps = await opsPerSecond(theirs, 2000);
  return [
    {
      name: 'verifyRegistrationResponse packed full x5c + metadata',
      ours: oursOps,
      theirs: theirOps,
      unit: 'ops/s',
      ratio: oursOps / theirOps,
      anchor: '@simplewebauthn/server',
      goal: '≥ 3×',
    },
  ];
}

async function bundleSize(entry: string, conditions: string[]): Promise<number> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions,
    write: false,
    logLevel: 'silent',
    absWorkingDir: new URL('.', import.meta.url).pathname,
  });
  return r.outputFiles.reduce((n, f) => n + gzipSync(f.contents).length, 0);
}

async function bundleRows(): Promise<BenchRow[]> {
  const ours = await bundleSize(new URL('../packages/rp/src/index.ts', import.meta.url).pathname, [
    '@fido2kit/source',
  ]);
  const theirs = await bundleSize('@simplewebauthn/server', []);
  return [
    {
      name: 'browser/edge bundle (esbuild minified + gzip)',
      ours: ours / 1024,
      theirs: theirs / 1024,
      unit: 'KiB',
      ratio: theirs / ours,
      anchor: '@simplewebauthn/server',
      goal: '> 1× (smaller)',
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  return [...(await authenticationRows()), ...(await registrationRows()), ...(await bundleRows())];
}
