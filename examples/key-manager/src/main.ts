/**
 * fido2kit-keys: a security-key manager in a terminal — what BioPass FIDO2 Manager, Windows'
 * security-key settings and Chrome's security-key page do: list keys, info, wink, PIN,
 * fingerprints, stored credentials, config, reset.
 *
 *   fido2kit-keys COMMAND [options]        (fido2kit-keys --help lists the commands)
 */
import { Ctap2 } from '@fido2kit/ctap2';
import { NeedsAnswerError, type OpenKey, Ui } from '@fido2kit/example-common';
import { info, list, pinChange, pinSet, reset, wink } from './basic.js';
import { type Args, parse } from './cli.js';
import { type Context, isCode, ManagerError, pinRetries } from './context.js';
import { openManagedKey, UsageError } from './keys.js';
import { MANAGEMENT } from './manage.js';

const RUN: Record<string, (ctx: Context) => Promise<unknown>> = {
  info,
  wink,
  'pin set': pinSet,
  'pin change': pinChange,
  reset,
  ...MANAGEMENT,
};

/** What to tell people when something fails, by error code. */
function advice(error: unknown, command: string, retries: number | undefined): string | undefined {
  const code = (error as { code?: string }).code ?? '';
  // A key that could not be opened: the message already says why and what to do.
  if ((error as { name?: string }).name === 'KeyUnavailableError') return undefined;
  const left = retries === undefined ? '' : ` ${retries} ${retries === 1 ? 'retry' : 'retries'} left.`;
  if (code === 'CTAP2_ERR_NOT_ALLOWED' && command === 'reset')
    return 'The key refused the reset: a key accepts a reset only within 10 seconds of being plugged in (or placed on the NFC reader). Unplug it, plug it back in, and run fido2kit-keys reset again within 10 seconds, then touch the key.';
  const table: Record<string, string> = {
    CTAP2_ERR_PIN_INVALID: `Wrong PIN.${left} Each wrong PIN uses a retry; when none are left the key must be reset.`,
    CTAP2_ERR_PIN_AUTH_BLOCKED: `Three wrong PINs in a row: unplug the key and plug it back in, then try again.${left}`,
    CTAP2_ERR_PIN_BLOCKED:
      'No PIN retries are left: the PIN is blocked. Only a reset (fido2kit-keys reset, which erases everything) makes the key usable again.',
    CTAP2_ERR_PIN_POLICY_VIOLATION:
      'The key does not accept this PIN: it is too short or too simple for its policy, or the key requires a new PIN first (fido2kit-keys pin change).',
    ERR_PIN_POLICY: 'Choose another PIN (see the rule above).',
    CTAP2_ERR_PIN_NOT_SET: 'This key has no PIN yet: set one with fido2kit-keys pin set.',
    CTAP2_ERR_PIN_REQUIRED: "This needs the key's PIN: pass --pin.",
    CTAP2_ERR_PUAT_REQUIRED: "This needs the key's PIN: pass --pin.",
    CTAP2_ERR_UV_BLOCKED:
      'The fingerprint sensor is blocked after too many failed tries: use the PIN (--pin).',
    CTAP2_ERR_OPERATION_DENIED: 'The key was not touched to confirm, or the touch was declined. Try again.',
    CTAP2_ERR_USER_ACTION_TIMEOUT:
      'The key waited for a touch and gave up. Try again, and touch the key when asked.',
    CTAP2_ERR_FP_DATABASE_FULL: 'The key holds as many fingerprints as it can: delete one first.',
    CTAP2_ERR_KEY_STORE_FULL:
      'The key has no room for more credentials: delete some with fido2kit-keys credentials delete.',
    ERR_NEEDS_ANSWER: 'Run in a terminal, or answer on the command line (see --help).',
    ERR_NOT_SUPPORTED: 'This key does not have that feature.',
  };
  return table[code];
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    const parsed = parse(argv);
    if ('help' in parsed) {
      process.stdout.write(`${parsed.help}\n`);
      return 0;
    }
    args = parsed;
  } catch (e) {
    const m = (e as Error).message;
    const more = m.includes('\n')
      ? ''
      : '\nfido2kit-keys --help lists the commands; fido2kit-keys COMMAND --help explains one.\n';
    process.stderr.write(`fido2kit-keys: ${m}\n${more}`);
    return 2;
  }
  const ui = new Ui({ json: args.json, yes: args.yes });
  const command = args.spec.name;
  let key: OpenKey | undefined;
  let ctx: Context | undefined;
  try {
    if (!args.spec.needsKey) {
      await list(args, ui);
      return 0;
    }
    key = await openManagedKey({
      device: args.device,
      virtualStateFile: args.virtual,
      ...(args.pluggedInAgo !== undefined ? { pluggedInAgoSeconds: args.pluggedInAgo } : {}),
    }).catch((e: Error & { code?: string }) => {
      // no key could be opened: the message says why; the code says it to a program
      throw e.code ? e : Object.assign(e, { code: 'ERR_NO_DEVICE' });
    });
    if (key.created)
      ui.say(
        `Made a virtual security key (no PIN, a fingerprint sensor with no fingerprints), kept in ${args.virtual}.`,
      );
    ui.say(`Using the ${key.label}.`);
    ui.step('key', { label: key.label, kind: key.kind, created: key.created });
    ctx = { args, ui, key, ctap: await Ctap2.open(key.device) };
    const run = RUN[command];
    if (!run) throw new ManagerError('ERR_NOT_IMPLEMENTED', `${command} is not available yet`);
    const after = await run(ctx);
    if (after && typeof after === 'object' && 'key' in after) key = (after as Context).key;
    return 0;
  } catch (e) {
    ui.stopSpinner();
    const err = e as Error & { code?: string; details?: Record<string, unknown> };
    let retries: number | undefined;
    if (ctx && isCode(e, 'CTAP2_ERR_PIN_INVALID', 'CTAP2_ERR_PIN_AUTH_BLOCKED'))
      retries = await pinRetries(ctx.ctap);
    const code = err.code ?? err.name;
    const ours = e instanceof ManagerError || e instanceof NeedsAnswerError || e instanceof UsageError;
    const withCode = ours || !err.code || err.message.includes(err.code);
    ui.warn(`fido2kit-keys ${command}: ${err.message}${withCode ? '' : ` (${err.code})`}`);
    const hint = advice(e, command, retries);
    if (hint) ui.warn(hint);
    ui.step('error', {
      code,
      message: err.message,
      ...(retries !== undefined ? { retries } : {}),
      ...(hint ? { advice: hint } : {}),
    });
    return e instanceof UsageError ? 2 : 1;
  } finally {
    ui.stopSpinner();
    await key?.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
