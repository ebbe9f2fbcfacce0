// The whole client-against-authenticator suite (core and management), unchanged from the in-memory run, over real
// CTAPHID framing: Ctap2 → HidTransport → 64-byte reports → SimulatedHidDevice → VirtualAuthenticator.
import { defineCtap2Suite, defineManagementSuite } from '@fido2kit/conformance';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { HidTransport } from '../src/index.js';
import { SimulatedHidDevice } from '../src/testing.js';

defineCtap2Suite('over CTAPHID (simulated HID device)', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  const device = await HidTransport.open(new SimulatedHidDevice(authenticator).connection());
  return { device, authenticator, close: () => device.close() };
});

defineManagementSuite('over CTAPHID (simulated HID device)', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  const device = await HidTransport.open(new SimulatedHidDevice(authenticator).connection());
  return { device, authenticator, close: () => device.close() };
});
