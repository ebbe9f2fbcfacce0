/**
 * Related Origin Requests (WebAuthn L3 §5.11, §5.11.1 "Validating Related Origins"): the client
 * side, against documents shaped as the spec's example (§5.11: example.co.uk, example.de,
 * example-rewards.com listed for the RP ID example.com).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RELATED_ORIGIN_LABELS,
  type PublicKeyCredentialCreationOptionsJSON,
  type RelatedOriginsFetch,
  validateRelatedOrigin,
  WebAuthnClient,
} from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';

const SPEC_EXAMPLE = {
  origins: ['https://example.co.uk', 'https://example.de', 'https://example-rewards.com'],
};

interface Call {
  url: string;
  init: Parameters<RelatedOriginsFetch>[1];
}

function serve(
  body: unknown,
  init: { status?: number; type?: string } = {},
): RelatedOriginsFetch & { calls: Call[] } {
  const calls: Call[] = [];
  const f = async (url: string, i: Parameters<RelatedOriginsFetch>[1]) => {
    calls.push({ url, init: i });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status: init.status ?? 200,
      headers: { 'content-type': init.type ?? 'application/json; charset=utf-8' },
    });
  };
  return Object.assign(f, { calls });
}

const refusal = (code: string) => expect.objectContaining({ code, domName: 'SecurityError' });

describe('validateRelatedOrigin', () => {
  it('accepts an origin the document lists, fetching without credentials or referrer', async () => {
    const f = serve(SPEC_EXAMPLE);
    await expect(validateRelatedOrigin('https://example.de', 'example.com', f)).resolves.toBeUndefined();
    expect(f.calls).toEqual([
      {
        url: 'https://example.com/.well-known/webauthn',
        init: { credentials: 'omit', referrerPolicy: 'no-referrer', redirect: 'follow' },
      },
    ]);
  });
  it('compares origins, not hosts: another port or scheme is not listed', async () => {
    await expect(
      validateRelatedOrigin('https://example.de:8443', 'example.com', serve(SPEC_EXAMPLE)),
    ).rejects.toThrow(refusal('ERR_RELATED_ORIGINS_NOT_LISTED'));
  });
  it.each([
    [
      'a network failure',
      (async () => {
        throw new TypeError('fetch failed');
      }) as RelatedOriginsFetch,
      'ERR_RELATED_ORIGINS_FETCH',
    ],
    ['HTTP 404', serve(SPEC_EXAMPLE, { status: 404 }), 'ERR_RELATED_ORIGINS_STATUS'],
    ['HTTP 301 left unfollowed', serve(SPEC_EXAMPLE, { status: 301 }), 'ERR_RELATED_ORIGINS_STATUS'],
    ['text/html', serve(SPEC_EXAMPLE, { type: 'text/html' }), 'ERR_RELATED_ORIGINS_MALFORMED'],
    ['a body that is not JSON', serve('{"origins": [', {}), 'ERR_RELATED_ORIGINS_MALFORMED'],
    [
      'origins that is not an array',
      serve({ origins: 'https://example.de' }),
      'ERR_RELATED_ORIGINS_MALFORMED',
    ],
    ['origins with a number', serve({ origins: ['https://example.de', 1] }), 'ERR_RELATED_ORIGINS_MALFORMED'],
    ['a JSON array', serve([SPEC_EXAMPLE.origins]), 'ERR_RELATED_ORIGINS_MALFORMED'],
    ['JSON null', serve('null'), 'ERR_RELATED_ORIGINS_MALFORMED'],
    ['an origin not listed', serve(SPEC_EXAMPLE), 'ERR_RELATED_ORIGINS_NOT_LISTED'],
  ])('%s is a typed SecurityError', async (_what, f, code) => {
    const origin = code === 'ERR_RELATED_ORIGINS_NOT_LISTED' ? 'https://example.fr' : 'https://example.de';
    await expect(validateRelatedOrigin(origin, 'example.com', f)).rejects.toThrow(refusal(code));
  });
  it(`reads origins of at most ${MAX_RELATED_ORIGIN_LABELS} registrable-domain labels`, async () => {
    const others = ['https://a.com', 'https://b.com', 'https://c.net', 'https://d.org', 'https://e.io'];
    const f = serve({ origins: [...others, 'https://shop.example.de'] });
    await expect(validateRelatedOrigin('https://shop.example.de', 'example.com', f)).rejects.toThrow(
      refusal('ERR_RELATED_ORIGINS_LABEL_LIMIT'),
    );
    // labels, not origins, are counted: example.co.uk and example.de share the label "example",
    // and unparsable entries or IP addresses take no label
    const same = serve({
      origins: [
        'https://example.co.uk',
        'https://example.de',
        'not a url',
        'https://192.0.2.1',
        ...others.slice(0, 4),
        'https://www.example.fr',
      ],
    });
    await expect(
      validateRelatedOrigin('https://www.example.fr', 'example.com', same),
    ).resolves.toBeUndefined();
  });
  it('passes an abort on as an abort, not as a related-origins failure', async () => {
    const ctl = new AbortController();
    const f: RelatedOriginsFetch = async () => {
      ctl.abort();
      throw new DOMException('aborted', 'AbortError');
    };
    await expect(
      validateRelatedOrigin('https://example.de', 'example.com', f, ctl.signal),
    ).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });
});

const creation: PublicKeyCredentialCreationOptionsJSON = {
  rp: { id: 'example.com', name: 'Example' },
  user: { id: 'dXNlcg', name: 'u', displayName: 'U' },
  challenge: 'AAECAw',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
};

describe('WebAuthnClient and related origins', () => {
  it('without a fetch makes no request: an RP ID of another site is SecurityError', async () => {
    const client = new WebAuthnClient({ device: new ScriptedDevice(), origin: 'https://example.de' });
    await expect(client.create(creation)).rejects.toThrow(refusal('ERR_SECURITY'));
  });
  it('with a fetch, a document that does not list the origin refuses the ceremony before any key is asked', async () => {
    const f = serve(SPEC_EXAMPLE);
    const device = new ScriptedDevice();
    const client = new WebAuthnClient({ device, origin: 'https://example.fr', fetch: f });
    await expect(client.get({ challenge: 'AAECAw', rpId: 'example.com' })).rejects.toThrow(
      refusal('ERR_RELATED_ORIGINS_NOT_LISTED'),
    );
    expect(f.calls.map((c) => c.url)).toEqual(['https://example.com/.well-known/webauthn']);
    expect(device.requests).toHaveLength(0);
  });
  it('never fetches for an RP ID that is a public suffix', async () => {
    const f = serve({ origins: ['https://evil.co.uk'] });
    const client = new WebAuthnClient({
      device: new ScriptedDevice(),
      origin: 'https://evil.co.uk',
      fetch: f,
    });
    await expect(client.create({ ...creation, rp: { id: 'co.uk', name: 'x' } })).rejects.toThrow(
      refusal('ERR_PUBLIC_SUFFIX'),
    );
    expect(f.calls).toHaveLength(0);
  });
});

describe('the well-known document is untrusted input (fast-check)', () => {
  const CODES = [
    'ERR_RELATED_ORIGINS_MALFORMED',
    'ERR_RELATED_ORIGINS_NOT_LISTED',
    'ERR_RELATED_ORIGINS_LABEL_LIMIT',
  ];
  const outcome = async (body: string, type = 'application/json') => {
    try {
      await validateRelatedOrigin('https://example.de', 'example.com', serve(body, { type }));
      return 'accepted';
    } catch (e) {
      return (e as { code?: string; domName?: string }).domName === 'SecurityError'
        ? (e as { code: string }).code
        : `untyped: ${String(e)}`;
    }
  };
  it('any body, any JSON value: accepted or a typed SecurityError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ origins: v })),
          fc
            .array(fc.oneof(fc.webUrl(), fc.constant('https://example.de'), fc.string()), { maxLength: 12 })
            .map((origins) => JSON.stringify({ origins })),
        ),
        async (body) => {
          const r = await outcome(body);
          expect(r === 'accepted' || CODES.includes(r), r).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('a document that lists the origin first is accepted whatever follows it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.webUrl(), fc.string()), { maxLength: 20 }), async (rest) => {
        expect(await outcome(JSON.stringify({ origins: ['https://example.de', ...rest] }))).toBe('accepted');
      }),
      { numRuns: 200 },
    );
  });
});
