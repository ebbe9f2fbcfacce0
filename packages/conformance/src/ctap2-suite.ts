/**
 * The CTAP 2.1 client-against-authenticator suite: `@fido2kit/ctap2` driving a
 * `VirtualAuthenticator` through whatever `CtapDevice` the caller builds (in memory, the
 * simulated HID device, the virtual PC/SC card), every command and every error path. The tests
 * live by concern in `ctap2-*.ts`; this file holds what they share.
 */
import { describe } from 'vitest';
import { defineCtap2ClientTests } from './ctap2-client.js';
import { ctap2SuiteContext } from './ctap2-context.js';
import { defineCtap2CredentialTests } from './ctap2-credentials.js';
import { defineCtap2PinTests } from './ctap2-pin.js';
import { type MakeSuiteDevice, suiteDevices } from './harness.js';

/**
 * Defines the whole client-versus-authenticator suite as vitest `describe` blocks.
 *
 * @param name shown in the test names (e.g. "in memory", "CTAPHID", "NFC")
 * @param makeDevice builds a device around a new authenticator; called for each test
 * @example
 * ```ts
 * defineCtap2Suite('in memory', async (options) => {
 *   const authenticator = new VirtualAuthenticator(options);
 *   return { device: authenticator.device(), authenticator, close: async () => {} };
 * });
 * ```
 */
export function defineCtap2Suite(name: string, makeDevice: MakeSuiteDevice): void {
  describe(`ctap2 client ↔ virtual authenticator (${name})`, () => {
    const ctx = ctap2SuiteContext(suiteDevices(makeDevice));
    defineCtap2CredentialTests(ctx);
    defineCtap2PinTests(ctx);
    defineCtap2ClientTests(ctx);
  });
}
