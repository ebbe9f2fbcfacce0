/**
 * Collected client data (WebAuthn Level 3 §5.8.1).
 *
 * JSON.parse keeps the last of two members with one name; another reader may keep the first.
 * So duplicates are refused. JSON.parse reads the values and judges the syntax; on text it
 * accepted, two small passes that only need to know where strings begin and end suffice:
 * 1. Proof of absence, on every call (well under a microsecond): each `:` outside a string
 *    separates exactly one member, and JSON.parse keeps one property per distinct name per
 *    object, so the colons equal the properties JSON.parse built (over every nested object)
 *    exactly when no object names a member twice.
 * 2. Only when the counts differ: one pass that keeps the member names of each open object,
 *    unescaped by JSON.parse (`"ch\u0061llenge"` is `challenge`), to name the duplicate.
 * Libraries were measured for this: jsonc-parser's visitor (Microsoft) fits, but adds ~4 µs per
 * call and 3.8 KiB gzipped to rp's browser bundle (a benchmark row); @humanwhocodes/momoa (a
 * full AST) ~16 µs and 9 KB. Neither is needed once JSON.parse has judged the syntax.
 */
import { abytes } from './_assert.js';
import { utf8Decode } from './bytes.js';
import { ClientDataDuplicateMemberError, ClientDataError } from './errors.js';

/** Parsed client data; `raw` keeps the exact bytes that were hashed. */
export interface ClientData {
  readonly type: string;
  /** The challenge, base64url as the client wrote it. */
  readonly challenge: string;
  readonly origin: string;
  readonly crossOrigin?: boolean;
  readonly topOrigin?: string;
  readonly tokenBinding?: { status: string; id?: string };
  /** Every member, as parsed. */
  readonly json: Readonly<Record<string, unknown>>;
  /** The exact bytes (a copy). */
  readonly raw: Uint8Array;
}

function malformed(message: string, cause?: unknown): never {
  throw new ClientDataError(message, cause === undefined ? undefined : { cause });
}

/** Colons outside strings in `text` (which JSON.parse accepted): one per object member. */
function memberTokens(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip the string; in valid JSON a backslash always escapes the next character
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a) n++;
  }
  return n;
}

/** Own properties of every object in a JSON.parse result (iterative: any depth). */
function memberValues(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    const keys = Object.keys(v);
    n += keys.length;
    for (const k of keys) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return n;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Throws `ERR_CLIENT_DATA_DUPLICATE_MEMBER` for the first member name given twice in one object
 * of `text` (which JSON.parse accepted). Returns if there is none.
 */
function refuseDuplicate(text: string): void {
  const open: (Set<string> | null)[] = []; // one entry per open object (a set) or array (null)
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) open.push(new Set());
    else if (c === 0x5b) open.push(null);
    else if (c === 0x7d || c === 0x5d) open.pop();
    else if (c === 0x22) {
      const start = i;
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      let j = i + 1;
      while (j < len && isSpace(text.charCodeAt(j))) j++;
      const names = open[open.length - 1];
      if (text.charCodeAt(j) !== 0x3a || !names) continue; // a value, not a member name
      const name = JSON.parse(text.slice(start, i + 1)) as string;
      if (names.has(name)) {
        throw new ClientDataDuplicateMemberError(
          `clientDataJSON has the member ${JSON.stringify(name)} twice in one object (at character ${start})`,
          { details: { member: name, offset: start, depth: open.length } },
        );
      }
      names.add(name);
    }
  }
}

/**
 * Parses clientDataJSON: UTF-8 JSON object with string `type`, `challenge` and `origin`;
 * `crossOrigin` boolean and `topOrigin` string when present. Checks shapes only; the relying
 * party compares values. A member name given twice in any object, at any depth, is refused
 * rather than resolved (JSON.parse would keep the last, another reader the first).
 *
 * @throws {ClientDataError} `ERR_CLIENT_DATA_MALFORMED`
 * @throws {ClientDataDuplicateMemberError} `ERR_CLIENT_DATA_DUPLICATE_MEMBER`
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` when `bytes` is not a Uint8Array
 * @example
 * ```ts
 * const cd = parseClientDataJSON(base64url.decode(response.clientDataJSON));
 * cd.type === 'webauthn.get';
 * ```
 */
export function parseClientDataJSON(bytes: Uint8Array): ClientData {
  const raw = abytes(bytes, 'bytes').slice();
  let text: string;
  try {
    text = utf8Decode(raw);
  } catch (e) {
    malformed('clientDataJSON is not valid UTF-8', e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    malformed('clientDataJSON is not valid JSON', e);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    malformed('clientDataJSON is not a JSON object');
  const o = json as Record<string, unknown>;
  if (memberTokens(text) !== memberValues(o)) {
    refuseDuplicate(text);
    malformed('clientDataJSON is read differently by the member count and JSON.parse');
  }
  for (const k of ['type', 'challenge', 'origin'] as const) {
    if (typeof o[k] !== 'string') malformed(`clientDataJSON "${k}" expected a string, got ${typeof o[k]}`);
  }
  if (o.crossOrigin !== undefined && typeof o.crossOrigin !== 'boolean')
    malformed('clientDataJSON "crossOrigin" expected a boolean');
  if (o.topOrigin !== undefined && typeof o.topOrigin !== 'string')
    malformed('clientDataJSON "topOrigin" expected a string');
  const tb = o.tokenBinding;
  if (
    tb !== undefined &&
    (tb === null || typeof tb !== 'object' || typeof (tb as { status?: unknown }).status !== 'string')
  ) {
    malformed('clientDataJSON "tokenBinding" expected an object with a status');
  }
  const out: Record<string, unknown> = {
    type: o.type,
    challenge: o.challenge,
    origin: o.origin,
    json: Object.freeze(o),
    raw,
  };
  if (o.crossOrigin !== undefined) out.crossOrigin = o.crossOrigin;
  if (o.topOrigin !== undefined) out.topOrigin = o.topOrigin;
  if (tb !== undefined) out.tokenBinding = tb;
  return Object.freeze(out) as unknown as ClientData;
}
