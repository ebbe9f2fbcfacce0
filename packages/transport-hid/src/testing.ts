/**
 * @fido2kit/transport-hid/testing — a simulated USB FIDO key: the device side of CTAPHID around
 * any `CtapDevice` (typically a `VirtualAuthenticator`), with fault injection.
 * @packageDocumentation
 */
export { SimulatedHidDevice } from './simulated-device.js';
export type { HidDirection, HidFault } from './simulated-faults.js';
export type {
  SimulatedAuthenticator,
  SimulatedHidDeviceOptions,
  SimulatedHidDeviceStats,
  SimulatedHidLink,
} from './simulated-types.js';
