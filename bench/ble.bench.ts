/**
 * @fido2kit/transport-ble: CTAPBLE framing. Fragments per message for every size 0…7609 (the
 * CTAPHID range, so the two transports compare) at ATT MTU 23, 185 and 512, against the fewest
 * fragments any CTAPBLE framing can use, ⌈(n + 2) / (maxLen − 1)⌉; and CPU time per fragment
 * against the radio, which carries at best about one fragment per 7.5 ms connection interval on a
 * busy link (the shortest interval Bluetooth LE allows).
 */
import {
  BleTransport,
  CtapbleReassembler,
  encodeFrame,
  MAX_CONTROL_POINT_LENGTH,
  maxFragmentLength,
} from '@fido2kit/transport-ble';
import { SimulatedBlePeripheral } from '@fido2kit/transport-ble/testing';
import { type BenchRow, cpuMicros } from './measure.js';

export const title = '@fido2kit/transport-ble';

const LARGEST = 7609;
const CONNECTION_INTERVAL_US = 7500;
const MSG = 0x83;

function minimumFragments(n: number, maxLen: number): number {
  return Math.max(1, Math.ceil((n + 2) / (maxLen - 1)));
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const full = crypto.getRandomValues(new Uint8Array(LARGEST));
  const echo = {
    transport: 'virtual' as const,
    cbor: async (r: Uint8Array) => r,
    msg: async (r: Uint8Array) => r,
    close: async () => {},
  };
  for (const mtu of [23, 185, 512]) {
    const maxLen = maxFragmentLength(MAX_CONTROL_POINT_LENGTH, mtu);
    let ours = 0;
    let minimum = 0;
    let worst = 1;
    for (let n = 0; n <= LARGEST; n++) {
      const count = encodeFrame(MSG, full.subarray(0, n), maxLen).length;
      const least = minimumFragments(n, maxLen);
      ours += count;
      minimum += least;
      worst = Math.max(worst, count / least);
    }
    rows.push({
      name: `ATT MTU ${mtu} (maxLen ${maxLen}): fragments per message, every size 0…${LARGEST} (sum)`,
      ours,
      theirs: minimum,
      unit: 'fragments',
      ratio: minimum / ours,
      anchor: `minimum ⌈(n + 2) / (maxLen − 1)⌉; worst size ${worst.toFixed(2)}× its minimum`,
      goal: '= 1.00×',
    });

    const fragments = encodeFrame(MSG, full, maxLen);
    const encodeUs = cpuMicros(() => encodeFrame(MSG, full, maxLen)) / fragments.length;
    const reassembleUs =
      cpuMicros(() => {
        const r = new CtapbleReassembler({ maxFragmentLength: maxLen });
        for (const f of fragments) r.push(f);
      }) / fragments.length;
    rows.push({
      name: `ATT MTU ${mtu}: encode + reassemble, CPU per fragment (${LARGEST}-byte message, ${fragments.length} fragments)`,
      ours: encodeUs + reassembleUs,
      theirs: CONNECTION_INTERVAL_US,
      unit: 'µs',
      ratio: CONNECTION_INTERVAL_US / (encodeUs + reassembleUs),
      anchor: 'one fragment per 7.5 ms connection interval',
      goal: '< 5 µs',
    });

    const key = new SimulatedBlePeripheral(echo, { mtu });
    const device = await BleTransport.open(key.connection());
    for (let i = 0; i < 10; i++) await device.ping(full);
    const rounds = 100;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await device.ping(full);
    const pingMs = (performance.now() - t0) / rounds;
    await device.close();
    const wireMs = (2 * fragments.length * CONNECTION_INTERVAL_US) / 1000;
    rows.push({
      name: `ATT MTU ${mtu}: ${LARGEST}-byte PING round trip, BleTransport ↔ SimulatedBlePeripheral (${2 * fragments.length} fragments)`,
      ours: pingMs,
      theirs: wireMs,
      unit: 'ms',
      ratio: wireMs / pingMs,
      anchor: 'the same fragments at one per 7.5 ms interval',
      goal: '≫ 1×',
    });
  }
  return rows;
}
