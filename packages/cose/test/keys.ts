// Test keys made with node:crypto (an implementation independent of ours), with signatures.
import * as nodeCrypto from 'node:crypto';
import { type CosePublicKey, jwkToCoseKey } from '../src/index.js';

export interface Signed {
  name: string;
  alg: number;
  key: CosePublicKey;
  spki: Uint8Array;
  data: Uint8Array;
  signature: Uint8Array;
}

const data = new TextEncoder().encode('authenticatorData || clientDataHash');

function pair(type: string, opts: object) {
  return nodeCrypto.generateKeyPairSync(
    type as 'ec',
    opts as nodeCrypto.ECKeyPairOptions<'pem', 'pem'>,
  ) as unknown as {
    publicKey: nodeCrypto.KeyObject;
    privateKey: nodeCrypto.KeyObject;
  };
}

function make(
  name: string,
  alg: number,
  kp: ReturnType<typeof pair>,
  sign: (k: nodeCrypto.KeyObject) => Buffer,
): Signed {
  const jwk = kp.publicKey.export({ format: 'jwk' });
  return {
    name,
    alg,
    key: jwkToCoseKey(jwk, { alg, minRsaBits: 1024 }),
    spki: new Uint8Array(kp.publicKey.export({ format: 'der', type: 'spki' })),
    data,
    signature: new Uint8Array(sign(kp.privateKey)),
  };
}

let cached: Signed[] | undefined;

/** One signed message per algorithm verifySignature supports. */
export function signedSamples(): Signed[] {
  if (cached) return cached;
  const ec = (curve: string) => pair('ec', { namedCurve: curve });
  const rsa = pair('rsa', { modulusLength: 2048 });
  const pss = { padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING };
  cached = [
    make('ES256', -7, ec('P-256'), (k) => nodeCrypto.sign('sha256', data, k)),
    make('ESP256', -9, ec('P-256'), (k) => nodeCrypto.sign('sha256', data, k)),
    make('ES384', -35, ec('P-384'), (k) => nodeCrypto.sign('sha384', data, k)),
    make('ESP384', -51, ec('P-384'), (k) => nodeCrypto.sign('sha384', data, k)),
    make('ES512', -36, ec('P-521'), (k) => nodeCrypto.sign('sha512', data, k)),
    make('ESP512', -52, ec('P-521'), (k) => nodeCrypto.sign('sha512', data, k)),
    make('EdDSA/Ed25519', -8, pair('ed25519', {}), (k) => nodeCrypto.sign(null, data, k)),
    make('EdDSA/Ed448', -8, pair('ed448', {}), (k) => nodeCrypto.sign(null, data, k)),
    make('Ed25519', -19, pair('ed25519', {}), (k) => nodeCrypto.sign(null, data, k)),
    make('Ed448', -53, pair('ed448', {}), (k) => nodeCrypto.sign(null, data, k)),
    make('RS256', -257, rsa, (k) => nodeCrypto.sign('sha256', data, k)),
    make('RS384', -258, rsa, (k) => nodeCrypto.sign('sha384', data, k)),
    make('RS512', -259, rsa, (k) => nodeCrypto.sign('sha512', data, k)),
    make('PS256', -37, rsa, (k) => nodeCrypto.sign('sha256', data, { key: k, ...pss, saltLength: 32 })),
    make('PS384', -38, rsa, (k) => nodeCrypto.sign('sha384', data, { key: k, ...pss, saltLength: 48 })),
    make('PS512', -39, rsa, (k) => nodeCrypto.sign('sha512', data, { key: k, ...pss, saltLength: 64 })),
    make('RS1', -65535, rsa, (k) => nodeCrypto.sign('sha1', data, k)),
  ];
  return cached;
}
