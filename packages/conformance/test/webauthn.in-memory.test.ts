import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { defineWebAuthnSuite } from '../src/index.js';

defineWebAuthnSuite('in memory', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  return { device: authenticator.device(), authenticator, close: async () => {} };
});
