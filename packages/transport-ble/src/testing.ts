/**
 * @fido2kit/transport-ble/testing — a simulated Bluetooth FIDO key: the peripheral side of CTAPBLE
 * around any `CtapDevice` (typically a `VirtualAuthenticator`), with fault injection.
 * @packageDocumentation
 */
export {
  type BleDirection,
  type BleFault,
  type BlePeripheralAuthenticator,
  SimulatedBlePeripheral,
  type SimulatedBlePeripheralOptions,
  type SimulatedBlePeripheralStats,
} from './simulated-peripheral.js';
