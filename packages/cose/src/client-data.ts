/**
 * Collected client data (WebAuthn Level 3 §5.8.1).
 *
 * JSON.parse keeps the last of two members with one name; another reader may keep the first.
 * So duplicates are refused, in two steps:
 * 1. Fast proof of absence (every call, well under a microsecond): in text JSON.parse accepted,
 *    each `:` outside a string separates exactly one member, and JSON.parse keeps one property
 *    per distinct name per object. So the colons equal the properties JSON.parse built (counted
 *    over every nested object) exactly when no object names a member twice.
 * 2. When the counts differ, jsonc-parser's tokenizer-level visitor (Microsoft's scanner behind
 *    VS Code's JSON support: no dependencies, ESM) lists every member name per object, unescaped
 *    (`"ch\u0061llenge"` is `challenge`), in strict mode (no comments, trailing commas or empty
 *    content), to name the duplicate and its depth. If it finds none, or reports the text as not
 *    strict JSON, the two readings disagree and the input is refused as malformed.
 * @humanwhocodes/momoa was measured as well (a full AST, 9 KB gzipped, ~16 µs per
 * clientDataJSON against ~4 µs for the visitor); neither runs on the common path.
 */
import { visit } from 'jsonc-parser';
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

const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

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

/**
 * Lists the member names of every object in `text` and throws for a name given twice in one
 * object (after unescaping: `"challenge"` and `"ch\u0061llenge"` are one name), or when the
 * text is not strict JSON.
 */
function scanMembers(text: string): void {
  const stack: Set<string>[] = [];
  let duplicate: { name: string; offset: number; depth: number } | undefined;
  let error: number | undefined;
  try {
    visit(
      text,
      {
        onObjectBegin: () => {
          stack.push(new Set());
        },
        onObjectProperty: (name, offset) => {
          const names = stack[stack.length - 1];
          if (names === undefined) return;
          if (names.has(name)) duplicate ??= { name, offset, depth: stack.length };
          names.add(name);
        },
        onObjectEnd: () => {
          stack.pop();
        },
        onError: (_code, offset) => {
          error ??= offset;
        },
      },
      STRICT_JSON,
    );
  } catch (e) {
    // e.g. a RangeError from nesting deeper than the visitor's recursion allows
    malformed('clientDataJSON could not be scanned', e);
  }
  if (error !== undefined) malformed(`clientDataJSON is not strict JSON (at character ${error})`);
  if (duplicate !== undefined) {
    throw new ClientDataDuplicateMemberError(
      `clientDataJSON has the member ${JSON.stringify(duplicate.name)} twice in one object (at character ${duplicate.offset})`,
      { details: { member: duplicate.name, offset: duplicate.offset, depth: duplicate.depth } },
    );
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
    scanMembers(text); // throws ERR_CLIENT_DATA_DUPLICATE_MEMBER naming the member
    malformed('clientDataJSON is read differently by the member scan and JSON.parse');
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
