/**
 * Related Origin Requests (WebAuthn L3 §5.11): an origin may use an RP ID it is not a registrable
 * suffix of when `https://{rpId}/.well-known/webauthn` lists it. The client fetches the document
 * through the `fetch` it is given (none, no request: the check then fails as before).
 */
import { getDomain, getPublicSuffix } from 'tldts';
import { Ctap2ClientError, type Ctap2ClientErrorCode, WebAuthnClientError } from '../errors.js';
import { inspectRpId } from './rp-id.js';

/** The registrable-domain labels a client reads at least (WebAuthn L3 §5.11.1 maxLabels). */
export const MAX_RELATED_ORIGIN_LABELS = 5;

/** The part of a fetch Response the check reads. */
export interface RelatedOriginsResponse {
  /** The HTTP status (only 200 is accepted). */
  readonly status: number;
  /** The response headers (the client reads `content-type`). */
  readonly headers: {
    /** A header's value, or `null` when absent. */
    get(name: string): string | null;
  };
  /** The body as text (parsed as JSON by the client). */
  text(): Promise<string>;
}

/**
 * The fetch the client uses for `/.well-known/webauthn`: `globalThis.fetch` fits, or a stub in
 * tests. Called with no credentials and no referrer, redirects followed (§5.11.1 step 1).
 */
export type RelatedOriginsFetch = (
  url: string,
  init: { signal?: AbortSignal; credentials: 'omit'; referrerPolicy: 'no-referrer'; redirect: 'follow' },
) => Promise<RelatedOriginsResponse>;

const PSL = { allowPrivateDomains: true } as const;

function refuse(code: Ctap2ClientErrorCode, message: string, cause?: unknown): never {
  throw new WebAuthnClientError(code, 'SecurityError', message, cause === undefined ? {} : { cause });
}

/** The registrable origin label of a host: `example` for `login.example.co.uk`, else undefined. */
export function registrableOriginLabel(host: string): string | undefined {
  const domain = getDomain(host, PSL);
  const suffix = getPublicSuffix(host, PSL);
  if (!domain || !suffix || domain.length <= suffix.length + 1) return undefined;
  return domain.slice(0, domain.length - suffix.length - 1);
}

/** The origins of a well-known document, or a typed refusal for a body that is not one. */
function originsOf(body: string, url: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return refuse('ERR_RELATED_ORIGINS_MALFORMED', `${url} is not JSON`);
  }
  const origins = (doc as { origins?: unknown } | null)?.origins;
  if (
    typeof doc !== 'object' ||
    doc === null ||
    Array.isArray(doc) ||
    !Array.isArray(origins) ||
    origins.some((o) => typeof o !== 'string')
  ) {
    return refuse('ERR_RELATED_ORIGINS_MALFORMED', `${url} has no "origins" array of strings`);
  }
  return origins as string[];
}

/**
 * Validates a related origin (WebAuthn L3 §5.11.1): fetches `https://{rpId}/.well-known/webauthn`
 * and accepts the caller's origin when the document lists it within the first
 * {@link MAX_RELATED_ORIGIN_LABELS} registrable-domain labels.
 * @param callerOrigin the origin of the ceremony
 * @param rpId the RP ID asked for (already checked to be a domain and no public suffix)
 * @param fetchFn the fetch to use
 * @param signal the ceremony's signal
 * @throws {WebAuthnClientError} `SecurityError` with `ERR_RELATED_ORIGINS_FETCH` (network
 *   failure), `ERR_RELATED_ORIGINS_STATUS` (not 200), `ERR_RELATED_ORIGINS_MALFORMED` (not
 *   application/json, not JSON, no origins array of strings), `ERR_RELATED_ORIGINS_LABEL_LIMIT`
 *   (listed only after the label limit), `ERR_RELATED_ORIGINS_NOT_LISTED`
 * @example
 * ```ts
 * await validateRelatedOrigin('https://example.co.uk', 'example.com', fetch);
 * ```
 */
export async function validateRelatedOrigin(
  callerOrigin: string,
  rpId: string,
  fetchFn: RelatedOriginsFetch,
  signal?: AbortSignal,
): Promise<void> {
  const url = `https://${rpId}/.well-known/webauthn`;
  let response: RelatedOriginsResponse;
  let body: string;
  try {
    response = await fetchFn(url, {
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      redirect: 'follow',
      ...(signal ? { signal } : {}),
    });
    if (response.status !== 200) {
      return refuse('ERR_RELATED_ORIGINS_STATUS', `${url} answered HTTP ${response.status}, not 200`);
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse('ERR_RELATED_ORIGINS_MALFORMED', `${url} is ${type || 'untyped'}, not application/json`);
    }
    body = await response.text();
  } catch (e) {
    if (e instanceof WebAuthnClientError) throw e;
    if (signal?.aborted) throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
    return refuse(
      'ERR_RELATED_ORIGINS_FETCH',
      `${url} could not be fetched: ${(e as Error)?.message ?? e}`,
      e,
    );
  }
  const caller = new URL(callerOrigin).origin;
  const labelsSeen = new Set<string>();
  let pastLimit = false;
  for (const item of originsOf(body, url)) {
    let u: URL;
    try {
      u = new URL(item);
    } catch {
      continue;
    }
    const label = registrableOriginLabel(u.hostname.toLowerCase());
    if (label === undefined) continue;
    if (labelsSeen.size >= MAX_RELATED_ORIGIN_LABELS && !labelsSeen.has(label)) {
      if (u.origin === caller) pastLimit = true;
      continue;
    }
    if (u.origin === caller) return;
    labelsSeen.add(label);
  }
  if (pastLimit) {
    refuse(
      'ERR_RELATED_ORIGINS_LABEL_LIMIT',
      `${url} lists ${caller} only after ${MAX_RELATED_ORIGIN_LABELS} other registrable domains`,
    );
  }
  refuse('ERR_RELATED_ORIGINS_NOT_LISTED', `${url} does not list ${caller}`);
}

/**
 * The RP ID of a ceremony: the RP-ID rules, then, where the RP ID is not a registrable suffix of
 * the origin and a fetch is given, the related origins document.
 * @throws {WebAuthnClientError} as {@link checkRpId} and {@link validateRelatedOrigin}
 */
export async function resolveRpId(
  origin: string,
  rpId: string | undefined,
  fetchFn: RelatedOriginsFetch | undefined,
  signal: AbortSignal,
): Promise<string> {
  const r = inspectRpId(origin, rpId);
  if (r.ok) return r.rpId;
  if (fetchFn === undefined) {
    return refuse('ERR_SECURITY', `RP ID "${r.rpId}" is not a registrable suffix of the origin ${origin}`);
  }
  await validateRelatedOrigin(origin, r.rpId, fetchFn, signal);
  return r.rpId;
}
