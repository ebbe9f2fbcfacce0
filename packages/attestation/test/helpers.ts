import { readFileSync } from 'node:fs';
import { base64url, hexToBytes, sha256 } from '@fido2kit/cose';

export function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = hexToBytes;
export const b64u = (s: string) => base64url.decode(s);
export const cdh = (clientDataJSON: Uint8Array) => sha256(clientDataJSON);

/** Awaits a promise expected to reject and returns the error's code. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${(e as Error).message}`;
  }
  return 'resolved';
}
