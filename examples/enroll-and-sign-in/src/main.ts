/**
 * fido2kit demo: enrol a security key with a relying party that enforces the organisation's
 * policy, then sign in with it and no username.
 *
 *   fido2kit-demo [enroll|sign-in] [options]      (no command: enrol, then sign in)
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetadataCatalog } from '@fido2kit/attestation';
import { type AccountJSON, WebAuthnClient } from '@fido2kit/ctap2';
import {
  demoMetadata,
  NeedsAnswerError,
  type OpenKey,
  openKey,
  parseCommandLine,
  parseDevice,
  Ui,
  virtualFileProblem,
} from '@fido2kit/example-common';
import { DemoRelyingParty, type User } from './relying-party.js';

const HELP = `fido2kit demo — enrol a security key, then sign in with it and no username

Usage: fido2kit-demo [enroll|sign-in] [options]     (no command: enrol, then sign in)

Options:
  --user NAME            the account to enrol (default: alice)
  --display-name NAME    its display name (default: the user name)
  --key-name NAME        the name to give the key (asked; default: its model)
  --pin PIN              the key's PIN, when it needs one and has no fingerprint
  --account NAME|N       which account to sign in with when the key holds several (asked on a
                         terminal; without one: --user, or the user this run enrolled)
  --yes                  answer yes to every question
  --json                 print one JSON object per step, ask nothing (through npm: npm run --silent demo -- --json)
  --device KIND          virtual (default), hid, nfc, ble, auto (USB, NFC, then Bluetooth),
                         or udp[:PORT[:PORT]]
  --virtual FILE         the virtual key's state file (default: DATA/virtual-key.json)
  --data DIR             where the relying party keeps its users (default: the example's data/)
  --no-enforce-attestation   accept keys whose model is not in the metadata catalog
  -h, --help             this help

The virtual key is made on first use with PIN 123456 and one enrolled fingerprint, and kept in
its state file, so a second run finds the first run's account on it.`;

const ORIGIN = 'https://sign-in.fido2kit.example';
const RP_ID = 'fido2kit.example';

interface Args {
  command: 'all' | 'enroll' | 'sign-in';
  user: string;
  /** Whether --user was given (then it is also the account a sign-in picks without a terminal). */
  userGiven: boolean;
  displayName: string;
  keyName?: string;
  pin?: string;
  account?: string;
  yes: boolean;
  json: boolean;
  device: ReturnType<typeof parseDevice>;
  virtual: string;
  data: string;
  enforceAttestation: boolean;
}

function parse(argv: string[]): Args | 'help' {
  const { values, positionals } = parseCommandLineOf(argv);
  if (values.help) return 'help';
  const command = (positionals[0] ?? 'all') as Args['command'];
  if (!['all', 'enroll', 'sign-in'].includes(command) || positionals.length > 1) {
    throw new UsageError(`unknown command: ${positionals.join(' ')} (expected enroll or sign-in)`);
  }
  const data = resolve(values.data ?? fileURLToPath(new URL('../data/', import.meta.url)));
  const user = values.user ?? 'alice';
  const virtual = resolve(values.virtual ?? join(data, 'virtual-key.json'));
  const problem = values.virtual === undefined ? undefined : virtualFileProblem(virtual);
  if (problem) throw new UsageError(`--virtual ${values.virtual ?? virtual}: ${problem}`);
  return {
    command,
    user,
    userGiven: values.user !== undefined,
    displayName: values['display-name'] ?? user,
    keyName: values['key-name'],
    pin: values.pin,
    account: values.account,
    yes: values.yes,
    json: values.json,
    device: parseDevice(values.device),
    virtual,
    data,
    enforceAttestation: !values['no-enforce-attestation'],
  };
}

/** The demo's options, read by node:util's parseArgs; mistakes are usage errors. */
function parseCommandLineOf(argv: string[]) {
  return parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      options: {
        user: { type: 'string' },
        'display-name': { type: 'string' },
        'key-name': { type: 'string' },
        pin: { type: 'string' },
        account: { type: 'string' },
        yes: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        device: { type: 'string' },
        virtual: { type: 'string' },
        data: { type: 'string' },
        'no-enforce-attestation': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    (message) => new UsageError(message),
  );
}

/** A mistake on the command line (exit code 2). */
class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

/** The metadata catalog: the virtual key model's shipped statement, signed by the demo root. */
async function catalog(args: Args): Promise<MetadataCatalog> {
  return demoMetadata(join(args.data, 'metadata.json'));
}

function newVirtualKey() {
  return { pin: '123456', fingerprints: 1, attestation: 'packed' as const };
}

/** An account asked for with --account that the key does not hold for this site. */
class NoSuchAccountError extends Error {
  readonly code = 'ERR_NO_SUCH_ACCOUNT';
  constructor(account: string, accounts: string[]) {
    super(`this key holds no account "${account}" for ${RP_ID}; it holds: ${accounts.join(', ')}`);
  }
}

/** The account a sign-in picks without a terminal: --account, else the user this run enrolled or named. */
function defaultAccount(args: Args): string | undefined {
  if (args.account !== undefined) return args.account;
  return args.command === 'all' || args.userGiven ? args.user : undefined;
}

/**
 * The WebAuthn client for one ceremony, its prompts answered by the flags or the terminal.
 * `pinAsked()` tells afterwards whether the key wanted the PIN (a fingerprint may have done instead).
 */
function client(args: Args, ui: Ui, key: OpenKey): { client: WebAuthnClient; pinAsked: () => boolean } {
  let pinAsked = false;
  const webauthn = new WebAuthnClient({
    device: key.device,
    origin: ORIGIN,
    onUserPresence: () => ui.spin('Touch your security key…'),
    onPinRequired: async () => {
      pinAsked = true;
      if (args.pin !== undefined) return args.pin;
      return ui.askSecret('Enter your security key PIN', '--pin');
    },
    onSelectAccount: async (accounts: AccountJSON[]) => {
      const names = accounts.map((a) => a.name ?? a.id);
      const labels = accounts.map((a) =>
        a.displayName && a.displayName !== a.name ? `${a.name} (${a.displayName})` : (a.name ?? a.id),
      );
      ui.step('select-account', { accounts: names });
      // on a terminal the user picks (unless --account answered); without one, the default account
      const value = args.account ?? (ui.interactive ? undefined : defaultAccount(args));
      if (value !== undefined && !names.includes(value) && !/^\d+$/.test(value))
        throw new NoSuchAccountError(value, names);
      return ui.choose('This key holds several accounts for this site:', labels, {
        flag: '--account',
        value,
      });
    },
  });
  return { client: webauthn, pinAsked: () => pinAsked };
}

/** Says so when --pin was given but the key verified the user another way (its fingerprint). */
function notePinUnused(args: Args, ui: Ui, pinAsked: boolean): void {
  if (args.pin === undefined || pinAsked) return;
  ui.warn('Note: --pin was not used: the key verified you with its fingerprint sensor.');
  ui.step('note', { code: 'PIN_NOT_USED', message: '--pin was not used: the key verified the user itself' });
}

async function enroll(args: Args, ui: Ui, rp: DemoRelyingParty, key: OpenKey): Promise<boolean> {
  ui.say(`Enrolling a security key for ${args.user}…`);
  const options = await rp.startEnrollment(args.user, args.displayName);
  let response: Awaited<ReturnType<WebAuthnClient['create']>>;
  const c = client(args, ui, key);
  try {
    response = await c.client.create(options);
  } catch (e) {
    if (
      (e as { name?: string }).name === 'InvalidStateError' ||
      (e as { code?: string }).code === 'ERR_INVALID_STATE'
    ) {
      ui.say(`This key is already registered for ${args.user}; nothing to enrol.`);
      ui.step('enroll', { user: args.user, alreadyRegistered: true });
      return false;
    }
    throw e;
  } finally {
    key.save();
  }
  ui.stopSpinner();
  notePinUnused(args, ui, c.pinAsked());
  let attestation = { trusted: false, note: '' };
  const { user, key: stored } = await rp.finishEnrollment(response, async (model, trusted) => {
    attestation = { trusted, note: modelLine(model, trusted) };
    ui.say(attestation.note);
    return (
      args.keyName ?? (await ui.ask('Name this key', { flag: '--key-name', value: model ?? 'Security key' }))
    );
  });
  ui.say(`Added "${stored.name}" to ${user.name}'s sign-in methods.`);
  ui.step('enroll', {
    user: user.name,
    keyName: stored.name,
    model: stored.model ?? null,
    attestationTrusted: attestation.trusted,
    modelNote: attestation.note,
    aaguid: stored.aaguid,
    credentialId: stored.id,
  });
  return true;
}

/** What the enrolment learnt about the key's model, saying only what was checked. */
function modelLine(model: string | undefined, trusted: boolean): string {
  if (model && trusted) return `Key model: ${model} (attestation verified against the metadata catalog)`;
  if (model)
    return `Key model: ${model} (as the metadata catalog names its AAGUID; its attestation was not verified, and attestation is not enforced)`;
  return 'Key model: unknown (its attestation was not verified against the metadata catalog, and attestation is not enforced)';
}

async function signIn(args: Args, ui: Ui, rp: DemoRelyingParty, key: OpenKey): Promise<User> {
  ui.say('Signing in with the security key (no username)…');
  const options = await rp.startSignIn();
  let response: Awaited<ReturnType<WebAuthnClient['get']>>;
  const c = client(args, ui, key);
  try {
    response = await c.client.get(options);
  } finally {
    key.save();
  }
  ui.stopSpinner();
  notePinUnused(args, ui, c.pinAsked());
  const { user, key: used, userVerified, counter } = await rp.finishSignIn(response);
  ui.say(
    `Signed in as ${user.name} with "${used.name}" (signature counter ${counter}, user ${userVerified ? 'verified' : 'not verified'}).`,
  );
  ui.step('sign-in', { user: user.name, keyName: used.name, counter, userVerified });
  return user;
}

/** The error to report: the client wraps what our own callbacks throw (a missing --account, say). */
function underlying(error: unknown): Error & { code?: string } {
  let e = error;
  while ((e as { cause?: unknown }).cause !== undefined && !isOurs(e)) e = (e as { cause: unknown }).cause;
  return (isOurs(e) ? e : error) as Error & { code?: string };
}

function isOurs(e: unknown): boolean {
  return e instanceof NeedsAnswerError || e instanceof NoSuchAccountError;
}

/** What to tell people when something fails, by error code; undefined when there is nothing to add. */
function advice(e: Error & { code?: string }, json: boolean): string | undefined {
  const code = e.code ?? '';
  const name = e.name ?? '';
  const table: Record<string, string> = {
    ERR_ATTESTATION_UNTRUSTED:
      "The organisation only accepts approved key models, and this key's model is not in the metadata catalog. Use an approved key, or run with --no-enforce-attestation to try anyway.",
    ERR_AAGUID_NOT_ALLOWED: 'The organisation does not allow this key model. Use an approved key.',
    ERR_NOT_ALLOWED:
      'The key did not complete the request (no touch, wrong key, or no account for this site on it). Try again; enrol first if this key has no account here.',
    ERR_PIN_REQUIRED: 'This key needs a PIN: pass --pin, or set one with fido2kit-keys pin set.',
    ERR_UV_REQUIRED:
      'The site requires user verification, and this key has neither a PIN nor a fingerprint. Set a PIN with fido2kit-keys pin set.',
    CTAP2_ERR_PIN_INVALID:
      'Wrong PIN. Each wrong try counts; after three the key needs to be unplugged and plugged in again.',
    CTAP2_ERR_PIN_BLOCKED: 'The PIN is blocked: the key must be reset (this erases it).',
    CTAP2_ERR_PIN_AUTH_BLOCKED: 'Three wrong PINs in a row: unplug the key and plug it in again, then retry.',
    ERR_UNKNOWN_CREDENTIAL: 'Enrol this key first (run without a command, or with enroll).',
    ERR_NEEDS_ANSWER: 'Run in a terminal, or answer on the command line (see --help).',
    ERR_NO_SUCH_ACCOUNT: 'Pass one of the accounts this key holds with --account, or enrol that user first.',
  };
  if (table[code]) return table[code];
  if (code === 'ERR_NO_DEVICE' || code === 'ERR_USAGE') return undefined; // the message says what to do
  if (name === 'NotAllowedError') return table.ERR_NOT_ALLOWED;
  return json ? undefined : 'See --help; run again with --json for the error code.';
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(
      `fido2kit-demo: ${(e as Error).message}\n\nfido2kit-demo --help lists the options.\n`,
    );
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const ui = new Ui({ json: args.json, yes: args.yes });
  let key: OpenKey | undefined;
  try {
    key = await openKey({
      device: args.device.device,
      udp: args.device.udp,
      virtualStateFile: args.virtual,
      newVirtualKey: newVirtualKey(),
    }).catch((e: Error & { code?: string }) => {
      // no key could be opened: the message says why; the code says it to a program
      throw e.code ? e : Object.assign(e, { code: 'ERR_NO_DEVICE' });
    });
    if (key.created)
      ui.say(`Made a virtual security key (PIN 123456, one fingerprint enrolled), kept in ${args.virtual}.`);
    ui.say(`Using the ${key.label}.`);
    ui.step('key', { label: key.label, kind: key.kind, created: key.created });
    const metadata = await catalog(args);
    const rp = new DemoRelyingParty({
      file: join(args.data, 'relying-party.json'),
      rpID: RP_ID,
      origin: ORIGIN,
      metadata,
      policy: { enforceAttestation: args.enforceAttestation },
    });
    ui.say(
      `Relying party ${RP_ID}: security keys enabled, attestation ${args.enforceAttestation ? 'enforced against the metadata catalog' : 'not enforced'}, user verification required.`,
    );
    ui.say();
    if (args.command !== 'sign-in') await enroll(args, ui, rp, key);
    if (args.command !== 'enroll') {
      ui.say();
      await signIn(args, ui, rp, key);
    }
    return 0;
  } catch (e) {
    ui.stopSpinner();
    const err = underlying(e);
    const code = err.code ?? 'ERR_UNEXPECTED';
    const ours = isOurs(err) || !err.code || err.message.includes(err.code);
    ui.warn(`fido2kit-demo: ${err.message}${ours ? '' : ` (${err.code})`}`);
    const hint = advice(err, args.json);
    if (hint) ui.warn(hint);
    ui.step('error', { code, message: err.message, ...(hint ? { advice: hint } : {}) });
    return 1;
  } finally {
    await key?.close().catch(() => undefined);
    ui.stopSpinner();
  }
}

process.exitCode = await main(process.argv.slice(2));
