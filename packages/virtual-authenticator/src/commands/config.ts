/**
 * authenticatorConfig (0x0D), CTAP 2.1 §6.11: enableEnterpriseAttestation, toggleAlwaysUv,
 * setMinPINLength.
 */

import { type CborValue, concatBytes, encode } from '@fido2kit/cose';
import {
  CONFIG_KEYS,
  CONFIG_SUBCOMMANDS,
  CTAP2_COMMANDS,
  PIN_UV_AUTH_PERMISSIONS,
  SET_MIN_PIN_LENGTH_KEYS,
} from '@fido2kit/ctap2';
import { opt, req } from '../_params.js';
import { fail } from '../errors.js';
import { checkManagementToken, FF32, managementCommandConfig } from '../management.js';
import type { Command } from './types.js';

const K = CONFIG_KEYS;

const S = CONFIG_SUBCOMMANDS;
const ACFG = PIN_UV_AUTH_PERMISSIONS.acfg;

export const authenticatorConfig: Command = {
  code: CTAP2_COMMANDS.config,
  name: 'authenticatorConfig',
  async handle(core, p) {
    const m = managementCommandConfig(core, (m) => m.authnrCfg);
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const sub = req.uint(p, K.subCommand);
    const params = opt.map(p, K.subCommandParams);
    const protocol = opt.uint(p, K.pinUvAuthProtocol);
    const param = opt.bytes(p, K.pinUvAuthParam);
    if (sub !== S.enableEnterpriseAttestation && sub !== S.toggleAlwaysUv && sub !== S.setMinPINLength) {
      fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    }
    if (sub === S.enableEnterpriseAttestation && !m.enterpriseAttestation)
      fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    const s = core.state;
    // a key protected by a PIN or UV needs a token with acfg; an unprotected one accepts none
    if (core.protectedByUv || param !== undefined) {
      const head = concatBytes(FF32, Uint8Array.of(0x0d, sub));
      const message = params === undefined ? head : concatBytes(head, encode(params));
      checkManagementToken(core, protocol, param, message, ACFG);
    }
    switch (sub) {
      case S.enableEnterpriseAttestation:
        s.enterpriseAttestation = true;
        return undefined;
      case S.toggleAlwaysUv:
        s.alwaysUv = !s.alwaysUv;
        return undefined;
      default: {
        const newMin =
          params === undefined ? undefined : opt.uint(params, SET_MIN_PIN_LENGTH_KEYS.newMinPINLength);
        const rpIds =
          params === undefined ? undefined : opt.array(params, SET_MIN_PIN_LENGTH_KEYS.minPinLengthRPIDs);
        const force =
          params === undefined ? undefined : opt.bool(params, SET_MIN_PIN_LENGTH_KEYS.forceChangePin);
        const ids = (rpIds ?? []).map((x: CborValue) => {
          if (typeof x !== 'string') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
          return x;
        });
        const min = newMin ?? s.minPinLength;
        if (min < s.minPinLength || min > 63) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
        if (rpIds !== undefined && ids.length > m.maxRPIDsForSetMinPINLength)
          fail('CTAP1_ERR_INVALID_LENGTH');
        if (force === true && !core.pinSet) fail('CTAP2_ERR_PIN_NOT_SET');
        s.minPinLength = min;
        if (rpIds !== undefined) {
          s.minPinLengthRpIds = [...new Set([...core.config.factoryMinPinLengthRpIds, ...ids])];
        }
        if (force === true || (core.pinSet && (s.pinCodePoints ?? 0) < min)) s.forcePinChange = true;
        return undefined;
      }
    }
  },
};
