/**
 * fingerprints, credentials and config: the key-management commands of CTAP 2.1 (bioEnrollment
 * §6.7, credentialManagement §6.8, authenticatorConfig §6.11) through @fido2kit/ctap2.
 */
import { base64url } from '@fido2kit/cose';
import {
  AuthenticatorConfig,
  BioEnrollment,
  CredentialManagement,
  type CredentialManagementCredential,
  type EnrollSample,
  type FingerprintEnrollment,
} from '@fido2kit/ctap2';
import { type Context, hasPin, ManagerError, pinForManagement } from './context.js';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// ---------------------------------------------------------------------------------------------
// fingerprints

async function openBio(ctx: Context): Promise<BioEnrollment> {
  if (!BioEnrollment.isSupported(ctx.ctap))
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key has no fingerprint sensor');
  return BioEnrollment.open(ctx.ctap, await pinForManagement(ctx, 'Managing fingerprints'));
}

function fingerprintJson(f: FingerprintEnrollment) {
  return { id: hex(f.templateId), name: f.friendlyName ?? null };
}

/** The enrolled fingerprint an argument names: its ID (or a unique start of it), or its name. */
function findFingerprint(list: FingerprintEnrollment[], arg: string): FingerprintEnrollment {
  const byId = list.filter((f) => hex(f.templateId) === arg.toLowerCase());
  if (byId.length === 1) return byId[0]!;
  const byName = list.filter((f) => f.friendlyName === arg);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new ManagerError('ERR_AMBIGUOUS', `${byName.length} fingerprints are named "${arg}": give the ID`);
  const byPrefix = arg.length >= 2 ? list.filter((f) => hex(f.templateId).startsWith(arg.toLowerCase())) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new ManagerError(
    'ERR_NO_SUCH_FINGERPRINT',
    `no fingerprint with the ID or name "${arg}" (see fido2kit-keys fingerprints list)`,
  );
}

function showFingerprints(ctx: Context, list: FingerprintEnrollment[]): void {
  if (list.length === 0) {
    ctx.ui.say('No fingerprints are enrolled. Add one with: fido2kit-keys fingerprints add');
    return;
  }
  ctx.ui.say(`Fingerprints enrolled: ${list.length}`);
  for (const f of list) ctx.ui.say(`  ${hex(f.templateId)}  ${f.friendlyName ?? '(no name)'}`);
}

async function fingerprintsList(ctx: Context): Promise<void> {
  const list = await (await openBio(ctx)).enumerateEnrollments();
  ctx.ui.step('fingerprints', { fingerprints: list.map(fingerprintJson) });
  showFingerprints(ctx, list);
}

const SAMPLE_TEXT: Record<string, string> = {
  good: 'good',
  'too-high': 'too high: place the finger a little lower',
  'too-low': 'too low: place the finger a little higher',
  'too-left': 'too far left',
  'too-right': 'too far right',
  'too-fast': 'too fast: hold the finger on the sensor a moment longer',
  'too-slow': 'too slow',
  'poor-quality': 'poor quality: clean and dry the finger and the sensor',
  'too-skewed': 'skewed: place the finger straight',
  'too-short': 'too short a touch',
  'merge-failure': 'could not be used: try again',
  exists: 'this finger is already enrolled',
  'no-user-activity': 'no finger detected',
  'no-up-transition': 'lift the finger between touches',
};

async function fingerprintsAdd(ctx: Context): Promise<void> {
  const { ui, args } = ctx;
  const bio = await openBio(ctx);
  const sensor = await bio.getFingerprintSensorInfo();
  const before = await bio.enumerateEnrollments();
  const virtual = ctx.key.virtual;
  if (virtual && args.virtualSamples.length > 0) virtual.sensor.script(args.virtualSamples);
  else if (virtual && ui.interactive) {
    // the simulated finger takes a moment per touch, as a person does
    virtual.sensor.onSample = () => new Promise((r) => setTimeout(() => r('good'), 700));
  }
  const needed = sensor.maxCaptureSamplesRequiredForEnroll;
  ui.say(
    `Touch the sensor with the finger to enrol, lift it, and touch again: about ${needed} good samples are needed.`,
  );
  ui.step('fingerprint-sensor', { kind: sensor.kind, samplesRequired: needed });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let n = 0;
  let templateId: Uint8Array;
  try {
    ui.spin('Touch the sensor…');
    templateId = await bio.enroll({
      signal: abort.signal,
      onSample: (s: EnrollSample) => {
        n++;
        const remaining =
          s.remainingSamples === 0
            ? 'done'
            : `${s.remainingSamples} ${s.remainingSamples === 1 ? 'sample' : 'samples'} remaining`;
        ui.say(`  Sample ${n}: ${SAMPLE_TEXT[s.status] ?? `status ${s.statusCode}`}; ${remaining}`);
        ui.step('fingerprint-sample', { sample: n, status: s.status, remainingSamples: s.remainingSamples });
        if (s.remainingSamples > 0) ui.spin('Touch the sensor again…');
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    ctx.key.save();
  }
  const fallback = `Fingerprint ${before.length + 1}`;
  const name = args.name ?? (await ui.ask('Name this fingerprint', { flag: '--name', value: fallback }));
  await bio.setFriendlyName(templateId, name);
  ui.say(`Enrolled fingerprint "${name}" (ID ${hex(templateId)}).`);
  ui.step('fingerprint-added', { id: hex(templateId), name, samples: n });
}

async function fingerprintsRename(ctx: Context): Promise<void> {
  const [which, name] = ctx.args.positionals as [string, string];
  const bio = await openBio(ctx);
  const f = findFingerprint(await bio.enumerateEnrollments(), which);
  await bio.setFriendlyName(f.templateId, name);
  ctx.ui.say(`Renamed fingerprint ${hex(f.templateId)} from "${f.friendlyName ?? ''}" to "${name}".`);
  ctx.ui.step('fingerprint-renamed', { id: hex(f.templateId), from: f.friendlyName ?? null, name });
}

async function fingerprintsDelete(ctx: Context): Promise<void> {
  const [which] = ctx.args.positionals as [string];
  const bio = await openBio(ctx);
  const f = findFingerprint(await bio.enumerateEnrollments(), which);
  const label = `"${f.friendlyName ?? '(no name)'}" (${hex(f.templateId)})`;
  if (!(await ctx.ui.confirm(`Delete fingerprint ${label}?`))) {
    throw new ManagerError('ERR_DECLINED', 'nothing was deleted');
  }
  await bio.removeEnrollment(f.templateId);
  ctx.ui.say(`Deleted fingerprint ${label}.`);
  ctx.ui.step('fingerprint-deleted', fingerprintJson(f));
  const left = await bio.enumerateEnrollments();
  showFingerprints(ctx, left);
}

// ---------------------------------------------------------------------------------------------
// credentials

interface Site {
  rpId: string;
  name?: string;
  credentials: CredentialManagementCredential[];
}

async function openCm(ctx: Context): Promise<CredentialManagement> {
  if (!CredentialManagement.isSupported(ctx.ctap))
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key cannot list or delete its stored credentials');
  return CredentialManagement.open(ctx.ctap, await pinForManagement(ctx, 'Managing stored credentials'));
}

async function readSites(cm: CredentialManagement, only: string[]): Promise<Site[]> {
  const sites: Site[] = [];
  for (const { rp } of await cm.enumerateRps()) {
    if (only.length > 0 && !only.includes(rp.id)) continue;
    sites.push({
      rpId: rp.id,
      ...(rp.name !== undefined ? { name: rp.name } : {}),
      credentials: await cm.enumerateCredentials(rp.id),
    });
  }
  return sites.sort((a, b) => a.rpId.localeCompare(b.rpId));
}

const credId = (c: CredentialManagementCredential) => base64url.encode(c.credentialId.id);
const shortId = (c: CredentialManagementCredential) => {
  const id = credId(c);
  return id.length > 16 ? `${id.slice(0, 16)}…` : id;
};

function credentialJson(c: CredentialManagementCredential) {
  return {
    id: credId(c),
    userName: c.user.name ?? null,
    displayName: c.user.displayName ?? null,
    userId: base64url.encode(c.user.id),
    credProtect: c.credProtect ?? null,
  };
}

async function credentialsList(ctx: Context): Promise<void> {
  const { ui } = ctx;
  const cm = await openCm(ctx);
  const meta = await cm.getCredsMetadata();
  const sites = await readSites(cm, ctx.args.rp);
  ui.step('credentials', {
    stored: meta.existingResidentCredentialsCount,
    remaining: meta.maxPossibleRemainingResidentCredentialsCount,
    sites: sites.map((s) => ({
      rpId: s.rpId,
      name: s.name ?? null,
      credentials: s.credentials.map(credentialJson),
    })),
  });
  const n = meta.existingResidentCredentialsCount;
  ui.say(
    `${n} ${n === 1 ? 'credential' : 'credentials'} stored on this key; room for ${meta.maxPossibleRemainingResidentCredentialsCount} more.`,
  );
  const asked = ctx.args.rp;
  const missing = asked.filter((rp) => !sites.some((s) => s.rpId === rp));
  if (missing.length > 0)
    ui.say(
      `None stored for ${missing.join(', ')}${sites.length === 0 && n > 0 ? ` (the ${n === 1 ? 'one' : n} on this key ${n === 1 ? 'is' : 'are'} for other sites)` : ''}.`,
    );
  for (const s of sites) {
    ui.say();
    ui.say(s.name && s.name !== s.rpId ? `${s.rpId} (${s.name})` : s.rpId);
    const rows = s.credentials.map((c) => [
      c.user.name ?? '(no user name)',
      c.user.displayName && c.user.displayName !== c.user.name ? c.user.displayName : '',
      `ID ${shortId(c)}`,
    ]);
    const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) {
      const cols = w[1] ? [r[0]!.padEnd(w[0]!), r[1]!.padEnd(w[1]!), r[2]!] : [r[0]!.padEnd(w[0]!), r[2]!];
      ui.say(`  ${cols.join('  ')}`);
    }
  }
}

async function credentialsDelete(ctx: Context): Promise<void> {
  const { ui, args } = ctx;
  const [idArg] = args.positionals;
  if (idArg === undefined && (args.rp.length === 0 || args.user === undefined))
    throw new ManagerError(
      'ERR_WHICH_CREDENTIAL',
      'say which credential: its ID (or the start of it, from credentials list), or --rp and --user',
    );
  const cm = await openCm(ctx);
  const sites = await readSites(cm, args.rp);
  const all = sites.flatMap((s) => s.credentials.map((c) => ({ site: s, c })));
  const matches = all.filter(
    ({ c }) =>
      (idArg === undefined || credId(c).startsWith(idArg.replace(/…$/, ''))) &&
      (args.user === undefined || c.user.name === args.user),
  );
  if (matches.length === 0)
    throw new ManagerError(
      'ERR_NO_SUCH_CREDENTIAL',
      'no stored credential matches (see fido2kit-keys credentials list)',
    );
  if (matches.length > 1)
    throw new ManagerError(
      'ERR_AMBIGUOUS',
      `${matches.length} credentials match: ${matches.map(({ site, c }) => `${c.user.name ?? '?'} on ${site.rpId} (${shortId(c)})`).join(', ')}; give more of the ID`,
    );
  const { site, c } = matches[0]!;
  const who = c.user.name ?? base64url.encode(c.user.id);
  if (
    !(await ui.confirm(
      `Delete ${who}'s credential for ${site.rpId}? ${site.rpId} will no longer accept this key for ${who}.`,
    ))
  )
    throw new ManagerError('ERR_DECLINED', 'nothing was deleted');
  await cm.deleteCredential(c.credentialId);
  ui.say(`Deleted ${who}'s credential for ${site.rpId}.`);
  ui.step('credential-deleted', { rpId: site.rpId, ...credentialJson(c) });
}

// ---------------------------------------------------------------------------------------------
// config

async function openConfig(ctx: Context): Promise<AuthenticatorConfig> {
  if (!AuthenticatorConfig.isSupported(ctx.ctap))
    throw new ManagerError(
      'ERR_NOT_SUPPORTED',
      'this key has no settings to change (no authenticatorConfig)',
    );
  const o = ctx.ctap.info.options;
  const protectedKey = hasPin(ctx.ctap) || o.uv === true;
  return AuthenticatorConfig.open(
    ctx.ctap,
    protectedKey ? await pinForManagement(ctx, 'Changing settings') : {},
  );
}

async function configAlwaysUv(ctx: Context): Promise<void> {
  const [want] = ctx.args.positionals;
  if (want !== undefined && want !== 'on' && want !== 'off')
    throw new ManagerError('ERR_USAGE_VALUE', `config always-uv ${want}: expected on or off`);
  if (ctx.ctap.info.options.alwaysUv === undefined)
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key has no alwaysUv setting');
  const before = ctx.ctap.info.options.alwaysUv === true;
  if (want !== undefined && (want === 'on') === before) {
    ctx.ui.say(`alwaysUv is already ${want}; nothing changed.`);
    ctx.ui.step('config', { alwaysUv: before, changed: false });
    return;
  }
  const config = await openConfig(ctx);
  await config.toggleAlwaysUv();
  const now = ctx.ctap.info.options.alwaysUv === true;
  ctx.ui.say(
    now
      ? 'alwaysUv is on: the key asks for its PIN or a fingerprint for every sign-in.'
      : 'alwaysUv is off: the key asks for its PIN or a fingerprint only when a site requires it.',
  );
  ctx.ui.step('config', { alwaysUv: now, changed: now !== before });
}

async function configMinPinLength(ctx: Context): Promise<void> {
  const { ctap, ui, args } = ctx;
  const n = Number(args.positionals[0]);
  const current = ctap.info.minPINLength ?? 4;
  if (n < current)
    throw new ManagerError(
      'ERR_PIN_LENGTH_DECREASE',
      `the minimum PIN length is ${current} and can only grow; only a reset brings it back to 4`,
    );
  if (ctap.info.options.setMinPINLength === false || ctap.info.options.setMinPINLength === undefined)
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key cannot change its minimum PIN length');
  const config = await openConfig(ctx);
  await config.setMinPINLength({
    newMinPINLength: n,
    ...(args.rp.length > 0 ? { minPinLengthRPIDs: args.rp } : {}),
    ...(args.forceChange ? { forceChangePin: true } : {}),
  });
  const force = ctap.info.forcePINChange;
  ui.say(`The minimum PIN length is now ${ctap.info.minPINLength ?? n}.`);
  if (args.rp.length > 0) ui.say(`Sites that may read it: ${args.rp.join(', ')}.`);
  if (force) ui.say('The PIN must be changed before the key is used again: fido2kit-keys pin change');
  ui.step('config', {
    minPINLength: ctap.info.minPINLength ?? n,
    forcePINChange: force,
    minPinLengthRPIDs: args.rp,
  });
}

async function configEnterpriseAttestation(ctx: Context): Promise<void> {
  if (ctx.ctap.info.options.ep === undefined)
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key does not offer enterprise attestation');
  if (ctx.ctap.info.options.ep === true) {
    ctx.ui.say('Enterprise attestation is already enabled.');
    ctx.ui.step('config', { enterpriseAttestation: true, changed: false });
    return;
  }
  const config = await openConfig(ctx);
  await config.enableEnterpriseAttestation();
  ctx.ui.say(
    'Enterprise attestation is enabled: sites your key vendor approved may now ask for an attestation that identifies this very key.',
  );
  const enabled = (ctx.ctap.info.options as Record<string, boolean | undefined>).ep === true;
  ctx.ui.step('config', { enterpriseAttestation: enabled, changed: true });
}

export const MANAGEMENT: Record<string, (ctx: Context) => Promise<unknown>> = {
  'fingerprints list': fingerprintsList,
  'fingerprints add': fingerprintsAdd,
  'fingerprints rename': fingerprintsRename,
  'fingerprints delete': fingerprintsDelete,
  'credentials list': credentialsList,
  'credentials delete': credentialsDelete,
  'config always-uv': configAlwaysUv,
  'config min-pin-length': configMinPinLength,
  'config enterprise-attestation': configEnterpriseAttestation,
};
