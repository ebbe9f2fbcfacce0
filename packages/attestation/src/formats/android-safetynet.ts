/**
 * The `android-safetynet` attestation statement format (WebAuthn §8.5): a JWS from the SafetyNet
 * API whose nonce binds authData and clientDataHash, signed by a certificate for attest.android.com.
 */
import { base64url, concatBytes, isFido2kitError, sha256, utf8Decode, utf8Encode } from '@fido2kit/cose';
import { attestationFail, invalid } from '../errors.js';
import { verifyWithCertificateKey } from '../signature.js';
import { decodeBase64, nameValue, OID, parseCertificate, type X509Certificate } from '../x509.js';
import { onlyKeys, stmtBytes } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

const JWS_ALGS: Record<string, number> = {
  RS256: -257,
  ES256: -7,
  PS256: -37,
  RS384: -258,
  RS512: -259,
  ES384: -35,
};

function jsonPart(part: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8Decode(base64url.decode(part)));
  } catch (e) {
    invalid(`android-safetynet JWS ${what} is malformed`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    invalid(`android-safetynet JWS ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** `android-safetynet`. */
export const androidSafetyNetFormat: AttestationFormat = Object.freeze({
  fmt: 'android-safetynet',
  async verify(ctx: FormatContext) {
    onlyKeys(ctx.attStmt, ['ver', 'response']);
    const ver = ctx.attStmt.get('ver');
    if (typeof ver !== 'string' || ver.length === 0)
      invalid('android-safetynet ver must be a non-empty string');
    const jws = utf8Decode(stmtBytes(ctx.attStmt, 'response'));
    const parts = jws.split('.');
    if (parts.length !== 3) invalid('android-safetynet response is not a compact JWS');
    const [h, p, s] = parts as [string, string, string];
    const header = jsonPart(h, 'header');
    const payload = jsonPart(p, 'payload');
    const alg = JWS_ALGS[String(header.alg)];
    if (alg === undefined) invalid(`android-safetynet JWS alg ${String(header.alg)} is not supported`);
    if (!Array.isArray(header.x5c) || header.x5c.length === 0)
      invalid('android-safetynet JWS header lacks x5c');
    let x5c: X509Certificate[];
    try {
      x5c = header.x5c.map((c) => parseCertificate(decodeBase64(String(c))));
    } catch (e) {
      if (isFido2kitError(e)) invalid(`android-safetynet x5c: ${e.message}`, { cause: e });
      throw e;
    }
    const nonce = toBase64(sha256(concatBytes(ctx.authData, ctx.clientDataHash)));
    if (payload.nonce !== nonce)
      attestationFail('ERR_ATTESTATION_NONCE_MISMATCH', 'the android-safetynet nonce does not match');
    if ((ctx.options.safetyNetRequireCtsProfileMatch ?? true) && payload.ctsProfileMatch !== true)
      invalid('android-safetynet ctsProfileMatch is not true');
    const ts = payload.timestampMs;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) invalid('android-safetynet timestampMs is missing');
    const now = ctx.now.getTime();
    if (ts > now + (ctx.options.safetyNetMaxFutureMs ?? 10_000))
      invalid('android-safetynet timestampMs is in the future');
    if (ts < now - (ctx.options.safetyNetMaxAgeMs ?? 60_000))
      invalid('android-safetynet timestampMs is too old');
    const leaf = x5c[0] as X509Certificate;
    if (nameValue(leaf.subject, OID.commonName) !== 'attest.android.com')
      invalid('the android-safetynet certificate is not issued to attest.android.com');
    let sig: Uint8Array;
    try {
      sig = base64url.decode(s);
    } catch (e) {
      invalid('android-safetynet JWS signature is not base64url', { cause: e });
    }
    const ok = await verifyWithCertificateKey(leaf.spki, alg, utf8Encode(`${h}.${p}`), sig, {
      backend: ctx.backend,
      rawEcdsa: true,
    });
    if (!ok)
      attestationFail('ERR_ATTESTATION_SIGNATURE_INVALID', 'the android-safetynet JWS signature is invalid');
    return { type: 'basic' as const, x5c, anchors: 'android-safetynet' as const };
  },
});
