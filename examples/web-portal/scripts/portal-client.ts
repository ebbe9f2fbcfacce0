/**
 * A small HTTP client for the portal, with a cookie jar, the CSRF token and the Origin header a
 * browser sends; ceremonies are done by `WebAuthnClient` over a `VirtualAuthenticator`. Used by
 * the HTTP-level tests and the load script.
 */
import type { WebAuthnClient } from '@fido2kit/ctap2';
import { totpCode } from '../src/totp.js';

export interface HttpResult {
  status: number;
  location: string | null;
  text: string;
  json: Record<string, unknown>;
}

export class PortalClient {
  /** Where requests go; change it to move between instances behind one public origin. */
  base: string;
  /** The public origin, sent as Origin. Default: `base`. */
  readonly origin: string;
  readonly #cookies = new Map<string, string>();
  csrf = '';
  /** Headers sent with every request (e.g. X-Forwarded-For behind a test proxy). */
  headers: Record<string, string> = {};
  /** HTTP requests made by every client (for the load script's figures). */
  static requests = 0;

  constructor(base: string, options: { origin?: string } = {}) {
    this.base = base;
    this.origin = options.origin ?? new URL(base).origin;
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  async request(
    method: string,
    path: string,
    body?: { form?: [string, string][]; json?: unknown },
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: string | undefined;
    if (method !== 'GET') headers.origin = this.origin;
    if (body?.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body.form).toString();
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['x-csrf-token'] = this.csrf;
      payload = JSON.stringify(body.json);
    }
    PortalClient.requests++;
    const res = await fetch(new URL(path, this.base), { method, headers, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /max-age=0\b/i.test(a.trim()))) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const text = await res.text();
    const meta = /<meta name="csrf-token" content="([^"]*)">/.exec(text);
    if (meta) this.csrf = meta[1]!;
    let json: Record<string, unknown> = {};
    if (res.headers.get('content-type')?.includes('json')) json = JSON.parse(text) as Record<string, unknown>;
    return { status: res.status, location: res.headers.get('location'), text, json };
  }

  get(path: string) {
    return this.request('GET', path);
  }
  /** A form post with the page's CSRF token; repeated fields as [name, value] pairs. */
  postForm(path: string, form: Record<string, string> | [string, string][]) {
    const pairs = Array.isArray(form) ? form : Object.entries(form);
    return this.request('POST', path, { form: [['_csrf', this.csrf], ...pairs] });
  }
  postJson(path: string, json: unknown) {
    return this.request('POST', path, { json });
  }

  /** Password, then the current one-time code. Returns the code step's result (303 on success). */
  async signInWithPassword(
    username: string,
    password: string,
    totpSecret: string,
    nowMs = Date.now(),
  ): Promise<HttpResult> {
    await this.get('/signin');
    const first = await this.postForm('/signin', { username, password });
    if (first.status !== 303) return first;
    await this.get('/signin/code');
    return this.postForm('/signin/code', { code: await totpCode(totpSecret, nowMs) });
  }

  /** Security info → add a security key, through the given WebAuthn client. */
  async addSecurityKey(client: WebAuthnClient, transport: 'usb' | 'nfc' = 'usb'): Promise<HttpResult> {
    await this.get('/security-info/add-key');
    const options = await this.postJson('/api/keys/register/options', { transport });
    if (options.status !== 200) return options;
    // biome-ignore lint/suspicious/noExplicitAny: the portal's JSON is the client's input as is
    const response = await client.create(options.json as any);
    return this.postJson('/api/keys/register/verify', { response, transport });
  }

  /** Sign in with a security key and no username. */
  async signInWithKey(client: WebAuthnClient): Promise<HttpResult & { response?: unknown }> {
    await this.get('/signin');
    const options = await this.postJson('/api/signin/key/options', {});
    if (options.status !== 200) return options;
    // biome-ignore lint/suspicious/noExplicitAny: the portal's JSON is the client's input as is
    const response = await client.get(options.json as any);
    return { ...(await this.postJson('/api/signin/key/verify', { response })), response };
  }
}
