/**
 * COSE keys (RFC 9052 §7, RFC 9053 §7, RFC 8230 §4, draft-ietf-cose-dilithium §4): decoding to
 * a typed union with validation, and conversions to and from JWK. The SubjectPublicKeyInfo forms
 * are in cose-key-spki.ts.
 */
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { describe, isBytes } from './_assert.js';
import {
  COSE_ALGORITHM_NAMES,
  COSE_ALGORITHMS,
  type EcCurve,
  ML_DSA_SIZES,
  type OkpCurve,
  SIGNATURE_ALGORITHMS,
} from './algorithms.js';
import { base64url } from './base64url.js';
import { type CborValue, decode, encode } from './cbor.js';
import { CoseKeyError, InvalidArgumentError } from './errors.js';

/** An EC2 public key (kty 2). */
export interface Ec2PublicKey {
  readonly kty: 'EC2';
  readonly alg?: number;
  readonly crv: EcCurve;
  readonly x: Uint8Array;
  readonly y: Uint8Array;
}
/** An OKP public key (kty 1). */
export interface OkpPublicKey {
  readonly kty: 'OKP';
  readonly alg?: number;
  readonly crv: OkpCurve;
  readonly x: Uint8Array;
}
/** An RSA public key (kty 3). */
export interface RsaPublicKey {
  readonly kty: 'RSA';
  readonly alg?: number;
  /** Modulus, big-endian, without leading zero bytes. */
  readonly n: Uint8Array;
  /** Public exponent, big-endian, without leading zero bytes. */
  readonly e: Uint8Array;
}
/**
 * An AKP ("Algorithm Key Pair", kty 7) public key of draft-ietf-cose-dilithium §4: the
 * algorithm (ML-DSA-44/65/87) is required and fixes the meaning of `pub` (label -1).
 */
export interface AkpPublicKey {
  readonly kty: 'AKP';
  readonly alg: number;
  /** The ML-DSA public key (FIPS 204 pkEncode). */
  readonly pub: Uint8Array;
}
/** A validated COSE public key. */
export type CosePublicKey = Ec2PublicKey | OkpPublicKey | RsaPublicKey | AkpPublicKey;

/** Options of {@link decodeCoseKey}. */
export interface DecodeCoseKeyOptions {
  /** Smallest RSA modulus accepted, in bits. Default 2048. */
  minRsaBits?: number;
  /** Largest RSA modulus accepted, in bits. Default 8192. */
  maxRsaBits?: number;
}

/** COSE key labels and values. */
export const COSE_KEY = {
  kty: 1,
  kid: 2,
  alg: 3,
  crv: -1,
  x: -2,
  y: -3,
  d: -4,
  n: -1,
  e: -2,
} as const;
/** COSE key types (AKP: draft-ietf-cose-dilithium §4). */
export const COSE_KTY = { OKP: 1, EC2: 2, RSA: 3, AKP: 7 } as const;
/** AKP key labels (draft-ietf-cose-dilithium §4): the public key, and the private key that must not travel. */
export const COSE_AKP_KEY = { pub: -1, priv: -2 } as const;
/** COSE elliptic curves. */
export const COSE_CURVES = {
  'P-256': 1,
  'P-384': 2,
  'P-521': 3,
  X25519: 4,
  X448: 5,
  Ed25519: 6,
  Ed448: 7,
} as const;
const CURVE_BY_ID: Record<number, EcCurve | OkpCurve> = Object.fromEntries(
  Object.entries(COSE_CURVES).map(([k, v]) => [v, k]),
) as Record<number, EcCurve | OkpCurve>;

/** @internal */
export const EC_SIZES: Record<EcCurve, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const OKP_SIZES: Record<OkpCurve, number> = { Ed25519: 32, Ed448: 57, X25519: 32, X448: 56 };
const EC_NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** @internal */
export function invalid(message: string, cause?: unknown): never {
  throw new CoseKeyError(message, cause === undefined ? undefined : { cause });
}

function bytesParam(m: Map<CborValue, CborValue>, label: number, name: string): Uint8Array {
  const v = m.get(label);
  if (!isBytes(v))
    invalid(`COSE key parameter ${name} (${label}) expected a byte string, got ${describe(v)}`);
  return v;
}

/** @internal */
export function stripZeros(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  return v.subarray(i);
}

function bitLength(v: Uint8Array): number {
  const t = stripZeros(v);
  if (t.length === 0 || (t.length === 1 && t[0] === 0)) return 0;
  return (t.length - 1) * 8 + (32 - Math.clz32(t[0] as number));
}

/** Checks that an EC point lies on its curve (and is not the identity). */
function assertOnCurve(crv: EcCurve, x: Uint8Array, y: Uint8Array): void {
  // One check, not two: Point.fromBytes validates the point, and then validates it again.
  // assertValidity refuses the identity, coordinates outside the field and points off the curve.
  try {
    EC_NOBLE[crv].Point.fromAffine({ x: bytesToNumberBE(x), y: bytesToNumberBE(y) }).assertValidity();
  } catch (cause) {
    invalid(`COSE EC2 key is not a point on ${crv}`, cause);
  }
}

function checkAlgMatches(key: CosePublicKey): void {
  if (key.alg === undefined) return;
  const a = SIGNATURE_ALGORITHMS.get(key.alg);
  if (a === undefined) return; // unknown or non-signature algorithms are judged by their users
  const ok =
    (a.family === 'ECDSA' && key.kty === 'EC2' && (a.curves?.includes(key.crv) ?? true)) ||
    (a.family === 'EdDSA' && key.kty === 'OKP' && (a.curves?.includes(key.crv) ?? true)) ||
    ((a.family === 'RSASSA-PKCS1-v1_5' || a.family === 'RSA-PSS') && key.kty === 'RSA') ||
    (a.family === 'ML-DSA' && key.kty === 'AKP');
  if (!ok) {
    const crv = key.kty === 'RSA' || key.kty === 'AKP' ? '' : ` ${key.crv}`;
    invalid(`COSE key of type ${key.kty}${crv} cannot be used with algorithm ${a.name} (${a.id})`);
  }
}

/**
 * Decodes and validates a COSE public key from its CBOR bytes or an already-decoded map.
 *
 * EC2 keys must be uncompressed points on P-256, P-384 or P-521; OKP keys Ed25519, Ed448,
 * X25519 or X448 of the right length (Edwards points must decode); RSA moduli between
 * `minRsaBits` and `maxRsaBits`, exponents odd and ≥ 3. A key carrying private parameters is
 * refused. When `alg` (3) is present it must suit the key type and curve.
 *
 * @throws {CoseKeyError} `ERR_COSE_KEY_INVALID` (a duplicate key such as `x` given as `21`
 *   and `38 01` comes as its cause, `ERR_CBOR_DUPLICATE_KEY`)
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `input` is neither a Uint8Array
 *   (over a live buffer) nor a Map
 * @example
 * ```ts
 * const key = decodeCoseKey(authData.attestedCredentialData.credentialPublicKey);
 * if (key.kty === 'EC2') show(key.crv); // 'P-256'
 * ```
 */
export function decodeCoseKey(
  input: Uint8Array | Map<CborValue, CborValue>,
  options: DecodeCoseKeyOptions = {},
): CosePublicKey {
  let m: unknown = input;
  if (isBytes(input)) {
    try {
      m = decode(input, { canonical: false });
    } catch (cause) {
      invalid('COSE key is not valid CBOR', cause);
    }
  } else if (!(input instanceof Map)) {
    throw new InvalidArgumentError(`"input" expected Uint8Array or Map, got ${describe(input)}`);
  }
  if (!(m instanceof Map)) invalid(`COSE key expected a CBOR map, got ${describe(m)}`);
  const map = m as Map<CborValue, CborValue>;
  const kty = map.get(COSE_KEY.kty);
  const algRaw = map.get(COSE_KEY.alg);
  if (algRaw !== undefined && (typeof algRaw !== 'number' || !Number.isInteger(algRaw))) {
    invalid(`COSE key alg (3) expected an integer, got ${describe(algRaw)}`);
  }
  const alg = algRaw as number | undefined;
  let key: CosePublicKey;
  if (kty === COSE_KTY.EC2 || kty === COSE_KTY.OKP) {
    if (map.has(COSE_KEY.d)) invalid('COSE key contains a private key (d)');
    const crvId = map.get(COSE_KEY.crv);
    const crv = typeof crvId === 'number' ? CURVE_BY_ID[crvId] : undefined;
    if (crv === undefined) invalid(`COSE key curve ${String(crvId)} is not supported`);
    const x = bytesParam(map, COSE_KEY.x, 'x');
    if (kty === COSE_KTY.EC2) {
      if (!(crv in EC_SIZES)) invalid(`COSE EC2 key cannot use curve ${crv}`);
      const ec = crv as EcCurve;
      const yv = map.get(COSE_KEY.y);
      if (typeof yv === 'boolean')
        invalid('COSE EC2 key uses point compression, which WebAuthn does not allow');
      const y = bytesParam(map, COSE_KEY.y, 'y');
      const size = EC_SIZES[ec];
      if (x.length !== size || y.length !== size) {
        invalid(`COSE ${ec} key expected x and y of ${size} bytes, got ${x.length} and ${y.length}`);
      }
      assertOnCurve(ec, x, y);
      key = { kty: 'EC2', alg, crv: ec, x, y };
    } else {
      if (!(crv in OKP_SIZES)) invalid(`COSE OKP key cannot use curve ${crv}`);
      const okp = crv as OkpCurve;
      if (x.length !== OKP_SIZES[okp]) {
        invalid(`COSE ${okp} key expected x of ${OKP_SIZES[okp]} bytes, got ${x.length}`);
      }
      if (okp === 'Ed25519' || okp === 'Ed448') {
        try {
          (okp === 'Ed25519' ? ed25519 : ed448).Point.fromBytes(x);
        } catch (cause) {
          invalid(`COSE ${okp} key is not a valid curve point`, cause);
        }
      }
      key = { kty: 'OKP', alg, crv: okp, x };
    }
  } else if (kty === COSE_KTY.RSA) {
    for (const priv of [-3, -4, -5, -6, -7, -8, -9]) {
      if (map.has(priv)) invalid(`COSE RSA key contains a private parameter (${priv})`);
    }
    const n = stripZeros(bytesParam(map, COSE_KEY.n, 'n'));
    const e = stripZeros(bytesParam(map, COSE_KEY.e, 'e'));
    const bits = bitLength(n);
    const min = options.minRsaBits ?? 2048;
    const max = options.maxRsaBits ?? 8192;
    if (bits < min || bits > max) invalid(`COSE RSA modulus of ${bits} bits is outside ${min}..${max}`);
    if (e.length > 8 || bitLength(e) < 2 || ((e[e.length - 1] as number) & 1) === 0) {
      invalid('COSE RSA public exponent must be odd, at least 3 and at most 64 bits');
    }
    key = { kty: 'RSA', alg, n, e };
  } else if (kty === COSE_KTY.AKP) {
    // draft-ietf-cose-dilithium §4: alg is required and names the parameter set
    if (map.has(COSE_AKP_KEY.priv)) invalid('COSE AKP key contains a private key (-2)');
    const sizes = alg === undefined ? undefined : ML_DSA_SIZES[alg];
    if (alg === undefined || sizes === undefined) {
      invalid(`COSE AKP key expected alg ML-DSA-44/65/87 (-48/-49/-50), got ${String(alg)}`);
    }
    const pub = bytesParam(map, COSE_AKP_KEY.pub, 'pub');
    if (pub.length !== sizes.publicKey) {
      invalid(
        `COSE AKP key for algorithm ${alg} expected pub of ${sizes.publicKey} bytes, got ${pub.length}`,
      );
    }
    key = { kty: 'AKP', alg, pub };
  } else {
    invalid(`COSE key type ${String(kty)} is not supported`);
  }
  if (key.alg === undefined) delete (key as { alg?: number }).alg;
  checkAlgMatches(key);
  return Object.freeze(key);
}

/**
 * Encodes a COSE public key as canonical CBOR.
 * @example
 * ```ts
 * const bytes = encodeCoseKey({ kty: 'EC2', alg: -7, crv: 'P-256', x, y });
 * ```
 */
export function encodeCoseKey(key: CosePublicKey): Uint8Array {
  const m = new Map<number, CborValue>();
  if (key.kty === 'AKP') {
    m.set(COSE_KEY.kty, COSE_KTY.AKP);
    m.set(COSE_KEY.alg, key.alg);
    m.set(COSE_AKP_KEY.pub, key.pub);
  } else if (key.kty === 'RSA') {
    m.set(COSE_KEY.kty, COSE_KTY.RSA);
    if (key.alg !== undefined) m.set(COSE_KEY.alg, key.alg);
    m.set(COSE_KEY.n, key.n);
    m.set(COSE_KEY.e, key.e);
  } else {
    m.set(COSE_KEY.kty, key.kty === 'EC2' ? COSE_KTY.EC2 : COSE_KTY.OKP);
    if (key.alg !== undefined) m.set(COSE_KEY.alg, key.alg);
    m.set(COSE_KEY.crv, COSE_CURVES[key.crv]);
    m.set(COSE_KEY.x, key.x);
    if (key.kty === 'EC2') m.set(COSE_KEY.y, key.y);
  }
  return encode(m);
}

/** A public JSON Web Key (RFC 7517/7518, RFC 8037). */
export interface PublicJwk {
  kty: 'EC' | 'OKP' | 'RSA' | 'AKP';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  alg?: string;
  [k: string]: unknown;
}

const JOSE_ALG: Partial<Record<string, string>> = {
  ES256: 'ES256',
  ES384: 'ES384',
  ES512: 'ES512',
  ESP256: 'ES256',
  ESP384: 'ES384',
  ESP512: 'ES512',
  EdDSA: 'EdDSA',
  Ed25519: 'Ed25519',
  Ed448: 'Ed448',
  RS256: 'RS256',
  RS384: 'RS384',
  RS512: 'RS512',
  PS256: 'PS256',
  PS384: 'PS384',
  PS512: 'PS512',
  'ML-DSA-44': 'ML-DSA-44',
  'ML-DSA-65': 'ML-DSA-65',
  'ML-DSA-87': 'ML-DSA-87',
};

/** COSE bytes decoded, or a key object decodeCoseKey made; anything else is a caller's mistake. */
export function keyArgument(key: unknown): CosePublicKey {
  if (isBytes(key)) return decodeCoseKey(key);
  const kty = (key as { kty?: unknown } | null)?.kty;
  if (typeof key !== 'object' || (kty !== 'EC2' && kty !== 'OKP' && kty !== 'RSA' && kty !== 'AKP')) {
    throw new InvalidArgumentError(`"key" expected COSE bytes or a decoded COSE key, got ${describe(key)}`);
  }
  return key as CosePublicKey;
}

/**
 * The JWK form of a COSE public key (base64url members; `alg` set when JOSE names it).
 * @throws {CoseKeyError} `ERR_COSE_KEY_INVALID` for COSE bytes that are not a valid key
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for anything but COSE bytes or a decoded key
 * @example
 * ```ts
 * coseKeyToJwk(decodeCoseKey(bytes)); // { kty: 'EC', crv: 'P-256', x: '…', y: '…', alg: 'ES256' }
 * ```
 */
export function coseKeyToJwk(key: CosePublicKey | Uint8Array): PublicJwk {
  const k = keyArgument(key);
  const algName = k.alg === undefined ? undefined : COSE_ALGORITHM_NAMES[k.alg];
  const alg = algName === undefined ? undefined : JOSE_ALG[algName];
  let jwk: PublicJwk;
  if (k.kty === 'EC2') {
    jwk = { kty: 'EC', crv: k.crv, x: base64url.encode(k.x), y: base64url.encode(k.y) };
  } else if (k.kty === 'OKP') {
    jwk = { kty: 'OKP', crv: k.crv, x: base64url.encode(k.x) };
  } else if (k.kty === 'AKP') {
    jwk = { kty: 'AKP', pub: base64url.encode(k.pub) };
  } else {
    jwk = { kty: 'RSA', n: base64url.encode(k.n), e: base64url.encode(k.e) };
  }
  if (alg !== undefined) jwk.alg = alg;
  return jwk;
}

const FROM_JOSE: Partial<Record<string, number>> = {
  ES256: COSE_ALGORITHMS.ES256,
  ES384: COSE_ALGORITHMS.ES384,
  ES512: COSE_ALGORITHMS.ES512,
  EdDSA: COSE_ALGORITHMS.EdDSA,
  Ed25519: COSE_ALGORITHMS.Ed25519,
  Ed448: COSE_ALGORITHMS.Ed448,
  RS256: COSE_ALGORITHMS.RS256,
  RS384: COSE_ALGORITHMS.RS384,
  RS512: COSE_ALGORITHMS.RS512,
  PS256: COSE_ALGORITHMS.PS256,
  PS384: COSE_ALGORITHMS.PS384,
  PS512: COSE_ALGORITHMS.PS512,
  'ML-DSA-44': COSE_ALGORITHMS['ML-DSA-44'],
  'ML-DSA-65': COSE_ALGORITHMS['ML-DSA-65'],
  'ML-DSA-87': COSE_ALGORITHMS['ML-DSA-87'],
};

function jwkMember(jwk: Record<string, unknown>, name: string): Uint8Array {
  const v = jwk[name];
  if (typeof v !== 'string') invalid(`JWK member "${name}" expected a base64url string, got ${describe(v)}`);
  try {
    return base64url.decode(v);
  } catch (cause) {
    invalid(`JWK member "${name}" is not base64url`, cause);
  }
}

/**
 * The COSE form of a public JWK, validated as {@link decodeCoseKey} validates.
 * `alg` is taken from `options.alg` (a COSE id), else from the JWK's JOSE `alg`.
 * @throws {CoseKeyError} `ERR_COSE_KEY_INVALID` (including JWKs with private members)
 * @example
 * ```ts
 * const cose = encodeCoseKey(jwkToCoseKey(await crypto.subtle.exportKey('jwk', publicKey)));
 * ```
 */
export function jwkToCoseKey(
  jwk: PublicJwk | Record<string, unknown>,
  options: { alg?: number } & DecodeCoseKeyOptions = {},
): CosePublicKey {
  if (jwk === null || typeof jwk !== 'object') invalid(`JWK expected an object, got ${describe(jwk)}`);
  const j = jwk as Record<string, unknown>;
  if ('d' in j || 'p' in j) invalid('JWK contains a private key');
  const alg = options.alg ?? (typeof j.alg === 'string' ? FROM_JOSE[j.alg] : undefined);
  const m = new Map<CborValue, CborValue>();
  if (alg !== undefined) m.set(COSE_KEY.alg, alg);
  if (j.kty === 'EC' || j.kty === 'OKP') {
    const crv = COSE_CURVES[j.crv as keyof typeof COSE_CURVES];
    if (crv === undefined) invalid(`JWK curve ${String(j.crv)} is not supported`);
    m.set(COSE_KEY.kty, j.kty === 'EC' ? COSE_KTY.EC2 : COSE_KTY.OKP);
    m.set(COSE_KEY.crv, crv);
    m.set(COSE_KEY.x, jwkMember(j, 'x'));
    if (j.kty === 'EC') m.set(COSE_KEY.y, jwkMember(j, 'y'));
  } else if (j.kty === 'RSA') {
    m.set(COSE_KEY.kty, COSE_KTY.RSA);
    m.set(COSE_KEY.n, jwkMember(j, 'n'));
    m.set(COSE_KEY.e, jwkMember(j, 'e'));
  } else if (j.kty === 'AKP') {
    if ('priv' in j) invalid('JWK contains a private key');
    m.set(COSE_KEY.kty, COSE_KTY.AKP);
    m.set(COSE_AKP_KEY.pub, jwkMember(j, 'pub'));
  } else {
    invalid(`JWK key type ${String(j.kty)} is not supported`);
  }
  return decodeCoseKey(m, options);
}
