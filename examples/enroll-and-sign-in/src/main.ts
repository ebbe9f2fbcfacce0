/**
 * fido2kit demo: enrol a security key with a relying party that enforces the organisation's
 * policy, then sign in with it and no username.
 *
 *   fido2kit-demo [enroll|sign-in] [options]      (no command: enrol, then sign in)
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MetadataCatalog } from '@fido2kit/attestation';
import { type AccountJSON, WebAuthnClient } from '@fido2kit/ctap2';
import {
  demoMetadata,
  NeedsAnswerError,
  type OpenKey,
  openKey,
  parseDevice,
  Ui,
} from '@fido2kit/example-common';
import { DemoRelyingParty, type User } from './relying-party.js';

const HELP = `fido2kit demo — enrol a security key, then sign in with it and no username

Usage: fido2kit-demo [enroll|sign-in] [options]     (no command: enrol, then sign in)

Options:
  --user NAME            the account to enrol (default: alice)
  --display-name NAME    its display name (default: the user name)
  --key-name NAME        the name to give the key (asked; default: its model)
  --pin PIN              the key's PIN, when it needs one and has no fingerprint
  --account NAME|N       which account to sign in with when the key holds several
  --yes                  answer yes to every question
  --json                 print one JSON object per step, ask nothing
  --device KIND          virtual (default), hid, nfc, auto, or udp[:PORT[:PORT]]
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
  const { values, positionals } = parseArgs({
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
  });
  if (values.help) return 'help';
  const command = (positionals[0] ?? 'all') as Args['command'];
  if (!['all', 'enroll', 'sign-in'].includes(command) || positionals.length > 1) {
    throw new UsageError(`unknown command: ${positionals.join(' ')} (expected enroll or sign-in)`);
  }
  const data = resolve(values.data ?? fileURLToPath(new URL('../data/', import.meta.url)));
  const user = values.user ?? 'alice';
  return {
    command,
    user,
    displayName: values['display-name'] ?? user,
    keyName: values['key-name'],
    pin: values.pin,
    account: values.account,
    yes: values.yes,
    json: values.json,
    device: parseDevice(values.device),
    virtual: resolve(values.virtual ?? join(data, 'virtual-key.json')),
    data,
    enforceAttestation: !values['no-enforce-attestation'],
  };
}

class UsageError extends Error {}

/** The metadata catalog: the virtual key model's shipped statement, signed by the demo root. */
async function catalog(args: Args): Promise<MetadataCatalog> {
  return demoMetadata(join(args.data, 'metadata.json'));
}

function newVirtualKey() {
  return { pin: '123456', fingerprints: 1, attestation: 'packed' as const };
}

function client(args: Args, ui: Ui, key: OpenKey): WebAuthnClient {
  return new WebAuthnClient({
    device: key.device,
    origin: ORIGIN,
    onUserPresence: () => ui.spin('Touch your security key…'),
    onPinRequired: async () => {
      if (args.pin !== undefined) return args.pin;
      return ui.askSecret('Enter your security key PIN', '--pin');
    },
    onSelectAccount: async (accounts: AccountJSON[]) => {
      const labels = accounts.map((a) =>
        a.displayName && a.displayName !== a.name ? `${a.name} (${a.displayName})` : (a.name ?? a.id),
      );
      ui.step('select-account', { accounts: accounts.map((a) => a.name ?? a.id) });
      return ui.choose('This key holds several accounts for this site:', labels, {
        flag: '--account',
        value: args.account,
      });
    },
  });
}

async function enroll(args: Args, ui: Ui, rp: DemoRelyingParty, key: OpenKey): Promise<boolean> {
  ui.say(`Enrolling a security key for ${args.user}…`);
  const options = await rp.startEnrollment(args.user, args.displayName);
  let response: Awaited<ReturnType<WebAuthnClient['create']>>;
  try {
    response = await client(args, ui, key).create(options);
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
  const { user, key: stored } = await rp.finishEnrollment(response, async (model) => {
    if (model) ui.say(`Key model: ${model} (attestation verified against the metadata catalog)`);
    return (
      args.keyName ?? (await ui.ask('Name this key', { flag: '--key-name', value: model ?? 'Security key' }))
    );
  });
  ui.say(`Added "${stored.name}" to ${user.name}'s sign-in methods.`);
  ui.step('enroll', {
    user: user.name,
    keyName: stored.name,
    model: stored.model ?? null,
    aaguid: stored.aaguid,
    credentialId: stored.id,
  });
  return true;
}

async function signIn(args: Args, ui: Ui, rp: DemoRelyingParty, key: OpenKey): Promise<User> {
  ui.say('Signing in with the security key (no username)…');
  const options = await rp.startSignIn();
  let response: Awaited<ReturnType<WebAuthnClient['get']>>;
  try {
    response = await client(args, ui, key).get(options);
  } finally {
    key.save();
  }
  ui.stopSpinner();
  const { user, key: used, userVerified, counter } = await rp.finishSignIn(response);
  ui.say(
    `Signed in as ${user.name} with "${used.name}" (signature counter ${counter}, user ${userVerified ? 'verified' : 'not verified'}).`,
  );
  ui.step('sign-in', { user: user.name, keyName: used.name, counter, userVerified });
  return user;
}

/** What to tell people when something fails, by error code. */
function advice(error: unknown): string {
  // the client wraps what our callbacks throw (a missing --account, say): look underneath
  let e = error;
  while ((e as { cause?: unknown }).cause !== undefined && !(e instanceof NeedsAnswerError))
    e = (e as { cause: unknown }).cause;
  if (!(e instanceof NeedsAnswerError)) e = error;
  const code = (e as { code?: string }).code ?? '';
  const name = (e as { name?: string }).name ?? '';
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
  };
  return (
    table[code] ??
    (name === 'NotAllowedError'
      ? (table.ERR_NOT_ALLOWED as string)
      : 'See --help; run again with --json for details.')
  );
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}\n`);
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
    const err = e as Error & { code?: string };
    if (e instanceof NeedsAnswerError) ui.warn(`fido2kit-demo: ${err.message}`);
    else ui.warn(`fido2kit-demo: ${err.message}${err.code ? ` (${err.code})` : ''}`);
    ui.warn(advice(e));
    ui.step('error', { code: err.code ?? err.name, message: err.message });
    return 1;
  } finally {
    await key?.close().catch(() => undefined);
    ui.stopSpinner();
  }
}

process.exitCode = await main(process.argv.slice(2));
