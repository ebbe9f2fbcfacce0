/**
 * The DER layouts of private keys the signing backends exchange with node:crypto and WebCrypto:
 * PKCS#8 PrivateKeyInfo (RFC 5208) wrappers to import raw keys, and — to read a generated key
 * back — the SEC1 ECPrivateKey (RFC 5915) OpenSSL writes for P-256 and the PKCS#8 and SPKI
 * (RFC 8410) it writes for Ed25519. @internal
 */

/** OID prime256v1 (1.2.840.10045.3.1.7), tag and length included. */
const P256_OID = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] as const;

// SEQUENCE { INTEGER 0, SEQUENCE { OID id-ecPublicKey, OID prime256v1 },
//   OCTET STRING { ECPrivateKey (RFC 5915 §3) SEQUENCE { INTEGER 1, OCTET STRING d } } }
// The optional public key is left out: the importer computes it from d.
const P256_PREFIX = Uint8Array.of(
  0x30,
  0x41,
  0x02,
  0x01,
  0x00,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  ...P256_OID,
  0x04,
  0x27,
  0x30,
  0x25,
  0x02,
  0x01,
  0x01,
  0x04,
  0x20,
);
// SEQUENCE { INTEGER 0, SEQUENCE { OID id-Ed25519 }, OCTET STRING { OCTET STRING seed } } (RFC 8410 §7)
/** AlgorithmIdentifier SEQUENCE { OID id-Ed25519 (1.3.101.112) }, tag and length included. */
const ED25519_ALGORITHM = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70] as const;

const ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  ...ED25519_ALGORITHM,
  0x04,
  0x22,
  0x04,
  0x20,
);

function wrap(prefix: Uint8Array, secret: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + secret.length);
  out.set(prefix);
  out.set(secret, prefix.length);
  return out;
}

/** PKCS#8 of a P-256 scalar (32 bytes). @internal */
export function p256Pkcs8(d: Uint8Array): Uint8Array {
  return wrap(P256_PREFIX, d);
}

/** PKCS#8 of an Ed25519 secret (32 bytes). @internal */
export function ed25519Pkcs8(seed: Uint8Array): Uint8Array {
  return wrap(ED25519_PREFIX, seed);
}

// SEC1 as OpenSSL writes a P-256 key: SEQUENCE { INTEGER 1, OCTET STRING d (32),
//   [0] { OID prime256v1 }, [1] { BIT STRING 00 04 x y } }
const SEC1_P256_HEAD = Uint8Array.of(0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20);
const SEC1_P256_MID = Uint8Array.of(0xa0, 0x0a, ...P256_OID, 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04);

/** True when `der` holds `fixed` at `at`. */
function holds(der: Uint8Array, at: number, fixed: Uint8Array): boolean {
  return fixed.every((b, i) => der[at + i] === b);
}

/** d, x and y of a P-256 SEC1 ECPrivateKey DER in OpenSSL's layout; undefined for any other. @internal */
export function p256FromSec1(der: Uint8Array): { d: Uint8Array; x: Uint8Array; y: Uint8Array } | undefined {
  const mid = SEC1_P256_HEAD.length + 32;
  const at = mid + SEC1_P256_MID.length;
  if (der.length !== at + 64 || !holds(der, 0, SEC1_P256_HEAD) || !holds(der, mid, SEC1_P256_MID)) {
    return undefined;
  }
  return { d: der.slice(SEC1_P256_HEAD.length, mid), x: der.slice(at, at + 32), y: der.slice(at + 32) };
}

/** The 32 bytes after `prefix` when `der` is exactly `prefix` and 32 bytes; undefined otherwise. */
function after(prefix: Uint8Array, der: Uint8Array): Uint8Array | undefined {
  return der.length === prefix.length + 32 && holds(der, 0, prefix) ? der.slice(prefix.length) : undefined;
}

/** The 32-byte secret of an Ed25519 PKCS#8 DER in the layout above; undefined for any other. @internal */
export function ed25519FromPkcs8(der: Uint8Array): Uint8Array | undefined {
  return after(ED25519_PREFIX, der);
}

// SEQUENCE { SEQUENCE { OID id-Ed25519 }, BIT STRING 00 x } (RFC 8410 §4)
const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, ...ED25519_ALGORITHM, 0x03, 0x21, 0x00);

/** The 32-byte public key x of an Ed25519 SPKI DER; undefined for any other layout. @internal */
export function ed25519FromSpki(der: Uint8Array): Uint8Array | undefined {
  return after(ED25519_SPKI_PREFIX, der);
}
