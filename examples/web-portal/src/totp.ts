/** The one-time code (TOTP, RFC 6238) through otplib: 6 digits, 30-second steps, one step of clock drift. */
import { generate, generateSecret, generateURI, verify } from 'otplib';

export const newTotpSecret = (): string => generateSecret();

export const totpUri = (issuer: string, label: string, secret: string): string =>
  generateURI({ issuer, label, secret });

/** The code for a moment (milliseconds since the epoch). */
export const totpCode = (secret: string, nowMs: number): Promise<string> =>
  generate({ secret, epoch: Math.floor(nowMs / 1000) });

/**
 * Checks a code; returns its time step (so the caller can refuse to accept that step again) or
 * undefined when it does not match.
 */
export async function checkTotp(secret: string, token: string, nowMs: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(token)) return undefined;
  const result = await verify({ secret, token, epoch: Math.floor(nowMs / 1000), epochTolerance: 30 });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
