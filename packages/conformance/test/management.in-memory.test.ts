import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { defineManagementSuite } from '../src/index.js';

defineManagementSuite('in memory', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  return { device: authenticator.device(), authenticator, close: async () => {} };
});
