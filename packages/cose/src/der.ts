/**
 * ECDSA signature encodings. WebAuthn carries ECDSA signatures as DER `Ecdsa-Sig-Value`
 * (SEQUENCE { r INTEGER, s INTEGER }); WebCrypto and noble's compact form want r ‖ s.
 * The DER parser is strict (definite minimal lengths, minimal non-negative integers, nothing
 * after the sequence) so that every backend sees the same bytes and gives the same answer.
 */
import { abytes } from './_assert.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Converts a DER ECDSA signature to r ‖ s, each left-padded to `size` bytes.
 * Returns `undefined` when the bytes are not strict DER or an integer does not fit.
 */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  const b = abytes(der, 'der');
  if (b.length < 8 || b[0] !== 0x30) return undefined;
  let pos = 1;
  let len = b[pos++] as number;
  if (len & 0x80) {
    if (len !== 0x81) return undefined; // an ECDSA signature is never ≥ 256 bytes
    len = b[pos++] as number;
    if (len < 0x80) return undefined; // long form where the short form fits
  }
  if (pos + len !== b.length) return undefined;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (b[pos++] !== 0x02) return undefined;
    const ilen = b[pos++];
    if (ilen === undefined || ilen === 0 || ilen >= 0x80 || pos + ilen > b.length) return undefined;
    let v = b.subarray(pos, pos + ilen);
    pos += ilen;
    if ((v[0] as number) & 0x80) return undefined; // negative
    if (v[0] === 0 && v.length > 1) {
      if (!((v[1] as number) & 0x80)) return undefined; // non-minimal
      v = v.subarray(1);
    }
    if (v.length > size) return undefined;
    out.set(v, k * size + (size - v.length));
  }
  return pos === b.length ? out : undefined;
}

/** Converts r ‖ s (two equal halves) to a DER ECDSA signature. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const b = abytes(raw, 'raw');
  if (b.length === 0 || b.length % 2 !== 0) {
    throw new InvalidArgumentError(`"raw" expected r ‖ s of even length, got length=${b.length}`);
  }
  const half = b.length / 2;
  const ints = [b.subarray(0, half), b.subarray(half)].map((v) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const t = v.subarray(i);
    return (t[0] as number) & 0x80 ? Uint8Array.of(0, ...t) : t;
  }) as [Uint8Array, Uint8Array];
  const body = 4 + ints[0].length + ints[1].length;
  const head = body < 0x80 ? [0x30, body] : [0x30, 0x81, body];
  const out = new Uint8Array(head.length + body);
  out.set(head, 0);
  let pos = head.length;
  for (const v of ints) {
    out[pos++] = 0x02;
    out[pos++] = v.length;
    out.set(v, pos);
    pos += v.length;
  }
  return out;
}
