/** authenticatorReset (0x07), CTAP 2.1 §6.6: only within 10 s of power-up, and with a touch. */
import { CTAP2_COMMANDS } from '@fido2kit/ctap2';
import { fail } from '../errors.js';
import { DEFAULTS } from '../options.js';
import type { Command } from './types.js';

export const reset: Command = {
  code: CTAP2_COMMANDS.reset,
  name: 'authenticatorReset',
  async handle(core, _params, call) {
    if (core.now() - core.volatile.powerUpAt > DEFAULTS.resetWindowMs) fail('CTAP2_ERR_NOT_ALLOWED');
    const r = await core.requestPresence(call, { command: 'reset' });
    if (r === 'timeout') fail('CTAP2_ERR_USER_ACTION_TIMEOUT');
    if (r !== 'yes') fail('CTAP2_ERR_OPERATION_DENIED');
    core.factoryReset();
    return undefined;
  },
};
