/**
 * @fido2kit/cose: CBOR decode of an attestation object beside raw cbor-x and tiny-cbor (what
 * SimpleWebAuthn uses), and ES256 verifySignature per backend beside a bare node:crypto verify.
 */
import * as nodeCrypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  base64url,
  concatBytes,
  decode,
  encode,
  encodeCoseKey,
  jwkToCoseKey,
  sha256,
  verifySignature,
} from '@fido2kit/cose';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { Decoder } from 'cbor-x';
import { type BenchRow, opsPerSecond } from './measure.js';

export const title = '@fido2kit/cose';

/** A recorded packed attestation object if the vectors have one, else one of the same shape. */
function attestationObject(): { bytes: Uint8Array; label: string } {
  const file = fileURLToPath(
    new URL('../packages/cose/test/vectors/recorded/simplewebauthn.json', import.meta.url),
  );
  if (existsSync(file)) {
    const entries = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown[] } | unknown[];
    const list = (Array.isArray(entries) ? entries : (entries.entries ?? [])) as Record<string, unknown>[];
    for (const e of list) {
      const resp = (e.response ?? (e as { credential?: { response?: unknown } }).credential?.response) as
        | { attestationObject?: string }
        | undefined;
      const ao = resp?.attestationObject;
      if (typeof ao === 'string') {
        const bytes = base64url.decode(ao.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
        if (decode<Map<string, unknown>>(bytes, { canonical: false }).get('fmt') === 'packed') {
          return { bytes, label: `recorded (${String(e.name ?? e.test ?? 'SimpleWebAuthn test suite')})` };
        }
      }
    }
  }
  // Same shape and sizes as a YubiKey 5 packed attestation: ES256 key, 64-byte credential ID,
  // one ~700-byte certificate.
  const kp = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cose = encodeCoseKey(jwkToCoseKey(kp.publicKey.export({ format: 'jwk' }), { alg: -7 }));
  const head = new Uint8Array(37);
  head.set(sha256(new TextEncoder().encode('example.com')));
  head[32] = 0x45;
  const authData = concatBytes(
    head,
    new Uint8Array(16).fill(7),
    Uint8Array.of(0, 64),
    new Uint8Array(64).fill(9),
    cose,
  );
  const sig = new Uint8Array(nodeCrypto.sign('sha256', authData, kp.privateKey));
  const bytes = encode({
    fmt: 'packed',
    attStmt: { alg: -7, sig, x5c: [nodeCrypto.randomBytes(700)] },
    authData,
  });
  return { bytes, label: 'synthetic, YubiKey-5-shaped' };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { bytes, label } = attestationObject();
  const cborx = new Decoder({ mapsAsObjects: false, useRecords: false });
  // A server decodes a new buffer every time, and cbor-x caches per input buffer: every decoder
  // here gets a different copy on each call, from a pool made before timing.
  const pool = Array.from({ length: 4096 }, () => bytes.slice());
  let i = 0;
  const next = () => pool[i++ & 4095] as Uint8Array;
  const ours = await opsPerSecond(() => decode(next(), { canonical: false }));
  const raw = await opsPerSecond(() => cborx.decode(next()));
  const tiny = await opsPerSecond(() => decodeCBOR(next()));
  rows.push({
    name: `decode attestation object, ${bytes.length} B (${label})`,
    ours,
    theirs: raw,
    unit: 'ops/s',
    ratio: ours / raw,
    anchor: 'raw cbor-x',
  });
  rows.push({
    name: 'decode attestation object',
    ours,
    theirs: tiny,
    unit: 'ops/s',
    ratio: ours / tiny,
    anchor: '@levischuck/tiny-cbor',
  });

  // ES256: one key, one message, one DER signature, as an RP sees them
  const kp = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = encodeCoseKey(jwkToCoseKey(kp.publicKey.export({ format: 'jwk' }), { alg: -7 }));
  const data = nodeCrypto.randomBytes(37 + 32);
  const signature = new Uint8Array(nodeCrypto.sign('sha256', data, kp.privateKey));
  const bare = await opsPerSecond(() => nodeCrypto.verify('sha256', data, kp.publicKey, signature));
  for (const backend of ['node', 'webcrypto', 'noble'] as const) {
    if (!(await verifySignature({ publicKey, data, signature, backend })))
      throw new Error(`${backend} did not verify`);
    const ops = await opsPerSecond(
      () => verifySignature({ publicKey, data, signature, backend }),
      backend === 'noble' ? 3000 : 1500,
    );
    rows.push({
      name: `verifySignature ES256 (${backend} backend, COSE bytes in)`,
      ours: ops,
      theirs: bare,
      unit: 'ops/s',
      ratio: ops / bare,
      anchor: 'bare crypto.verify, KeyObject ready',
      goal: backend === 'node' ? '≥ 0.9×' : undefined,
    });
  }
  return rows;
}
