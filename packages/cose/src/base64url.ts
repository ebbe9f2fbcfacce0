/**
 * base64url without padding (RFC 4648 §5), as WebAuthn's JSON forms use it.
 * Decoding is strict: only the URL-safe alphabet, optional trailing `=` padding, no whitespace,
 * and the unused bits of the last character must be zero (so every string has one decoding).
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

/** Bytes of a base64url string; throws `Base64UrlError` (`ERR_BASE64URL_INVALID`). */
function decode(text: string): Uint8Array {
  let s = astring(text, 'text');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */ && s.length - end < 2) end--;
  if (end !== s.length) {
    if (s.length % 4 !== 0) throw new Base64UrlError('base64url padding is malformed');
    s = s.slice(0, end);
  }
  const len = s.length;
  if (len % 4 === 1) throw new Base64UrlError(`base64url length ${len} is impossible`);
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) {
      throw new Base64UrlError(`base64url has an invalid character ${JSON.stringify(s[i])} at index ${i}`);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) throw new Base64UrlError('base64url has non-zero trailing bits');
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
