/**
 * FIDO AppID interplay (WebAuthn L3 §10.1.1 appid, §10.1.2 appidExclude; CTAP 2.1 §10.3): the
 * credentials registered through the U2F JavaScript API live under SHA-256(AppID).
 */
import { sha256, utf8Encode } from '@fido2kit/cose';
import { CTAP_STATUS } from '../constants.js';
import { Ctap1 } from '../ctap1.js';
import { u2fCheckExcluded } from '../ctap1-interop.js';
import type { Ctap2 } from '../ctap2.js';
import type { PublicKeyCredentialDescriptor } from '../ctap2-messages.js';
import type { CallOptions } from '../device.js';
import { CtapError } from '../errors.js';
import { type Key, speaksU2f } from './keys.js';

/**
 * appid on a CTAP2 key: the first RP ID whose silent (up: false) getAssertion finds an allowed
 * credential, else the first; the ceremony (and the token's RP ID) then use it.
 */
export async function probeRpId(
  ctap: Ctap2,
  rpIds: string[],
  clientDataHash: Uint8Array,
  allowList: PublicKeyCredentialDescriptor[],
  signal: AbortSignal,
): Promise<string> {
  for (const id of rpIds) {
    try {
      await ctap.getAssertion({ rpId: id, clientDataHash, allowList, options: { up: false } }, { signal });
      return id;
    } catch (e) {
      if (e instanceof CtapError && e.status === CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS) continue;
      // a key that refuses silent probes: let the real request decide with the RP ID
      if (e instanceof CtapError) break;
      throw e;
    }
  }
  return rpIds[0] as string;
}

/**
 * appidExclude (WebAuthn L3 §10.1.2): on a key that answers U2F (a U2F-only key, or a CTAP2 key
 * listing U2F_V2), the excludeList credentials are looked for under SHA-256(AppID) with
 * check-only U2F_AUTHENTICATE; one found fails the ceremony as an excluded credential
 * (InvalidStateError after a touch), as browsers do.
 */
export async function checkAppidExclude(
  key: Key,
  appid: string,
  clientDataHash: Uint8Array,
  excludeList: readonly PublicKeyCredentialDescriptor[],
  call: CallOptions,
): Promise<void> {
  if (excludeList.length === 0 || !speaksU2f(key)) return;
  const ctap1 = key instanceof Ctap1 ? key : new Ctap1(key.device);
  try {
    await u2fCheckExcluded(ctap1, clientDataHash, sha256(utf8Encode(appid)), excludeList, call);
  } catch (e) {
    // a CTAP2 key whose U2F side does not answer holds no U2F credential to exclude
    if (key instanceof Ctap1 || isExcludedOrAbort(e)) throw e;
  }
}

function isExcludedOrAbort(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code;
  return code === 'CTAP2_ERR_CREDENTIAL_EXCLUDED' || code === 'ERR_ABORTED' || code === 'ERR_TIMEOUT';
}
