/**
 * base64url without padding (RFC 4648 §5 with §3.2's "padding omitted"), as WebAuthn's JSON
 * forms use it (`PublicKeyCredential.toJSON()` and the `…JSON` dictionaries of WebAuthn L3 §5.1
 * emit it unpadded; JWS/JWK do the same, RFC 7515 §2).
 *
 * Decoding is strict, so every byte string has exactly one accepted spelling and a response has
 * one meaning: only the URL-safe alphabet, no `=` padding, no whitespace, no length of 4n+1, and
 * the unused bits of the last character must be zero (RFC 4648 §3.5 "canonical encoding").
 * Refusals are `ERR_BASE64URL_INVALID` with `details.reason` = `padding` | `character` |
 * `length` | `trailing-bits`.
 */
import { abytes, astring } from './_assert.js';
import { Base64UrlError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** base64url (no padding) of `bytes`. */
function encode(bytes: Uint8Array): string {
  const b = abytes(bytes, 'bytes');
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8) | (b[i + 2] as number);
    out +=
      ALPHABET[n >>> 18] +
      (ALPHABET[(n >>> 12) & 63] as string) +
      (ALPHABET[(n >>> 6) & 63] as string) +
      (ALPHABET[n & 63] as string);
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = (b[i] as number) << 16;
    out += (ALPHABET[n >>> 18] as string) + (ALPHABET[(n >>> 12) & 63] as string);
  } else if (rest === 2) {
    const n = ((b[i] as number) << 16) | ((b[i + 1] as number) << 8);
    out +=
      (ALPHABET[n >>> 18] as string) +
      (ALPHABET[(n >>> 12) & 63] as string) +
      (ALPHABET[(n >>> 6) & 63] as string);
  }
  return out;
}

type Reason = 'padding' | 'character' | 'length' | 'trailing-bits';

function refuse(reason: Reason, message: string): never {
  throw new Base64UrlError(message, { details: { reason } });
}

/**
 * Bytes of a canonical, unpadded base64url string; throws `Base64UrlError`
 * (`ERR_BASE64URL_INVALID`), or `InvalidArgumentError` (`ERR_INVALID_ARGUMENT`) when `text` is not
 * a string.
 */
function decode(text: string): Uint8Array {
  const s = astring(text, 'text');
  const len = s.length;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) {
      if (c === 61 /* = */)
        refuse('padding', 'base64url must not be padded with "=" (WebAuthn JSON uses unpadded base64url)');
      refuse('character', `base64url has an invalid character ${JSON.stringify(s[i])} at index ${i}`);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (len % 4 === 1) refuse('length', `base64url length ${len} is impossible`);
  if (acc !== 0) refuse('trailing-bits', 'base64url has non-zero trailing bits (not the canonical encoding)');
  return out;
}

/** True when `text` is a string that {@link base64url.decode} accepts. */
function isBase64Url(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    decode(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * base64url encoding and strict decoding.
 *
 * @example
 * ```ts
 * base64url.encode(new Uint8Array([251, 255])); // '-_8'
 * base64url.decode('-_8'); // Uint8Array [251, 255]
 * ```
 */
export const base64url = {
  /** base64url (no padding) of `bytes`. */
  encode,
  /** Bytes of a base64url string; throws `Base64UrlError` (`ERR_BASE64URL_INVALID`). */
  decode,
  /** True when `text` is a string that `decode` accepts. */
  isBase64Url,
} as const;
