/** Reading a WebAuthn response from a request body: which challenge it answers. */

export function challengeOf(response: unknown): string | undefined {
  try {
    const r = response as { response?: { clientDataJSON?: unknown } };
    const cd = r.response?.clientDataJSON;
    if (typeof cd !== 'string' || cd.length > 4096) return undefined;
    const parsed = JSON.parse(Buffer.from(cd, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' ? parsed.challenge : undefined;
  } catch {
    return undefined;
  }
}
