/** The commands that need no management API: list, info, wink, pin set, pin change, reset. */
import { BioEnrollment, ClientPin } from '@fido2kit/ctap2';
import type { Ui } from '@fido2kit/example-common';
import type { Args } from './cli.js';
import {
  askNewPin,
  askPin,
  type Context,
  hasPin,
  isCode,
  ManagerError,
  pinRetries,
  pinRule,
} from './context.js';
import { listKeys, openManagedKey, winkOf } from './keys.js';
import { algorithmName, modelOf } from './models.js';

export async function list(args: Args, ui: Ui): Promise<void> {
  const all = ['hid', 'nfc', 'virtual'] as const;
  const kinds = args.deviceGiven
    ? all.filter((k) => k === args.device.device || args.device.device === 'auto')
    : [...all];
  ui.spin('Looking for security keys…');
  const { keys, problems } = await listKeys({ kinds: [...kinds], virtualStateFile: args.virtual });
  ui.stopSpinner();
  ui.step('list', { keys, problems });
  const rows = keys.map((k) => {
    const where = k.kind === 'virtual' ? `${k.where}${k.exists ? '' : ' (made on first use)'}` : k.where;
    const device = /\s/.test(k.device) ? `"${k.device}"` : k.device;
    return [
      k.kind === 'hid' ? 'USB' : k.kind === 'nfc' ? 'NFC' : 'virtual',
      k.name,
      where,
      `--device ${device}`,
    ];
  });
  if (rows.length === 0) ui.say('No security keys found.');
  else {
    ui.say(`Security keys found: ${rows.length}`);
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) ui.say(`  ${r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c)).join('  ')}`);
  }
  if (kinds.includes('hid') && !keys.some((k) => k.kind === 'hid') && !problems.some((p) => p.kind === 'hid'))
    ui.say('No USB security key found (plug one in; on Linux, check the udev rule for FIDO keys).');
  if (kinds.includes('nfc') && !keys.some((k) => k.kind === 'nfc') && !problems.some((p) => p.kind === 'nfc'))
    ui.say('No NFC reader holds a FIDO card or key.');
  for (const p of problems) ui.say(`${p.kind === 'hid' ? 'USB' : 'NFC'}: could not search (${p.message})`);
}

export async function info(ctx: Context): Promise<void> {
  const { ctap, ui } = ctx;
  const i = ctap.info;
  const o = i.options;
  const model = modelOf(i.aaguid);
  const retries = await pinRetries(ctap);
  const sensor = o.bioEnroll !== undefined || o.userVerificationMgmtPreview !== undefined;
  const fingerprintEnrolled = o.uv === true;
  let uvRetries: number | undefined;
  if (sensor && ClientPin.isSupported(ctap)) {
    uvRetries = await new ClientPin(ctap)
      .getUvRetries()
      .then((r) => r.retries)
      .catch(() => undefined);
  }
  const fingerprintCount = fingerprintEnrolled ? await countFingerprints(ctx) : sensor ? 0 : undefined;
  const on = Object.keys(o).filter((k) => o[k] === true);
  const off = Object.keys(o).filter((k) => o[k] === false);
  const data = {
    model: model ?? null,
    aaguid: i.aaguid,
    versions: i.versions,
    firmwareVersion: i.firmwareVersion ?? null,
    transports: i.transports,
    extensions: i.extensions,
    algorithms: (i.algorithms ?? []).map((a) => algorithmName(a.alg)),
    pinUvAuthProtocols: i.pinUvAuthProtocols,
    options: o,
    pin: {
      set: hasPin(ctap),
      retries: retries ?? null,
      minLength: i.minPINLength ?? 4,
      forceChange: i.forcePINChange,
    },
    fingerprints: {
      sensor,
      enrolled: fingerprintEnrolled,
      count: fingerprintCount ?? null,
      uvRetries: uvRetries ?? null,
    },
    remainingDiscoverableCredentials: i.remainingDiscoverableCredentials ?? null,
    maxMsgSize: i.maxMsgSize,
  };
  ui.step('info', data);
  const rows: [string, string][] = [
    ['Model', model ?? 'unknown (look the AAGUID up in the FIDO Metadata Service)'],
    ['AAGUID', i.aaguid],
    ['Versions', i.versions.join(', ')],
  ];
  if (i.firmwareVersion !== undefined) rows.push(['Firmware', String(i.firmwareVersion)]);
  rows.push(['Transports', i.transports.join(', ') || 'not stated']);
  rows.push(['Algorithms', data.algorithms.join(', ') || 'not stated']);
  rows.push(['Extensions', i.extensions.join(', ') || 'none']);
  let pinLine: string;
  if (o.clientPin === undefined) pinLine = 'not supported';
  else if (!hasPin(ctap)) pinLine = `not set (set one with: fido2kit-keys pin set)`;
  else pinLine = `set, ${retries ?? '?'} ${retries === 1 ? 'retry' : 'retries'} left`;
  rows.push([
    'PIN',
    `${pinLine}; minimum length ${data.pin.minLength}${i.forcePINChange ? '; must be changed before use' : ''}`,
  ]);
  rows.push([
    'Fingerprints',
    !sensor
      ? 'no sensor'
      : `${fingerprintLine(fingerprintEnrolled, fingerprintCount)}${uvRetries !== undefined ? `; ${uvRetries} tries left` : ''}`,
  ]);
  if (i.remainingDiscoverableCredentials !== undefined)
    rows.push([
      'Credentials',
      `room for ${i.remainingDiscoverableCredentials} more discoverable credentials`,
    ]);
  rows.push(['Options on', on.join(', ') || 'none']);
  rows.push(['Options off', off.join(', ') || 'none']);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) ui.say(`${k.padEnd(w)}  ${v}`);
}

/**
 * How many fingerprints are enrolled: listing them needs a token with the `be` permission, so
 * only with --pin (info asks nothing); undefined without it.
 */
async function countFingerprints(ctx: Context): Promise<number | undefined> {
  if (ctx.args.pin === undefined || !BioEnrollment.isSupported(ctx.ctap)) return undefined;
  try {
    const bio = await BioEnrollment.open(ctx.ctap, { pin: ctx.args.pin });
    return (await bio.enumerateEnrollments()).length;
  } finally {
    ctx.key.save();
  }
}

function fingerprintLine(enrolled: boolean, count: number | undefined): string {
  if (!enrolled) return 'sensor present, none enrolled';
  if (count === undefined) return 'at least one enrolled (pass --pin to count them)';
  return `${count} enrolled`;
}

export async function wink(ctx: Context): Promise<void> {
  const w = winkOf(ctx.key.device);
  if (!w) {
    const what =
      ctx.key.kind === 'virtual' ? 'the virtual key' : ctx.key.kind === 'nfc' ? 'an NFC key' : 'this key';
    throw new ManagerError(
      'ERR_NOT_SUPPORTED',
      `wink is not supported by ${what}: only USB keys (CTAPHID_WINK) can blink on request`,
    );
  }
  await w();
  ctx.ui.say('The key is winking (blinking or beeping) now.');
  ctx.ui.step('wink', { winked: true });
}

export async function pinSet(ctx: Context): Promise<void> {
  const { ctap, ui, args } = ctx;
  if (ctap.info.options.clientPin === undefined)
    throw new ManagerError('ERR_NOT_SUPPORTED', 'this key does not support a PIN');
  if (hasPin(ctap))
    throw new ManagerError(
      'ERR_PIN_ALREADY_SET',
      'this key already has a PIN; change it with: fido2kit-keys pin change',
    );
  ui.say(pinRule(ctap));
  const pin = await askNewPin(ctx, args.newPin ?? args.pin);
  await new ClientPin(ctap).setPin(pin);
  ctx.key.save();
  await ctap.getInfo();
  const retries = await pinRetries(ctap);
  ui.say(
    `PIN set. Keep it safe: ${retries ?? 8} wrong PINs block the key until it is reset (three in a row need a replug).`,
  );
  ui.step('pin-set', { pinSet: true, retries: retries ?? null, minLength: ctap.info.minPINLength ?? 4 });
}

export async function pinChange(ctx: Context): Promise<void> {
  const { ctap, ui, args } = ctx;
  if (!hasPin(ctap))
    throw new ManagerError('ERR_PIN_NOT_SET', 'this key has no PIN yet; set one with: fido2kit-keys pin set');
  const before = await pinRetries(ctap);
  ui.say(
    `PIN retries left: ${before ?? '?'}. Each wrong PIN uses one; when none are left the key must be reset.`,
  );
  ui.step('pin-retries', { retries: before ?? null });
  const current = await askPin(ctx, 'Current PIN');
  await checkCurrentPin(ctx, current);
  ui.say(pinRule(ctap));
  const next = await askNewPin(ctx, args.newPin);
  try {
    await new ClientPin(ctap).changePin(current, next);
  } finally {
    ctx.key.save();
  }
  ui.say('PIN changed.');
  ui.step('pin-change', { changed: true, retries: (await pinRetries(ctap)) ?? null });
}

/**
 * Tries the current PIN on the key (getPinToken) before the new one is asked for, so a wrong PIN
 * is reported at once. Not while the key requires a PIN change: it then refuses every token, even
 * for the right PIN (CTAP 2.1 §6.5.5.7), and changePin itself checks the PIN.
 */
async function checkCurrentPin(ctx: Context, pin: string): Promise<void> {
  if (ctx.ctap.info.forcePINChange) return;
  try {
    await new ClientPin(ctx.ctap).getPinToken(pin);
  } catch (e) {
    if (!isCode(e, 'CTAP2_ERR_PIN_POLICY_VIOLATION')) throw e;
  } finally {
    ctx.key.save();
  }
}

export async function reset(ctx: Context): Promise<Context> {
  const { ui, args } = ctx;
  ui.warn(
    'Resetting erases everything on this key: every sign-in credential (passkey) stored on it, its PIN, its fingerprints and its settings. Sites where you registered it will no longer accept it, so make sure you can sign in to them another way.',
  );
  ui.warn(
    'A key accepts a reset only within 10 seconds of being plugged in (or placed on the NFC reader), and only with a touch.',
  );
  if (!(await ui.confirm('Erase everything on this key?'))) {
    ui.say('Nothing was erased.');
    ui.step('reset', { reset: false, declined: true });
    throw new ManagerError('ERR_DECLINED', 'reset declined; nothing was erased');
  }
  let current = ctx;
  if (ui.interactive) {
    // the confirmation may have taken longer than the window: plug the key in again now
    if (ctx.key.kind === 'virtual') {
      ctx.key.virtual?.powerCycle();
      ui.say('The virtual key was unplugged and plugged in again: the 10 seconds start now.');
    } else if (ctx.key.kind === 'hid' || ctx.key.kind === 'nfc') {
      await ctx.key.close();
      await ui.ask(
        ctx.key.kind === 'hid'
          ? 'Unplug the key, plug it back in, then press Enter'
          : 'Take the key off the reader, put it back, then press Enter',
        { flag: '--yes', value: '' },
      );
      const key = await openManagedKey({ device: args.device, virtualStateFile: args.virtual });
      const { Ctap2 } = await import('@fido2kit/ctap2');
      current = { ...ctx, key, ctap: await Ctap2.open(key.device) };
    }
  } else if (ctx.key.kind === 'virtual') {
    const ago = args.pluggedInAgo ?? 0;
    ui.say(
      ago > 0
        ? `The virtual key was plugged in ${ago} seconds ago (--plugged-in-ago).`
        : 'The virtual key was plugged in when this program started.',
    );
  }
  ui.spin('Touch your security key to confirm the reset…');
  try {
    await current.ctap.reset({
      onKeepalive: (s) => {
        if (s === 'user-presence-needed') ui.spin('Touch your security key to confirm the reset…');
      },
    });
  } finally {
    current.key.save();
  }
  ui.stopSpinner();
  ui.say('The key is reset: no PIN, no fingerprints, no credentials, factory settings.');
  ui.step('reset', { reset: true });
  return current;
}
