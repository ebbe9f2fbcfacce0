/**
 * Requests an attacker sends on purpose: each gets a 4xx with a clear message and nothing in the
 * log; an unexpected failure is a plain 500 page without internals, logged once on one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalClient } from '../scripts/portal-client.js';
import { MESSAGES } from '../src/messages.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
const logged: string[] = [];
beforeAll(async () => {
  h = await startHarness({ log: (line) => logged.push(line), names: ['admin', 'alice'] });
  await h.setPolicy({ enabled: true });
});
afterAll(async () => {
  await h?.close();
});

const escaped = (s: string) => s.replace(/'/g, '&#39;');

/** A raw POST with the client's pre-session cookie and CSRF token: the body and its type as given. */
async function rawPost(
  c: PortalClient,
  path: string,
  contentType: string,
  body: BodyInit,
): Promise<Response> {
  return fetch(new URL(path, h.portal.url), {
    method: 'POST',
    headers: {
      origin: h.portal.url,
      'x-csrf-token': c.csrf,
      'content-type': contentType,
      cookie: `portal_anon=${c.cookie('portal_anon')}`,
    },
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('bodies over the size limit', () => {
  const big = 'x'.repeat(70 * 1024);

  it('answers 413 with a clear message, for JSON and for forms, with or without a length', async () => {
    const c = h.client();
    await c.get('/signin');
    const json = await c.postJson('/api/signin/key/verify', { pad: big });
    expect(json.status).toBe(413);
    expect(json.json.error).toBe(MESSAGES.tooLarge);
    const form = await c.postForm('/signin', { username: 'alice', password: big });
    expect(form.status).toBe(413);
    expect(form.text).toContain(MESSAGES.tooLarge);
    // Chunked: no Content-Length, the limit is counted as the body streams in.
    const chunks = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 10; i++) ctl.enqueue(new TextEncoder().encode(big.slice(0, 8 * 1024)));
        ctl.close();
      },
    });
    const streamed = await rawPost(c, '/api/signin/key/verify', 'application/json', chunks);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: string }).error).toBe(MESSAGES.tooLarge);
    expect(logged).toEqual([]);
  });
});

describe('verify endpoints given JSON of the wrong shape', () => {
  const bodies: [string, unknown][] = [
    ['null', null],
    ['an array', []],
    ['a number', 7],
    ['a string', 'response'],
    ['response null', { response: null }],
    ['response a string', { response: 'x' }],
    ['id a number', { response: { id: 5, response: { clientDataJSON: 'e30' } } }],
    ['response.response null', { response: { id: 'a', response: null } }],
    ['clientDataJSON a number', { response: { id: 'a', response: { clientDataJSON: 7 } } }],
    ['clientDataJSON not JSON', { response: { id: 'a', response: { clientDataJSON: 'bm90IGpzb24' } } }],
    // {"challenge":1,"type":"webauthn.get","origin":"x"}: a challenge that is not a string.
    [
      'challenge a number',
      {
        response: {
          id: 'a',
          response: {
            clientDataJSON: Buffer.from('{"challenge":1,"type":"webauthn.get","origin":"x"}').toString(
              'base64url',
            ),
          },
        },
      },
    ],
  ];

  let signedIn: PortalClient;
  beforeAll(async () => {
    signedIn = await h.signIn('alice');
    await signedIn.get('/security-info');
  });

  it.each(bodies)('answers 400 to %s on both verify endpoints', async (_name, body) => {
    const anon = h.client();
    await anon.get('/signin');
    const signin = await anon.postJson('/api/signin/key/verify', body);
    expect(signin.status).toBe(400);
    expect(signin.json.error).toBe(MESSAGES.badResponse);
    const register = await signedIn.postJson('/api/keys/register/verify', body);
    expect(register.status).toBe(400);
    expect(register.json.error).toBe(MESSAGES.badResponse);
    expect(logged).toEqual([]);
  });

  it('answers 400 to a body that is not JSON at all', async () => {
    const c = h.client();
    await c.get('/signin');
    const res = await rawPost(c, '/api/signin/key/verify', 'application/json', '{"response":');
    expect(res.status).toBe(400);
  });

  it('answers 400 to a form post whose body is not a form', async () => {
    const c = h.client();
    await c.get('/signin');
    const res = await rawPost(c, '/signin', 'multipart/form-data', 'not multipart');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(escaped(MESSAGES.badRequest));
    expect(logged).toEqual([]);
  });
});

describe('static files', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'nope.css'])(
    'answers 404 to /static/%s',
    async (name) => {
      const r = await h.client().get(`/static/${name}`);
      expect(r.status).toBe(404);
      expect(r.text).toContain(escaped(MESSAGES.notFound));
      expect(logged).toEqual([]);
    },
  );

  it('serves the stylesheet and the script', async () => {
    expect((await h.client().get('/static/portal.css')).status).toBe(200);
    expect((await h.client().get('/static/portal.js')).status).toBe(200);
  });
});

describe('an unexpected failure', () => {
  it('is a plain 500 page without internals, logged once on one line', async () => {
    const lines: string[] = [];
    const broken = await startHarness({ log: (line) => lines.push(line), names: ['alice'] });
    try {
      const c = broken.client();
      await c.get('/signin');
      await broken.store.close(); // the database goes away under the portal
      const r = await c.postForm('/signin', { username: 'alice', password: 'x' });
      expect(r.status).toBe(500);
      expect(r.text).toContain(MESSAGES.unexpected);
      expect(r.text).not.toMatch(/database|sqlite|at .*\.ts|Error:/i);
      const api = await c.postJson('/api/signin/key/options', {});
      expect(api.status).toBe(500);
      expect(api.json).toEqual({ error: MESSAGES.unexpected });
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^portal: POST \/signin failed: TypeError: The database connection is not open$/,
      );
      for (const l of lines) expect(l).not.toContain('\n');
    } finally {
      await broken.portal.close();
    }
  });
});
