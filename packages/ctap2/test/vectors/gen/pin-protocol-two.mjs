// Computes PIN/UV auth protocol two vectors (CTAP 2.1 §6.5.7) with node:crypto (OpenSSL), an
// implementation independent of src/pin-protocol.ts, from python-fido2's protocol-one key pair
// (tests/test_ctap2.py EC_PRIV / DEV_PUB) and fixed IVs. Writes pin-protocol-two.json.
// Usage: node gen/pin-protocol-two.mjs > pin-protocol-two.json
import { createCipheriv, createECDH, createHash, createHmac, hkdfSync } from 'node:crypto';

const hex = (b) => Buffer.from(b).toString('hex');
const EC_PRIV = '7452e599fee739d8a653f6a507343d12d382249108a651402520b72f24fe7684';
const DEV_PUB =
  '040501d5bc78da9252560a26cb08fcc60cbe0b6d3b8e1d1fcee514fac0af675168d551b3ed46f665731f95b4532939c25d91db7eb844bd96d4abd4083785f8df47';
const ecdh = createECDH('prime256v1');
ecdh.setPrivateKey(Buffer.from(EC_PRIV, 'hex'));
const z = ecdh.computeSecret(Buffer.from(DEV_PUB, 'hex'));
const salt = Buffer.alloc(32);
const hmacKey = Buffer.from(hkdfSync('sha256', z, salt, 'CTAP2 HMAC key', 32));
const aesKey = Buffer.from(hkdfSync('sha256', z, salt, 'CTAP2 AES key', 32));
const shared = Buffer.concat([hmacKey, aesKey]);
const enc = (iv, pt) => {
  const c = createCipheriv('aes-256-cbc', aesKey, iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(pt), c.final()]);
};
const mac = (key, msg) => createHmac('sha256', key).update(msg).digest();
const iv1 = Buffer.alloc(16, 0x11);
const iv2 = Buffer.alloc(16, 0x22);
const iv3 = Buffer.alloc(16, 0x33);
const pinHash = createHash('sha256').update('1234').digest().subarray(0, 16);
const padded = Buffer.alloc(64);
padded.write('1234');
const token = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const newPinEnc = enc(iv2, padded);
const clientDataHash = Buffer.alloc(32, 0xcd);
const out = {
  source: 'computed by gen/pin-protocol-two.mjs with node:crypto from the CTAP 2.1 §6.5.7 definitions',
  platformPrivateKey: EC_PRIV,
  platformPublicKey: hex(ecdh.getPublicKey()),
  authenticatorPublicKey: DEV_PUB,
  z: hex(z),
  sharedSecret: hex(shared),
  pin: '1234',
  pinHashEncIv: hex(iv1),
  pinHashEnc: hex(enc(iv1, pinHash)),
  newPinEncIv: hex(iv2),
  newPinEnc: hex(newPinEnc),
  setPinPinUvAuthParam: hex(mac(hmacKey, newPinEnc)),
  token: hex(token),
  tokenEncIv: hex(iv3),
  tokenEnc: hex(enc(iv3, token)),
  clientDataHash: hex(clientDataHash),
  makeCredentialPinUvAuthParam: hex(mac(token, clientDataHash)),
};
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
