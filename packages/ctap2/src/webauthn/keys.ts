/**
 * Opening and choosing keys for a ceremony: CTAP2, or CTAP1/U2F for keys that speak only U2F
 * (CTAP 2.1 §10.3), and, among several keys, the one the user touches (CTAP 2.1 §6.9).
 */
import { CTAP_STATUS } from '../constants.js';
import { Ctap1 } from '../ctap1.js';
import { Ctap2 } from '../ctap2.js';
import type { CallOptions, CtapDevice } from '../device.js';
import { Ctap2ClientError, CtapError } from '../errors.js';

/** An opened key: a CTAP2 authenticator, or a U2F-only one reached through CTAP1. */
export type Key = Ctap2 | Ctap1;

/** The bogus parameters of the U2F_REGISTER that makes a U2F key blink for selection. */
const SELECT_CHALLENGE = new Uint8Array(32).fill(0x42);
const SELECT_APPLICATION = new Uint8Array(32).fill(0x41);

const FIDO2_VERSIONS: readonly string[] = ['FIDO_2_0', 'FIDO_2_1', 'FIDO_2_1_PRE', 'FIDO_2_2'];

/**
 * Opens a device: CTAP2 when getInfo answers with a FIDO 2 version; CTAP1/U2F when it does not
 * (CTAP1_ERR_INVALID_COMMAND, a HID device without the CBOR capability, or versions naming only
 * U2F_V2) and U2F_VERSION answers U2F_V2 (CTAP 2.1 §10.3).
 */
export async function openKey(device: CtapDevice, signal: AbortSignal, canonical: boolean): Promise<Key> {
  let failure: unknown;
  try {
    const ctap = await Ctap2.open(device, { signal, canonical });
    if (
      ctap.info.versions.some((v) => FIDO2_VERSIONS.includes(v)) ||
      !ctap.info.versions.includes('U2F_V2')
    ) {
      return ctap;
    }
  } catch (e) {
    const noCbor =
      (e instanceof CtapError && e.status === CTAP_STATUS.CTAP1_ERR_INVALID_COMMAND) ||
      (e instanceof Ctap2ClientError && e.code === 'ERR_NOT_SUPPORTED');
    if (!noCbor) throw e;
    failure = e;
  }
  const u2f = new Ctap1(device);
  let version: string | undefined;
  try {
    version = await u2f.getVersion({ signal });
  } catch (e) {
    throw failure ?? e;
  }
  if (version !== 'U2F_V2') {
    throw (
      failure ??
      new Ctap2ClientError('ERR_NOT_SUPPORTED', `the key speaks neither CTAP2 nor U2F_V2 (${version})`)
    );
  }
  return u2f;
}

/** True when a key answers CTAP1/U2F messages too: a U2F-only key, or a CTAP2 key listing U2F_V2. */
export function speaksU2f(key: Key): boolean {
  return key instanceof Ctap1 || key.info.versions.includes('U2F_V2');
}

/**
 * The key to use: the only one, or among several the one the user touches (authenticatorSelection,
 * the CTAP 2.0 dummy makeCredential, or a U2F_REGISTER nobody will use); the others are cancelled.
 */
export async function selectKey(
  devices: readonly CtapDevice[],
  open: (device: CtapDevice, signal: AbortSignal) => Promise<Key>,
  call: (signal: AbortSignal) => CallOptions,
  signal: AbortSignal,
): Promise<Key> {
  if (devices.length === 1) return open(devices[0] as CtapDevice, signal);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const attempts = devices.map(async (d) => {
      const key = await open(d, ctl.signal);
      // a U2F key blinks for a U2F_REGISTER nobody will use (CTAP 2.1 §10.3)
      if (key instanceof Ctap1) await key.register(SELECT_CHALLENGE, SELECT_APPLICATION, call(ctl.signal));
      else await key.selection(call(ctl.signal));
      return key;
    });
    const chosen = await Promise.any(attempts);
    ctl.abort(new Ctap2ClientError('ERR_ABORTED', 'another key was chosen'));
    await Promise.allSettled(attempts);
    return chosen;
  } catch (e) {
    if (signal.aborted) throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
    throw e instanceof AggregateError ? e.errors[0] : e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
