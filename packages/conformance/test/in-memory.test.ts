import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { defineCtap2Suite } from '../src/index.js';

defineCtap2Suite('in memory', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  return { device: authenticator.device(), authenticator, close: async () => {} };
});
