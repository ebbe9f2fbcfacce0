/** authenticatorSelection (0x0B), CTAP 2.1 §6.9: "touch the key you mean". */
import { CTAP2_COMMANDS } from '@fido2kit/ctap2';
import { fail } from '../errors.js';
import type { Command } from './types.js';

export const selection: Command = {
  code: CTAP2_COMMANDS.selection,
  name: 'authenticatorSelection',
  async handle(core, _params, call) {
    const r = await core.requestPresence(call, { command: 'selection' });
    if (r === 'timeout') fail('CTAP2_ERR_USER_ACTION_TIMEOUT');
    if (r !== 'yes') fail('CTAP2_ERR_OPERATION_DENIED');
    return undefined;
  },
};
