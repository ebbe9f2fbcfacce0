/** authenticatorGetInfo (0x04), CTAP 2.1 §6.4. */
import type { CborValue } from '@fido2kit/cose';
import { CTAP2_COMMANDS, GET_INFO_KEYS } from '@fido2kit/ctap2';
import type { AuthenticatorCore } from '../core.js';
import { KEY_ALGORITHMS } from '../keys.js';
import { addManagementInfo, infoVersions } from '../management.js';
import { ALL_EXTENSIONS } from '../options.js';
import type { Command } from './types.js';

/**
 * getInfo response members (CTAP 2.1 §6.4): the client's table, so the two sides cannot disagree
 * (the client's is checked against recorded real-key getInfo responses).
 */
export const GET_INFO = GET_INFO_KEYS;

/** The getInfo response map of the authenticator's current state. */
export function buildInfo(core: AuthenticatorCore): Map<number, CborValue> {
  const c = core.config;
  const s = core.state;
  const options = new Map<string, CborValue>([
    ['plat', false],
    ['rk', true],
    ['up', true],
  ]);
  if (c.clientPin) options.set('clientPin', core.pinSet);
  if (c.sensor) options.set('uv', core.uvConfigured);
  if (c.clientPin || c.sensor) options.set('pinUvAuthToken', true);
  options.set('makeCredUvNotRqd', c.makeCredUvNotRqd && !s.alwaysUv);
  if (s.alwaysUv) options.set('alwaysUv', true);
  const info = new Map<number, CborValue>();
  info.set(GET_INFO.versions, infoVersions(core));
  const exts = ALL_EXTENSIONS.filter((e) => c.extensions.has(e));
  if (exts.length > 0) info.set(GET_INFO.extensions, exts);
  info.set(GET_INFO.aaguid, s.aaguid.slice());
  info.set(GET_INFO.options, options);
  info.set(GET_INFO.maxMsgSize, c.maxMsgSize);
  if (c.pinUvAuthProtocols.length > 0) info.set(GET_INFO.pinUvAuthProtocols, [...c.pinUvAuthProtocols]);
  info.set(GET_INFO.maxCredentialCountInList, c.maxCredentialCountInList);
  info.set(GET_INFO.maxCredentialIdLength, c.maxCredentialIdLength);
  info.set(GET_INFO.transports, [...c.transports]);
  info.set(
    GET_INFO.algorithms,
    c.algorithms
      .filter((a) => KEY_ALGORITHMS.has(a))
      .map(
        (alg) =>
          new Map<string, CborValue>([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
      ),
  );
  if (c.clientPin) info.set(GET_INFO.forcePINChange, s.forcePinChange);
  info.set(GET_INFO.minPINLength, s.minPinLength);
  info.set(GET_INFO.firmwareVersion, c.firmwareVersion);
  if (c.extensions.has('credBlob')) info.set(GET_INFO.maxCredBlobLength, c.maxCredBlobLength);
  if (c.sensor) {
    info.set(GET_INFO.preferredPlatformUvAttempts, 1);
    info.set(GET_INFO.uvModality, 0x02); // USER_VERIFY_FINGERPRINT_INTERNAL
  }
  info.set(GET_INFO.remainingDiscoverableCredentials, core.remainingDiscoverableCredentials);
  addManagementInfo(core, info, options);
  return info;
}

export const getInfo: Command = {
  code: CTAP2_COMMANDS.getInfo,
  name: 'authenticatorGetInfo',
  async handle(core) {
    return buildInfo(core);
  },
};
