/** What every command gets, and the PIN prompts they share. */
import { ClientPin, type Ctap2, padPin } from '@fido2kit/ctap2';
import type { OpenKey, Ui } from '@fido2kit/example-common';
import type { Args } from './cli.js';

export interface Context {
  args: Args;
  ui: Ui;
  key: OpenKey;
  ctap: Ctap2;
}

/** A failure the manager explains itself (its own code, exit 1). */
export class ManagerError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when the key has a PIN set (getInfo option clientPin). */
export function hasPin(ctap: Ctap2): boolean {
  return ctap.info.options.clientPin === true;
}

/** PIN retries left, or undefined when the key cannot tell (no PIN support). */
export async function pinRetries(ctap: Ctap2): Promise<number | undefined> {
  if (!ClientPin.isSupported(ctap) || !hasPin(ctap)) return undefined;
  try {
    return (await new ClientPin(ctap).getRetries()).retries;
  } catch {
    return undefined;
  }
}

/** The key's current PIN: --pin, or asked (masked). */
export async function askPin(ctx: Context, question = 'PIN of the security key'): Promise<string> {
  if (ctx.args.pin !== undefined) return ctx.args.pin;
  return ctx.ui.askSecret(question, '--pin');
}

/** The rule a new PIN must follow on this key, for people. */
export function pinRule(ctap: Ctap2): string {
  const min = ctap.info.minPINLength ?? 4;
  return `The PIN must have at least ${min} characters and at most 63 bytes; letters, digits and symbols are all allowed.`;
}

/**
 * Why `pin` breaks this key's PIN policy (ctap2's padPin applies CTAP 2.1 §6.5.5.5 with the
 * key's minPINLength), or undefined when it does not.
 */
export function pinPolicyProblem(ctap: Ctap2, pin: string): string | undefined {
  try {
    padPin(pin, ctap.info.minPINLength ?? 4);
    return undefined;
  } catch (e) {
    if (isCode(e, 'ERR_PIN_POLICY')) return (e as Error).message;
    throw e;
  }
}

/**
 * A new PIN: `given` (--new-pin / --pin), or asked (masked) until it meets the key's policy, then
 * asked again to confirm. The policy is checked as the PIN is typed, before the key is asked.
 */
export async function askNewPin(ctx: Context, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    padPin(given, ctx.ctap.info.minPINLength ?? 4); // throws ERR_PIN_POLICY before the key is asked
    return given;
  }
  let first = await ctx.ui.askSecret('New PIN', '--new-pin');
  for (
    let problem = pinPolicyProblem(ctx.ctap, first);
    problem;
    problem = pinPolicyProblem(ctx.ctap, first)
  ) {
    ctx.ui.warn(`${problem[0]!.toUpperCase()}${problem.slice(1)}.`);
    first = await ctx.ui.askSecret('New PIN', '--new-pin');
  }
  const again = await ctx.ui.askSecret('The new PIN again', '--new-pin');
  if (first !== again) throw new ManagerError('ERR_PIN_MISMATCH', 'the two PINs differ; nothing was changed');
  return first;
}

/**
 * The token options of a management command: the PIN when the key has one (given or asked);
 * with no PIN and no terminal, the fingerprint sensor when a fingerprint is enrolled.
 */
export async function pinForManagement(ctx: Context, what: string): Promise<{ pin?: string }> {
  const o = ctx.ctap.info.options;
  if (!hasPin(ctx.ctap)) {
    throw new ManagerError(
      'ERR_PIN_NOT_SET',
      `${what} needs a PIN on the key, and it has none. Set one first: fido2kit-keys pin set`,
    );
  }
  if (ctx.ctap.info.forcePINChange)
    throw new ManagerError(
      'ERR_PIN_CHANGE_REQUIRED',
      `${what} has to wait: the key requires a new PIN first (its minimum length grew, or a change was forced). Change it with: fido2kit-keys pin change`,
    );
  if (ctx.args.pin !== undefined) return { pin: ctx.args.pin };
  if (!ctx.ui.interactive && o.uv === true) {
    ctx.ui.spin('Touch the fingerprint sensor with an enrolled finger…');
    return {};
  }
  return { pin: await askPin(ctx) };
}

/** True when the error's `code` is one of `codes`. */
export function isCode(e: unknown, ...codes: string[]): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && codes.includes(code);
}
