/**
 * @fido2kit/transport-hid/testing — a simulated USB FIDO key: the device side of CTAPHID around
 * any `CtapDevice` (typically a `VirtualAuthenticator`), with fault injection.
 * @packageDocumentation
 */
export {
  type HidDirection,
  type HidFault,
  type SimulatedAuthenticator,
  SimulatedHidDevice,
  type SimulatedHidDeviceOptions,
  type SimulatedHidDeviceStats,
  type SimulatedHidLink,
} from './simulated-device.js';
