/**
 * A minimal software authenticator for tests, built on node:crypto: it makes registration and
 * authentication responses in the browser's JSON form, with every part overridable so that a
 * test can break exactly one check.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  type AuthenticatorTransport,
  base64url,
  type CborValue,
  encode,
  encodeCoseKey,
  jwkToCoseKey,
} from '@fido2kit/cose';

export const RP_ID = 'example.com';
export const ORIGIN = 'https://example.com';

export const sha = (b: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(b).digest());
const b64 = (b: Uint8Array): string => base64url.encode(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface SoftKey {
  alg: number;
  privateKey: KeyObject;
  cose: Uint8Array;
}

/** A fresh key pair for a COSE algorithm. */
export function makeKey(alg = -7): SoftKey {
  let kp: { publicKey: KeyObject; privateKey: KeyObject };
  if (alg === -7 || alg === -9) kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === -35 || alg === -51) kp = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === -36 || alg === -52) kp = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  else if (alg === -8 || alg === -19) kp = generateKeyPairSync('ed25519');
  else if (alg === -53) kp = generateKeyPairSync('ed448');
  else kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = kp.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { alg, privateKey: kp.privateKey, cose: encodeCoseKey(jwkToCoseKey(jwk, { alg })) };
}

/** Signs as the algorithm requires (DER ECDSA, raw EdDSA, PKCS#1 or PSS RSA). */
export function signWith(key: SoftKey, data: Uint8Array): Uint8Array {
  const a = key.alg;
  if (a === -8 || a === -19 || a === -53) return new Uint8Array(sign(null, data, key.privateKey));
  const hash =
    a === -35 || a === -51 || a === -38 || a === -258
      ? 'sha384'
      : a === -36 || a === -52 || a === -39 || a === -259
        ? 'sha512'
        : a === -65535
          ? 'sha1'
          : 'sha256';
  if (a === -37 || a === -38 || a === -39)
    return new Uint8Array(
      sign(hash, data, {
        key: key.privateKey,
        padding: 6,
        saltLength: hash === 'sha256' ? 32 : hash === 'sha384' ? 48 : 64,
      }),
    );
  return new Uint8Array(sign(hash, data, key.privateKey));
}

export interface ClientDataInput {
  type?: string;
  challenge?: string;
  origin?: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  [k: string]: unknown;
}

export function clientData(c: ClientDataInput): Uint8Array {
  return utf8(JSON.stringify(c));
}

export interface AuthDataInput {
  rpId?: string;
  rpIdHash?: Uint8Array;
  flags: number;
  counter?: number;
  attested?: { aaguid: Uint8Array; credentialId: Uint8Array; cose: Uint8Array };
  extensions?: Map<CborValue, CborValue>;
  trailing?: Uint8Array;
}

export function authData(a: AuthDataInput): Uint8Array {
  const parts: Uint8Array[] = [a.rpIdHash ?? sha(a.rpId ?? RP_ID), new Uint8Array([a.flags])];
  const c = a.counter ?? 0;
  parts.push(new Uint8Array([(c >>> 24) & 255, (c >>> 16) & 255, (c >>> 8) & 255, c & 255]));
  if (a.attested) {
    const id = a.attested.credentialId;
    parts.push(a.attested.aaguid, new Uint8Array([id.length >> 8, id.length & 255]), id, a.attested.cose);
  }
  if (a.extensions) parts.push(encode(a.extensions));
  if (a.trailing) parts.push(a.trailing);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

export interface RegisterInput {
  key?: SoftKey;
  alg?: number;
  challenge?: string;
  clientData?: Partial<ClientDataInput>;
  flags?: number;
  rpId?: string;
  counter?: number;
  aaguid?: Uint8Array;
  credentialId?: Uint8Array;
  extensions?: Map<CborValue, CborValue>;
  trailing?: Uint8Array;
  fmt?: 'none' | 'packed-self';
  clientExtensionResults?: Record<string, unknown>;
  transports?: AuthenticatorTransport[];
}

export const CHALLENGE = b64(utf8('a-challenge-of-sufficient-length!'));

/** A registration response with `fmt` none (default) or packed self attestation. */
export function register(input: RegisterInput = {}) {
  const key = input.key ?? makeKey(input.alg ?? -7);
  const credentialId = input.credentialId ?? sha(`cred-${Math.random()}`);
  const cd = clientData({
    type: 'webauthn.create',
    challenge: input.challenge ?? CHALLENGE,
    origin: ORIGIN,
    ...input.clientData,
  });
  const ad = authData({
    rpId: input.rpId,
    flags: input.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.AT | (input.extensions ? FLAGS.ED : 0),
    counter: input.counter ?? 0,
    attested: { aaguid: input.aaguid ?? new Uint8Array(16), credentialId, cose: key.cose },
    extensions: input.extensions,
    trailing: input.trailing,
  });
  let attStmt = new Map<CborValue, CborValue>();
  let fmt = 'none';
  if (input.fmt === 'packed-self') {
    fmt = 'packed';
    const sig = signWith(key, new Uint8Array([...ad, ...sha(cd)]));
    attStmt = new Map<CborValue, CborValue>([
      ['alg', key.alg],
      ['sig', sig],
    ]);
  }
  const attObj = encode(
    new Map<CborValue, CborValue>([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', ad],
    ]),
  );
  const id = b64(credentialId);
  return {
    key,
    credentialId,
    response: {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64(cd),
        attestationObject: b64(attObj),
        transports: input.transports ?? ['usb'],
      },
      clientExtensionResults: input.clientExtensionResults ?? {},
      authenticatorAttachment: 'cross-platform' as const,
    },
  };
}

export interface AssertInput {
  key: SoftKey;
  credentialId: Uint8Array;
  challenge?: string;
  clientData?: Partial<ClientDataInput>;
  flags?: number;
  rpId?: string;
  counter?: number;
  extensions?: Map<CborValue, CborValue>;
  trailing?: Uint8Array;
  attested?: AuthDataInput['attested'];
  userHandle?: Uint8Array | null;
  clientExtensionResults?: Record<string, unknown>;
  /** Corrupts the signature after signing. */
  breakSignature?: boolean;
}

/** An authentication response. */
export function assertion(input: AssertInput) {
  const cd = clientData({
    type: 'webauthn.get',
    challenge: input.challenge ?? CHALLENGE,
    origin: ORIGIN,
    ...input.clientData,
  });
  const ad = authData({
    rpId: input.rpId,
    flags:
      input.flags ??
      FLAGS.UP | FLAGS.UV | (input.extensions ? FLAGS.ED : 0) | (input.attested ? FLAGS.AT : 0),
    counter: input.counter ?? 1,
    attested: input.attested,
    extensions: input.extensions,
    trailing: input.trailing,
  });
  const sig = signWith(input.key, new Uint8Array([...ad, ...sha(cd)]));
  if (input.breakSignature) sig[sig.length - 5] = (sig[sig.length - 5] as number) ^ 1;
  const id = b64(input.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key' as const,
    response: {
      clientDataJSON: b64(cd),
      authenticatorData: b64(ad),
      signature: b64(sig),
      ...(input.userHandle === null ? {} : { userHandle: b64(input.userHandle ?? utf8('user-1')) }),
    },
    clientExtensionResults: input.clientExtensionResults ?? {},
    authenticatorAttachment: 'cross-platform' as const,
  };
}

/** Awaits `p`, expects a rejection, returns the error. */
export async function rejected(
  p: Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
