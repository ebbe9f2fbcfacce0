/**
 * Reading a WebAuthn response from a request body, before anything else looks at it: the body must
 * be a JSON object whose `response` has the shape `PublicKeyCredential.toJSON()` gives, and its
 * clientDataJSON must be what `@fido2kit/cose` reads (one strict reader for the whole kit).
 */
import { base64url, parseClientDataJSON } from '@fido2kit/cose';
import type { Ctx } from './context.js';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CeremonyBody {
  /** The whole JSON body (other members, e.g. `transport`, are the route's to read). */
  body: Obj;
  /** The credential as the browser sent it. */
  credential: Obj & { id: string; response: Obj };
  /** The challenge the client data names (base64url). */
  challenge: string;
  /** `response.userHandle` when it is a non-empty string. */
  userHandle: string | undefined;
}

/** Reads the body of a `…/verify` request; undefined when it is not a WebAuthn response. */
export async function readCeremony(c: Ctx): Promise<CeremonyBody | undefined> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  const credential = body.response;
  if (!isObject(credential) || typeof credential.id !== 'string' || credential.id.length > 1024)
    return undefined;
  const r = credential.response;
  if (!isObject(r) || typeof r.clientDataJSON !== 'string' || r.clientDataJSON.length > 4096)
    return undefined;
  let challenge: string;
  try {
    challenge = parseClientDataJSON(base64url.decode(r.clientDataJSON)).challenge;
  } catch {
    return undefined;
  }
  const userHandle = typeof r.userHandle === 'string' && r.userHandle !== '' ? r.userHandle : undefined;
  return { body, credential: credential as CeremonyBody['credential'], challenge, userHandle };
}
