// The whole client-against-authenticator suite (core and management), unchanged from the in-memory run,
// over real CTAPBLE framing: Ctap2 → BleTransport → fragments → SimulatedBlePeripheral → VirtualAuthenticator,
// at the smallest link (ATT MTU 23: 20-byte fragments, the most continuation fragments and SEQ wrapping
// for every message over 2,449 bytes) and the largest (ATT MTU 512 with a 512-byte control point: 509-byte fragments).
import { defineCtap2Suite, defineManagementSuite, type MakeSuiteDevice } from '@fido2kit/conformance';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { BleTransport } from '../src/index.js';
import { SimulatedBlePeripheral } from '../src/testing.js';

for (const mtu of [23, 512]) {
  const make: MakeSuiteDevice = async (options) => {
    const authenticator = new VirtualAuthenticator(options);
    const device = await BleTransport.open(new SimulatedBlePeripheral(authenticator, { mtu }).connection());
    return { device, authenticator, close: () => device.close() };
  };
  defineCtap2Suite(`over CTAPBLE (simulated peripheral, ATT MTU ${mtu})`, make);
  defineManagementSuite(`over CTAPBLE (simulated peripheral, ATT MTU ${mtu})`, make);
}
