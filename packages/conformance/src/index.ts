/**
 * @fido2kit/conformance (private): the suites every transport runs, `@fido2kit/ctap2` driving a
 * `VirtualAuthenticator` through whatever `CtapDevice` the caller builds (in memory, the simulated
 * HID device, the virtual PC/SC card, the simulated BLE peripheral). This file only re-exports.
 * @packageDocumentation
 */
export type { CborValue } from '@fido2kit/cose';
/** The CTAP command table, re-exported for transport suites that send raw commands. */
export { CTAP2_COMMANDS } from '@fido2kit/ctap2';
export { defineCtap2Suite } from './ctap2-suite.js';
export type { MakeSuiteDevice, SuiteDevice } from './harness.js';
export { defineManagementSuite } from './management.js';
export { defineWebAuthnSuite } from './webauthn.js';
