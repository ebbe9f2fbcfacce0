/**
 * The command line of fido2kit-keys: the commands, their options, and a help page per command.
 */
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINGERPRINT_SAMPLE_STATUS } from '@fido2kit/ctap2';
import { parseCommandLine, virtualFileProblem } from '@fido2kit/example-common';
import type { SampleOutcome } from '@fido2kit/virtual-authenticator';
import { type DeviceArg, parseDeviceArg, UsageError } from './keys.js';

const SAMPLE_OUTCOMES = [...Object.keys(FINGERPRINT_SAMPLE_STATUS), 'timeout'] as SampleOutcome[];

/** Options only some commands take. */
type ExtraOption = 'new-pin' | 'name' | 'rp' | 'user' | 'force-change' | 'plugged-in-ago' | 'virtual-samples';

export interface CommandSpec {
  /** 'list', 'pin set', 'fingerprints add', … */
  name: string;
  /** Positional arguments in the usage line. */
  usage?: string;
  summary: string;
  /** What the command does, in a few lines. */
  details: string;
  options: ExtraOption[];
  positionals: [min: number, max: number];
  /** Whether the command works on one key (opened before it runs). */
  needsKey: boolean;
  /** Which of --pin / --yes the command reads (for its help page). */
  reads: ('pin' | 'yes')[];
}

/** A command as the table below spells it: no options, no positionals, a key and no --pin/--yes unless said. */
type CommandEntry = Omit<CommandSpec, 'options' | 'positionals' | 'needsKey' | 'reads'> &
  Partial<Pick<CommandSpec, 'options' | 'positionals' | 'needsKey' | 'reads'>>;

const OPTION_HELP: Record<ExtraOption | 'pin' | 'yes', string> = {
  pin: "--pin PIN              the key's PIN (asked, masked, when there is a terminal)",
  'new-pin': '--new-pin PIN          the new PIN (asked twice when there is a terminal)',
  name: '--name NAME            the fingerprint\'s name (asked; default "Fingerprint N")',
  rp: '--rp RP_ID             the site (RP ID), e.g. fido2kit.example',
  user: "--user NAME            the account's user name on that site",
  'force-change': '--force-change         make the user change the PIN before its next use',
  'plugged-in-ago': '--plugged-in-ago SECS  the virtual key: pretend it was plugged in SECS seconds ago',
  'virtual-samples':
    '--virtual-samples LIST the virtual key: how its sensor takes the samples, e.g. good,too-fast,good\n                         (good, too-high, too-low, too-left, too-right, too-fast, too-slow,\n                         poor-quality, too-skewed, too-short, merge-failure, exists,\n                         no-user-activity, timeout; then good)',
  yes: '--yes                  answer yes to the confirmation',
};

export const COMMANDS: CommandSpec[] = (
  [
    {
      name: 'list',
      summary: 'the keys this computer can reach: USB keys, NFC readers with a card, the virtual key',
      details:
        "Lists FIDO security keys on USB (HID), NFC readers (PC/SC) that hold a FIDO card or key, and\nthe virtual key's state file. Each line ends with the --device value that picks that key.",
      needsKey: false,
    },
    {
      name: 'info',
      summary: 'versions, AAGUID and model, options, PIN retries, room for credentials',
      details:
        'Shows what the key says about itself (authenticatorGetInfo): the CTAP versions, the AAGUID and\nthe model it stands for, the options it has on and off, whether a PIN is set and how many\nretries are left, its fingerprint sensor, and how many more discoverable credentials fit.',
    },
    {
      name: 'wink',
      summary: 'make a USB key blink, to tell it apart from others',
      details:
        'Sends CTAPHID_WINK: the key blinks or beeps. Only USB keys (and firmware simulators over UDP)\nhave it; NFC keys and the virtual key say "not supported".',
    },
    {
      name: 'pin set',
      summary: 'give a key that has no PIN its first PIN',
      details:
        "Sets the PIN of a key that has none. The PIN must have at least the key's minimum length (4\nunless raised with config min-pin-length) and at most 63 bytes; any characters may be used.\nThe PIN comes from --pin (or --new-pin), or is asked twice, masked.",
      options: ['new-pin'],
    },
    {
      name: 'pin change',
      reads: ['pin'],
      summary: 'change the PIN (the current one is needed)',
      details:
        'Changes the PIN. Shows the retries left first: every wrong current PIN uses one, three wrong\nin a row need the key to be unplugged and plugged in again, and when none are left the key\nis blocked until it is reset.',
      options: ['new-pin'],
    },
    {
      name: 'fingerprints list',
      reads: ['pin'],
      summary: 'the fingerprints enrolled on the key',
      details: 'Lists the enrolled fingerprints with their IDs and names. Needs the PIN.',
    },
    {
      name: 'fingerprints add',
      reads: ['pin'],
      summary: 'enrol a fingerprint: touch the sensor until no samples remain',
      details:
        'Enrols a fingerprint. Touch the sensor, lift your finger, and touch again: after every touch\nthe key says how the sample went and how many good samples remain. Needs the PIN (a key\nneeds a PIN before it takes fingerprints).',
      options: ['name', 'virtual-samples'],
    },
    {
      name: 'fingerprints rename',
      usage: 'ID|NAME NEW_NAME',
      reads: ['pin'],
      summary: 'rename a fingerprint',
      details: 'Renames the fingerprint with this ID (or this name). Needs the PIN.',
      positionals: [2, 2],
    },
    {
      name: 'fingerprints delete',
      usage: 'ID|NAME',
      reads: ['pin', 'yes'],
      summary: 'delete a fingerprint (asks first)',
      details: 'Deletes the fingerprint with this ID (or this name), after asking. Needs the PIN.',
      positionals: [1, 1],
    },
    {
      name: 'credentials list',
      reads: ['pin'],
      summary: 'the sign-in credentials (passkeys) stored on the key, by site',
      details:
        'Lists the discoverable credentials stored on the key, grouped by site, with the user names,\nand how many more fit. Needs the PIN. --rp shows one site only.',
      options: ['rp'],
    },
    {
      name: 'credentials delete',
      usage: '[ID]',
      reads: ['pin', 'yes'],
      summary: 'delete a stored credential (asks first)',
      details:
        'Deletes one credential: give its ID (or the start of it, as credentials list shows), or --rp\nand --user. The site will no longer accept this key for that account. Asks first. Needs the PIN.',
      options: ['rp', 'user'],
      positionals: [0, 1],
    },
    {
      name: 'config always-uv',
      usage: '[on|off]',
      reads: ['pin'],
      summary: 'require a PIN or fingerprint for every use (toggles without on/off)',
      details:
        'Turns alwaysUv on or off: with it on, the key asks for its PIN or a fingerprint for every\nsign-in, even where the site does not ask for user verification. Needs the PIN.',
      positionals: [0, 1],
    },
    {
      name: 'config min-pin-length',
      usage: 'N',
      reads: ['pin'],
      summary: 'raise the minimum PIN length (it can only grow)',
      details:
        'Raises the minimum PIN length to N (4 to 63). It cannot be lowered again except by a reset.\n--rp (repeatable) names sites allowed to read the minimum; --force-change makes the user\nchange the PIN before its next use. Needs the PIN.',
      options: ['rp', 'force-change'],
      positionals: [1, 1],
    },
    {
      name: 'config enterprise-attestation',
      reads: ['pin'],
      summary: 'let the key give enterprise attestation (identifies this very key to approved sites)',
      details:
        "Enables enterprise attestation, which lets sites the key's vendor approved identify this\nindividual key. Organisations use it to tie keys to their inventory. Needs the PIN.",
    },
    {
      name: 'reset',
      reads: ['yes'],
      summary: 'erase everything on the key (PIN, fingerprints, credentials, settings)',
      details:
        'Resets the key to its factory state: every credential stored on it, its PIN, its fingerprints\nand its settings are erased, and sites where it was registered no longer accept it.\nA key accepts a reset only within 10 seconds of being plugged in (or placed on the NFC\nreader), and only with a touch: unplug the key, plug it back in, and confirm within 10\nseconds. Asks first. The virtual key is plugged in each time this program starts;\n--plugged-in-ago shows what happens when the 10 seconds are over.',
      options: ['plugged-in-ago'],
    },
  ] satisfies CommandEntry[]
).map((c) => ({ options: [], positionals: [0, 0], needsKey: true, reads: [], ...c }));

const GROUPS = ['pin', 'fingerprints', 'credentials', 'config'] as const;
/** What a group word alone means ('fingerprints' lists them). */
const GROUP_DEFAULT: Partial<Record<(typeof GROUPS)[number], string>> = {
  fingerprints: 'fingerprints list',
  credentials: 'credentials list',
};

/**
 * Where the virtual key lives when --virtual is not given: in a checkout of the repository, the
 * example's data/ directory (git-ignored); once installed from npm, the user's state directory
 * ($XDG_STATE_HOME, else ~/.local/state), never inside node_modules.
 */
export const DEFAULT_VIRTUAL_FILE = defaultVirtualFile();

function defaultVirtualFile(): string {
  const here = fileURLToPath(new URL('../data/virtual-key.json', import.meta.url));
  if (!here.split(sep).includes('node_modules')) return here;
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'fido2kit-keys', 'virtual-key.json');
}

/** `path` with the home directory shown as ~. */
function tilde(path: string): string {
  const home = homedir();
  return home && path.startsWith(`${home}${sep}`) ? `~${path.slice(home.length)}` : path;
}

const COMMON = `Common options:
  --device KIND          virtual (default), hid, hid:PATH, nfc, nfc:READER, ble, ble:ADDRESS,
                         auto (USB, NFC, then Bluetooth), or udp[:PORT[:PORT]]
  --virtual FILE         the virtual key's state file (default: ${tilde(DEFAULT_VIRTUAL_FILE)})
  --json                 print one JSON object per step on stdout, ask nothing`;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => (c.usage ? `${c.name} ${c.usage}` : c.name).length));
  const lines = COMMANDS.map(
    (c) => `  ${(c.usage ? `${c.name} ${c.usage}` : c.name).padEnd(width)}  ${c.summary}`,
  );
  return `fido2kit-keys — manage a FIDO2 security key: PIN, fingerprints, stored credentials, reset

Usage: fido2kit-keys COMMAND [options]        fido2kit-keys COMMAND --help for its details

Commands:
${lines.join('\n')}

${COMMON}
  --pin PIN              the key's PIN, where a command needs it (otherwise asked, masked)
  --yes                  answer yes to confirmations (credentials delete, reset, …)
  -h, --help             this help

The virtual key is made on first use with no PIN and a fingerprint sensor with no fingerprints,
and kept in its state file between runs. Without a terminal, pass what would be asked: --pin,
--new-pin, --name, --yes; --json implies that.

Exit codes: 0 done, 1 failed or declined, 2 bad command line.`;
}

export function commandHelp(spec: CommandSpec): string {
  const opts = [...spec.reads, ...spec.options].map((o) => `  ${OPTION_HELP[o]}`);
  const usage = `fido2kit-keys ${spec.name}${spec.usage ? ` ${spec.usage}` : ''} [options]`;
  return `fido2kit-keys ${spec.name} — ${spec.summary}

Usage: ${usage}

${spec.details}
${opts.length ? `\nOptions:\n${opts.join('\n')}\n` : ''}
${COMMON}
  -h, --help             this help`;
}

function groupHelp(group: string): string {
  const specs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...specs.map((c) => (c.usage ? `${c.name} ${c.usage}` : c.name).length));
  return `fido2kit-keys ${group} — ${specs.map((c) => c.name.slice(group.length + 1)).join(' | ')}

${specs.map((c) => `  fido2kit-keys ${(c.usage ? `${c.name} ${c.usage}` : c.name).padEnd(width)}  ${c.summary}`).join('\n')}

fido2kit-keys ${group} SUBCOMMAND --help for its details.`;
}

export interface Args {
  spec: CommandSpec;
  positionals: string[];
  json: boolean;
  yes: boolean;
  pin?: string;
  newPin?: string;
  name?: string;
  rp: string[];
  user?: string;
  forceChange: boolean;
  pluggedInAgo?: number;
  /** The virtual sensor's scripted samples (fingerprints add). */
  virtualSamples: SampleOutcome[];
  device: DeviceArg;
  /** Whether --device was given (list searches every transport without it). */
  deviceGiven: boolean;
  virtual: string;
}

/** What to print instead of running: a help page (exit 0) or a usage error (exit 2). */
export type ParseResult = Args | { help: string };

export function parse(argv: string[]): ParseResult {
  const { values, positionals } = parseCommandLineOf(argv);
  const words = [...positionals];
  if (words[0] === 'help') {
    words.shift();
    if (words.length === 0) return { help: mainHelp() };
    const spec = findSpec(words);
    if (spec) return { help: commandHelp(spec.spec) };
    if ((GROUPS as readonly string[]).includes(words[0] ?? '')) return { help: groupHelp(words[0]!) };
    throw new UsageError(`no such command: ${words.join(' ')}`);
  }
  if (words.length === 0) {
    if (values.help) return { help: mainHelp() };
    throw new UsageError('a command is needed');
  }
  let found = findSpec(words);
  if (!found && (GROUPS as readonly string[]).includes(words[0]!)) {
    const group = words[0] as (typeof GROUPS)[number];
    const def = GROUP_DEFAULT[group];
    if (values.help || !def || words.length > 1) {
      if (values.help && words.length === 1) return { help: groupHelp(group) };
      if (words.length > 1)
        throw new UsageError(`${group} ${words[1]}: no such command\n\n${groupHelp(group)}`);
      throw new UsageError(`${group}: which one?\n\n${groupHelp(group)}`);
    }
    found = { spec: COMMANDS.find((c) => c.name === def)!, rest: [] };
  }
  if (!found) throw new UsageError(`no such command: ${words[0]}`);
  const { spec, rest } = found;
  if (values.help) return { help: commandHelp(spec) };
  const [min, max] = spec.positionals;
  if (rest.length < min || rest.length > max) {
    throw new UsageError(
      `${spec.name}: expected ${spec.usage ?? 'no arguments'}, got ${rest.length ? rest.join(' ') : 'none'}\n\n${commandHelp(spec)}`,
    );
  }
  if (spec.name === 'config min-pin-length') {
    const n = Number(rest[0]);
    if (!Number.isInteger(n) || n < 4 || n > 63)
      throw new UsageError(`config min-pin-length ${rest[0]}: expected a whole number from 4 to 63`);
  }
  if (values.virtual !== undefined) {
    const problem = virtualFileProblem(resolve(values.virtual));
    if (problem) throw new UsageError(`--virtual ${values.virtual}: ${problem}`);
  }
  const extras: ExtraOption[] = [
    'new-pin',
    'name',
    'rp',
    'user',
    'force-change',
    'plugged-in-ago',
    'virtual-samples',
  ];
  for (const o of extras) {
    const given = o === 'force-change' ? values[o] === true : values[o] !== undefined;
    if (given && !spec.options.includes(o)) throw new UsageError(`${spec.name} takes no --${o} (see --help)`);
  }
  let pluggedInAgo: number | undefined;
  if (values['plugged-in-ago'] !== undefined) {
    pluggedInAgo = Number(values['plugged-in-ago']);
    if (!Number.isFinite(pluggedInAgo) || pluggedInAgo < 0)
      throw new UsageError(`--plugged-in-ago ${values['plugged-in-ago']}: expected seconds (a number ≥ 0)`);
  }
  const device = parseDeviceArg(values.device);
  if (pluggedInAgo !== undefined && device.device !== 'virtual')
    throw new UsageError(
      '--plugged-in-ago is for the virtual key only: a real key knows when it was plugged in',
    );
  const virtualSamples = (values['virtual-samples'] ?? '').split(',').filter(Boolean);
  for (const v of virtualSamples)
    if (!SAMPLE_OUTCOMES.includes(v as SampleOutcome))
      throw new UsageError(`--virtual-samples: ${v} is not one of ${SAMPLE_OUTCOMES.join(', ')}`);
  if (virtualSamples.length > 0 && device.device !== 'virtual')
    throw new UsageError('--virtual-samples is for the virtual key only: a real sensor reads a real finger');
  return {
    spec,
    positionals: rest,
    json: values.json,
    yes: values.yes,
    pin: values.pin,
    newPin: values['new-pin'],
    name: values.name,
    rp: values.rp ?? [],
    user: values.user,
    forceChange: values['force-change'],
    pluggedInAgo,
    virtualSamples: virtualSamples as SampleOutcome[],
    device,
    deviceGiven: values.device !== undefined,
    virtual: resolve(values.virtual ?? DEFAULT_VIRTUAL_FILE),
  };
}

function findSpec(words: string[]): { spec: CommandSpec; rest: string[] } | undefined {
  const two = COMMANDS.find((c) => c.name === `${words[0]} ${words[1]}`);
  if (two) return { spec: two, rest: words.slice(2) };
  const one = COMMANDS.find((c) => c.name === words[0] && !c.name.includes(' '));
  if (one) return { spec: one, rest: words.slice(1) };
  return undefined;
}

/** Every option the commands take, read by node:util's parseArgs; mistakes are usage errors. */
function parseCommandLineOf(argv: string[]) {
  return parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        device: { type: 'string' },
        virtual: { type: 'string' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        pin: { type: 'string' },
        'new-pin': { type: 'string' },
        name: { type: 'string' },
        rp: { type: 'string', multiple: true },
        user: { type: 'string' },
        'force-change': { type: 'boolean', default: false },
        'plugged-in-ago': { type: 'string' },
        'virtual-samples': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    (message) => new UsageError(message),
  );
}
