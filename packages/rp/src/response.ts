/** The browser's JSON forms of a credential (`PublicKeyCredential.toJSON()`, WebAuthn L3 §5.1). */
import { base64url } from '@fido2kit/cose';
import { fail } from './errors.js';

function malformed(message: string, cause?: unknown): never {
  const reason = (cause as { details?: { reason?: unknown } } | undefined)?.details?.reason;
  fail('ERR_RESPONSE_MALFORMED', message, cause === undefined ? undefined : { cause, details: { reason } });
}

/**
 * Decodes a required base64url member: canonical and unpadded only (cose's strict decoder), so
 * a response has one spelling. The cose error is the `cause`; `details.reason` says why
 * (`padding`, `character`, `length`, `trailing-bits`).
 * @internal
 */
export function b64(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string')
    malformed(`${name} expected a base64url string, got ${value === null ? 'null' : typeof value}`);
  try {
    return base64url.decode(value);
  } catch (e) {
    malformed(`${name} is not canonical unpadded base64url: ${(e as Error).message}`, e);
  }
}

/** The checked outer shape of a response. @internal */
export interface ResponseEnvelope {
  readonly id: string;
  readonly rawId: Uint8Array;
  readonly inner: Record<string, unknown>;
  readonly clientExtensionResults: Record<string, unknown>;
  readonly authenticatorAttachment: string | undefined;
}

/** Checks id = rawId, type = public-key, and returns the inner response. @internal */
export function envelope(response: unknown): ResponseEnvelope {
  let r = response;
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r);
    } catch {
      malformed('response is a string that is not JSON');
    }
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) malformed('response expected an object');
  const o = r as Record<string, unknown>;
  if (o.type !== 'public-key')
    malformed(`response.type expected "public-key", got ${JSON.stringify(o.type)}`);
  if (typeof o.id !== 'string' || o.id.length === 0)
    malformed('response.id expected a non-empty base64url string');
  if (o.rawId !== o.id) malformed('response.id and response.rawId differ');
  const rawId = b64(o.rawId, 'response.rawId');
  const inner = o.response;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner))
    malformed('response.response expected an object');
  const ext = o.clientExtensionResults;
  if (ext !== undefined && (ext === null || typeof ext !== 'object' || Array.isArray(ext)))
    malformed('response.clientExtensionResults expected an object');
  const att = o.authenticatorAttachment;
  if (att !== undefined && att !== null && typeof att !== 'string')
    malformed('response.authenticatorAttachment expected a string');
  return {
    id: o.id,
    rawId,
    inner: inner as Record<string, unknown>,
    clientExtensionResults: (ext as Record<string, unknown> | undefined) ?? {},
    authenticatorAttachment: typeof att === 'string' ? att : undefined,
  };
}
