/** Collected client data (WebAuthn Level 3 §5.8.1). */
import { abytes } from './_assert.js';
import { utf8Decode } from './bytes.js';
import { ClientDataError } from './errors.js';

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

/**
 * Parses clientDataJSON: UTF-8 JSON object with string `type`, `challenge` and `origin`;
 * `crossOrigin` boolean and `topOrigin` string when present. Checks shapes only; the relying
 * party compares values.
 *
 * @throws {ClientDataError} `ERR_CLIENT_DATA_MALFORMED`
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
