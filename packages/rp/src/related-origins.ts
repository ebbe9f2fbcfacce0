/** The Related Origin Requests document (WebAuthn L3 §5.11), served at `/.well-known/webauthn`. */
import { InvalidArgumentError } from '@fido2kit/cose';

/** The JSON document served at `https://<rpID>/.well-known/webauthn`. */
export interface RelatedOriginsDocument {
  origins: string[];
}

const ORIGIN = /^https:\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::\d{1,5})?$/;

/**
 * Builds the `/.well-known/webauthn` document listing the origins allowed to use this RP ID
 * (WebAuthn L3 §5.11). Each origin must be an `https://host[:port]` origin with no path;
 * duplicates are removed, order is kept. Serve it as `application/json`. Browsers read only the
 * first few registrable domains (at least 5 labels), so list the most important first.
 *
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for an origin that is not `https://host[:port]`
 * @example
 * ```ts
 * app.get('/.well-known/webauthn', (_req, res) =>
 *   res.json(buildRelatedOriginsDocument(['https://example.co.uk', 'https://example.de'])));
 * ```
 */
export function buildRelatedOriginsDocument(origins: readonly string[]): RelatedOriginsDocument {
  if (!Array.isArray(origins))
    throw new InvalidArgumentError('"origins" expected an array of origin strings');
  const out: string[] = [];
  for (const [i, o] of origins.entries()) {
    if (typeof o !== 'string' || !ORIGIN.test(o.toLowerCase()))
      throw new InvalidArgumentError(
        `"origins[${i}]" expected an https origin such as https://example.com, got ${JSON.stringify(o)}`,
      );
    const n = o.toLowerCase();
    if (!out.includes(n)) out.push(n);
  }
  return { origins: out };
}
