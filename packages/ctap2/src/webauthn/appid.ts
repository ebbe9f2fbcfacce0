/**
 * FIDO AppID interplay (WebAuthn L3 §10.1.1 appid, §10.1.2 appidExclude; CTAP 2.1 §10.3): the
 * credentials registered through the U2F JavaScript API live under SHA-256(AppID).
 */
import { CTAP_STATUS } from '../constants.js';
import type { Ctap2, PublicKeyCredentialDescriptor } from '../ctap2.js';
import { CtapError } from '../errors.js';

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
