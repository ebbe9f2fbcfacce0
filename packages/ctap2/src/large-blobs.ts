/**
 * authenticatorLargeBlobs (CTAP 2.1 §6.10, 0x0C): the serialized large-blob array read and
 * written in fragments, its truncated SHA-256 check, and per-credential blobs sealed under a
 * credential's largeBlobKey (AES-256-GCM over raw DEFLATE, CTAP 2.1 §6.10.3).
 */
import {
  type CborValue,
  concatBytes as concat,
  decode,
  encode,
  InvalidArgumentError,
  randomBytes,
  sha256,
  utf8Encode,
} from '@fido2kit/cose';
import { gcm } from '@noble/ciphers/aes.js';
import { deflateSync, inflateSync } from 'fflate';
import { argBytes, describe, invalidResponse, ResponseReader, throwIfAborted } from './_assert.js';
import { checkToken, FF32, type ManagementOpenOptions, obtainToken } from './_management.js';
import { CTAP2_COMMANDS } from './constants.js';
import type { Ctap2 } from './ctap2.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError } from './errors.js';
import type { PinUvAuthProtocol } from './pin-protocol.js';

/** authenticatorLargeBlobs parameter keys (CTAP 2.1 §6.10.2). */
export const LARGE_BLOBS_KEYS = {
  get: 0x01,
  set: 0x02,
  offset: 0x03,
  length: 0x04,
  pinUvAuthParam: 0x05,
  pinUvAuthProtocol: 0x06,
} as const;

/** authenticatorLargeBlobs response keys. */
export const LARGE_BLOBS_RESPONSE_KEYS = { config: 0x01 } as const;

/** Keys of a large-blob map in the array (CTAP 2.1 §6.10.3). */
export const LARGE_BLOB_ENTRY_KEYS = { ciphertext: 0x01, nonce: 0x02, origSize: 0x03 } as const;

/**
 * The initial serialized large-blob array: an empty CBOR array (0x80) followed by
 * LEFT(SHA-256(0x80), 16) (CTAP 2.1 §6.10.1).
 */
export const EMPTY_LARGE_BLOB_ARRAY: Uint8Array = Uint8Array.of(
  0x80,
  0x76,
  0xbe,
  0x8b,
  0x52,
  0x8d,
  0x00,
  0x75,
  0xf7,
  0xaa,
  0xe9,
  0x8d,
  0x6f,
  0xa5,
  0x7a,
  0x6d,
  0x3c,
);

function integrity(message: string): never {
  throw new Ctap2ClientError('ERR_LARGE_BLOB_INTEGRITY', message);
}

/**
 * The serialized form of a large-blob array: CBOR array ‖ LEFT(SHA-256(CBOR array), 16).
 * @example
 * ```ts
 * serializeLargeBlobArray([]); // equals EMPTY_LARGE_BLOB_ARRAY
 * ```
 */
export function serializeLargeBlobArray(entries: CborValue[]): Uint8Array {
  if (!Array.isArray(entries))
    throw new InvalidArgumentError(`"entries" expected an array, got ${describe(entries)}`);
  const body = encode(entries);
  return concat(body, sha256(body).subarray(0, 16));
}

/**
 * Checks and decodes a serialized large-blob array.
 * @throws {Ctap2ClientError} `ERR_LARGE_BLOB_INTEGRITY` when it is shorter than 17 bytes, its
 *   check does not match, or it is not a CBOR array
 * @example
 * ```ts
 * parseLargeBlobArray(EMPTY_LARGE_BLOB_ARRAY); // []
 * ```
 */
export function parseLargeBlobArray(serialized: Uint8Array): CborValue[] {
  argBytes(serialized, 'serialized');
  if (serialized.length < 17) integrity(`the large-blob array has ${serialized.length} bytes, fewer than 17`);
  const body = serialized.subarray(0, serialized.length - 16);
  const check = serialized.subarray(serialized.length - 16);
  const want = sha256(body).subarray(0, 16);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= (check[i] as number) ^ (want[i] as number);
  if (diff !== 0) integrity('the large-blob array fails its SHA-256 check (corrupt or half-written)');
  let value: CborValue;
  try {
    value = decode(body, { maxDepth: 16 });
  } catch (e) {
    return integrity(`the large-blob array is not CBOR: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) integrity('the large-blob array is not a CBOR array');
  return value;
}

function associatedData(origSize: number): Uint8Array {
  const ad = new Uint8Array(12);
  ad.set(utf8Encode('blob'));
  const view = new DataView(ad.buffer);
  view.setUint32(4, origSize >>> 0, true);
  view.setUint32(8, Math.floor(origSize / 2 ** 32), true);
  return ad;
}

/**
 * Seals `data` for the large-blob array under a credential's largeBlobKey: raw DEFLATE, then
 * AES-256-GCM with a fresh 12-byte nonce and associated data "blob" ‖ uint64LE(origSize).
 * @returns the large-blob map {1: ciphertext, 2: nonce, 3: origSize}
 * @example
 * ```ts
 * const entry = encryptLargeBlob(largeBlobKey, utf8Encode('a certificate'));
 * ```
 */
export function encryptLargeBlob(
  largeBlobKey: Uint8Array,
  data: Uint8Array,
  nonce: Uint8Array = randomBytes(12),
): Map<CborValue, CborValue> {
  argBytes(largeBlobKey, 'largeBlobKey', 32);
  argBytes(data, 'data');
  argBytes(nonce, 'nonce', 12);
  const compressed = deflateSync(data);
  const ciphertext = gcm(largeBlobKey, nonce, associatedData(data.length)).encrypt(compressed);
  return new Map<CborValue, CborValue>([
    [LARGE_BLOB_ENTRY_KEYS.ciphertext, ciphertext],
    [LARGE_BLOB_ENTRY_KEYS.nonce, nonce.slice()],
    [LARGE_BLOB_ENTRY_KEYS.origSize, data.length],
  ]);
}

/**
 * Opens a large-blob map with a largeBlobKey; `undefined` when it is not sealed under that key
 * (or is malformed, or inflates to another size than origSize).
 * @example
 * ```ts
 * const data = decryptLargeBlob(largeBlobKey, entry);
 * ```
 */
export function decryptLargeBlob(largeBlobKey: Uint8Array, entry: unknown): Uint8Array | undefined {
  argBytes(largeBlobKey, 'largeBlobKey', 32);
  if (!(entry instanceof Map)) return undefined;
  const ct = entry.get(LARGE_BLOB_ENTRY_KEYS.ciphertext);
  const nonce = entry.get(LARGE_BLOB_ENTRY_KEYS.nonce);
  const origSize = entry.get(LARGE_BLOB_ENTRY_KEYS.origSize);
  if (!(ct instanceof Uint8Array) || ct.length < 16) return undefined;
  if (!(nonce instanceof Uint8Array) || nonce.length !== 12) return undefined;
  if (typeof origSize !== 'number' || !Number.isInteger(origSize) || origSize < 0) return undefined;
  let compressed: Uint8Array;
  try {
    compressed = gcm(largeBlobKey, nonce, associatedData(origSize)).decrypt(ct);
  } catch {
    return undefined;
  }
  try {
    const out = inflateSync(compressed, { out: new Uint8Array(origSize) });
    return out.length === origSize ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The large-blob array of a key (option largeBlobs). Reading needs no token; writing on a key
 * protected by a PIN or UV needs one with the `lbw` permission (or use {@link LargeBlobs.open}).
 * Writes go in fragments of maxMsgSize − 64 bytes; the key commits only when the last fragment
 * arrives and the check matches, so an interrupted or corrupt write never replaces the array.
 *
 * Spec: CTAP 2.1 §6.10.
 * @example
 * ```ts
 * const blobs = await LargeBlobs.open(ctap, { pin: '1234' });
 * await blobs.putBlob(largeBlobKey, utf8Encode('hello'));
 * utf8Decode((await blobs.getBlob(largeBlobKey))!); // 'hello'
 * ```
 */
export class LargeBlobs {
  readonly ctap: Ctap2;
  readonly protocol: PinUvAuthProtocol | undefined;
  readonly #token: Uint8Array | undefined;

  /**
   * @param ctap the opened authenticator
   * @param protocol the PIN/UV auth protocol `pinUvAuthToken` was obtained with
   * @param pinUvAuthToken a token with `lbw` (leave both out on an unprotected key, or to read
   *   only)
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when the key has no large-blob storage
   */
  constructor(ctap: Ctap2, protocol?: PinUvAuthProtocol, pinUvAuthToken?: Uint8Array) {
    if (protocol !== undefined || pinUvAuthToken !== undefined) checkToken(protocol!, pinUvAuthToken!);
    if (!LargeBlobs.isSupported(ctap)) {
      throw new Ctap2ClientError('ERR_NOT_SUPPORTED', 'the authenticator has no large-blob storage');
    }
    this.ctap = ctap;
    this.protocol = protocol;
    this.#token = pinUvAuthToken?.slice();
  }

  /** True when getInfo has option largeBlobs. */
  static isSupported(ctap: Ctap2): boolean {
    return ctap.info.options.largeBlobs === true;
  }

  /**
   * A ready instance, with an `lbw` token when the key is protected (or a PIN is given).
   * @example
   * ```ts
   * const blobs = await LargeBlobs.open(ctap, { pin });
   * ```
   */
  static async open(ctap: Ctap2, options: ManagementOpenOptions = {}): Promise<LargeBlobs> {
    const o = ctap.info.options;
    const isProtected = o.clientPin === true || o.uv === true;
    if (!isProtected && options.pin === undefined) return new LargeBlobs(ctap);
    const { protocol, token } = await obtainToken(ctap, 'lbw', options);
    return new LargeBlobs(ctap, protocol, token);
  }

  /** The largest fragment: maxMsgSize − 64 (CTAP 2.1 §6.10.2). */
  get maxFragmentLength(): number {
    return Math.max(1, this.ctap.info.maxMsgSize - 64);
  }

  /**
   * Reads the serialized array as stored, fragment by fragment, without checking it.
   * @example
   * ```ts
   * const raw = await blobs.readSerialized();
   * ```
   */
  async readSerialized(options: CallOptions = {}): Promise<Uint8Array> {
    const max = this.maxFragmentLength;
    const parts: Uint8Array[] = [];
    for (let offset = 0; ; offset += max) {
      throwIfAborted(options.signal);
      const res = await this.ctap.send(
        CTAP2_COMMANDS.largeBlobs,
        new Map<CborValue, CborValue>([
          [LARGE_BLOBS_KEYS.get, max],
          [LARGE_BLOBS_KEYS.offset, offset],
        ]),
        options,
      );
      const fragment = new ResponseReader(res ?? new Map(), 'largeBlobs').bytes(
        LARGE_BLOBS_RESPONSE_KEYS.config,
        true,
      );
      if (fragment.length > max)
        invalidResponse(`largeBlobs fragment of ${fragment.length} bytes exceeds ${max}`);
      parts.push(fragment.slice());
      if (fragment.length < max) break;
      if (offset > 16 * 1024 * 1024) invalidResponse('the large-blob array does not end');
    }
    return concat(...parts);
  }

  /**
   * Reads and checks the array.
   * @throws {Ctap2ClientError} `ERR_LARGE_BLOB_INTEGRITY` when the stored array is corrupt
   * @example
   * ```ts
   * const entries = await blobs.readBlobArray();
   * ```
   */
  async readBlobArray(options: CallOptions = {}): Promise<CborValue[]> {
    return parseLargeBlobArray(await this.readSerialized(options));
  }

  /**
   * Writes a whole serialized array (its check included) in fragments. The key keeps the old
   * array unless every fragment arrives and the check matches.
   * @throws {CtapError} `CTAP2_ERR_INTEGRITY_FAILURE`, `CTAP2_ERR_LARGE_BLOB_STORAGE_FULL`,
   *   `CTAP2_ERR_PUAT_REQUIRED`, `CTAP2_ERR_PIN_AUTH_INVALID`
   * @throws {Ctap2ClientError} `ERR_ABORTED`
   * @example
   * ```ts
   * await blobs.writeSerialized(serializeLargeBlobArray(entries));
   * ```
   */
  async writeSerialized(serialized: Uint8Array, options: CallOptions = {}): Promise<void> {
    argBytes(serialized, 'serialized');
    const data = serialized.slice();
    const max = this.maxFragmentLength;
    for (let offset = 0; offset < data.length || offset === 0; offset += max) {
      throwIfAborted(options.signal);
      const fragment = data.subarray(offset, offset + max);
      const req = new Map<CborValue, CborValue>([
        [LARGE_BLOBS_KEYS.set, fragment],
        [LARGE_BLOBS_KEYS.offset, offset],
      ]);
      if (offset === 0) req.set(LARGE_BLOBS_KEYS.length, data.length);
      if (this.protocol !== undefined && this.#token !== undefined) {
        const off = new Uint8Array(4);
        new DataView(off.buffer).setUint32(0, offset, true);
        const message = concat(FF32, Uint8Array.of(CTAP2_COMMANDS.largeBlobs, 0x00), off, sha256(fragment));
        req.set(LARGE_BLOBS_KEYS.pinUvAuthParam, this.protocol.authenticate(this.#token, message));
        req.set(LARGE_BLOBS_KEYS.pinUvAuthProtocol, this.protocol.version);
      }
      await this.ctap.send(CTAP2_COMMANDS.largeBlobs, req, options);
      if (data.length === 0) break;
    }
  }

  /**
   * Serializes `entries` (adding the check) and writes them.
   * @example
   * ```ts
   * await blobs.writeBlobArray([encryptLargeBlob(key, data)]);
   * ```
   */
  async writeBlobArray(entries: CborValue[], options: CallOptions = {}): Promise<void> {
    await this.writeSerialized(serializeLargeBlobArray(entries), options);
  }

  /**
   * The blob sealed under a credential's largeBlobKey, or `undefined` when there is none.
   * @throws {Ctap2ClientError} `ERR_LARGE_BLOB_INTEGRITY` when the stored array is corrupt
   * @example
   * ```ts
   * const blob = await blobs.getBlob(assertion.largeBlobKey!);
   * ```
   */
  async getBlob(largeBlobKey: Uint8Array, options: CallOptions = {}): Promise<Uint8Array | undefined> {
    argBytes(largeBlobKey, 'largeBlobKey', 32);
    for (const entry of await this.readBlobArray(options)) {
      const data = decryptLargeBlob(largeBlobKey, entry);
      if (data !== undefined) return data;
    }
    return undefined;
  }

  /**
   * Stores `data` for a credential (replacing its blob), or removes its blob when `data` is
   * undefined. Read, modify, write: other credentials' blobs are kept.
   * @throws {Ctap2ClientError} `ERR_LARGE_BLOB_INTEGRITY` when the stored array is corrupt
   *   (nothing is written)
   * @example
   * ```ts
   * await blobs.putBlob(largeBlobKey, utf8Encode('{"cert":"…"}'));
   * ```
   */
  async putBlob(
    largeBlobKey: Uint8Array,
    data: Uint8Array | undefined,
    options: CallOptions = {},
  ): Promise<void> {
    argBytes(largeBlobKey, 'largeBlobKey', 32);
    if (data !== undefined) argBytes(data, 'data');
    const entries = await this.readBlobArray(options);
    const kept = entries.filter((e) => decryptLargeBlob(largeBlobKey, e) === undefined);
    if (data !== undefined) kept.push(encryptLargeBlob(largeBlobKey, data));
    if (data === undefined && kept.length === entries.length) return;
    await this.writeBlobArray(kept, options);
  }

  /**
   * Removes the blob of a credential; true when there was one.
   * @example
   * ```ts
   * await blobs.deleteBlob(largeBlobKey);
   * ```
   */
  async deleteBlob(largeBlobKey: Uint8Array, options: CallOptions = {}): Promise<boolean> {
    argBytes(largeBlobKey, 'largeBlobKey', 32);
    const entries = await this.readBlobArray(options);
    const kept = entries.filter((e) => decryptLargeBlob(largeBlobKey, e) === undefined);
    if (kept.length === entries.length) return false;
    await this.writeBlobArray(kept, options);
    return true;
  }
}
