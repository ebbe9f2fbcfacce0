/**
 * PKCS#8 PrivateKeyInfo (RFC 5208) wrappers for the raw private keys the signing backends take,
 * so node:crypto and WebCrypto can import them. @internal
 */

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
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
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
const ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
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
