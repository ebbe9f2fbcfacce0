/**
 * The key-management suite: `@fido2kit/ctap2`'s CredentialManagement, BioEnrollment,
 * AuthenticatorConfig, LargeBlobs and Ctap1 driving a `VirtualAuthenticator` through whatever
 * `CtapDevice` the caller builds (in memory, the simulated HID device, the virtual PC/SC card):
 * every subcommand, its permissions and error paths, and property tests over random sequences.
 */
import { describe } from 'vitest';
import { type MakeSuiteDevice, suiteDevices } from './harness.js';
import { defineBioAndConfigTests } from './management-bio-config.js';
import { MANAGEMENT_DEFAULTS, managementSuiteContext } from './management-context.js';
import { defineCredentialManagementTests } from './management-credentials.js';
import { defineLargeBlobTests } from './management-large-blobs.js';
import { defineManagementPropertyTests } from './management-properties.js';
import { defineCtap1Tests } from './management-u2f.js';

/**
 * Defines the key-management suite as vitest `describe` blocks; `makeDevice` has the shape of
 * {@link defineCtap2Suite}'s, so each transport reruns it unchanged.
 *
 * @param name shown in the test names (e.g. "in memory", "CTAPHID", "NFC")
 * @param makeDevice builds a device around a new authenticator; called for each test
 * @example
 * ```ts
 * defineManagementSuite('in memory', async (options) => {
 *   const authenticator = new VirtualAuthenticator(options);
 *   return { device: authenticator.device(), authenticator, close: async () => {} };
 * });
 * ```
 */
export function defineManagementSuite(name: string, makeDevice: MakeSuiteDevice): void {
  describe(`key management ↔ virtual authenticator (${name})`, () => {
    const ctx = managementSuiteContext(suiteDevices(makeDevice, MANAGEMENT_DEFAULTS));
    defineCredentialManagementTests(ctx);
    defineBioAndConfigTests(ctx);
    defineLargeBlobTests(ctx);
    defineCtap1Tests(ctx);
    defineManagementPropertyTests(ctx);
  });
}
