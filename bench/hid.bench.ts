/**
 * @fido2kit/transport-hid: CTAPHID framing. Reports per message against the minimum
 * 1 + ⌈(n − 57) / 59⌉ for every size, and CPU time per report against USB full speed's one
 * report per millisecond (the framing must add nothing measurable beside the wire).
 */
import {
  CtaphidReassembler,
  encodeMessage,
  HidTransport,
  INIT_DATA_SIZE,
  MAX_PAYLOAD,
} from '@fido2kit/transport-hid';
import { SimulatedHidDevice } from '@fido2kit/transport-hid/testing';
import { type BenchRow, cpuMicros } from './measure.js';

export const title = '@fido2kit/transport-hid';

const USB_FULL_SPEED_US_PER_REPORT = 1000;

function minimumReports(n: number): number {
  return n <= INIT_DATA_SIZE ? 1 : 1 + Math.ceil((n - INIT_DATA_SIZE) / 59);
}

export async function run(): Promise<BenchRow[]> {
  const cid = 0x00220002;
  let ours = 0;
  let minimum = 0;
  let worst = 1;
  for (let n = 0; n <= MAX_PAYLOAD; n++) {
    const count = encodeMessage(cid, 0x10, new Uint8Array(n)).length;
    ours += count;
    minimum += minimumReports(n);
    worst = Math.max(worst, count / minimumReports(n));
  }

  const full = crypto.getRandomValues(new Uint8Array(MAX_PAYLOAD));
  const fullReports = encodeMessage(cid, 0x10, full);
  const encodeUs = cpuMicros(() => encodeMessage(cid, 0x10, full)) / fullReports.length;
  const reassembleUs =
    cpuMicros(() => {
      const r = new CtaphidReassembler({ cid });
      for (const report of fullReports) r.push(report);
    }) / fullReports.length;
  const small = Uint8Array.of(0x04); // authenticatorGetInfo
  const smallUs = cpuMicros(() => {
    const [report] = encodeMessage(cid, 0x10, small);
    new CtaphidReassembler({ cid }).push(report!);
  });

  // A full-size PING through HidTransport and the simulated device: 129 reports each way.
  const key = new SimulatedHidDevice({
    transport: 'virtual',
    cbor: async (r: Uint8Array) => r,
    msg: async (r: Uint8Array) => r,
    close: async () => {},
  });
  const device = await HidTransport.open(key.connection());
  for (let i = 0; i < 20; i++) await device.ping(full);
  const rounds = 200;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await device.ping(full);
  const pingMs = (performance.now() - t0) / rounds;
  await device.close();
  const wireMs = (2 * fullReports.length * USB_FULL_SPEED_US_PER_REPORT) / 1000;

  return [
    {
      name: 'reports per message, every size 0…7609 (sum)',
      ours,
      theirs: minimum,
      unit: 'reports',
      ratio: minimum / ours,
      anchor: `minimum 1 + ⌈(n − 57) / 59⌉; worst size ${worst.toFixed(2)}× its minimum`,
      goal: '= 1.00×',
    },
    {
      name: 'reports for a 7609-byte message',
      ours: fullReports.length,
      theirs: minimumReports(MAX_PAYLOAD),
      unit: 'reports',
      ratio: minimumReports(MAX_PAYLOAD) / fullReports.length,
      anchor: 'minimum',
      goal: '= 1.00×',
    },
    {
      name: 'encode, CPU per report (7609-byte message)',
      ours: encodeUs,
      theirs: USB_FULL_SPEED_US_PER_REPORT,
      unit: 'µs',
      ratio: USB_FULL_SPEED_US_PER_REPORT / encodeUs,
      anchor: 'USB full speed: 1 report/ms',
      goal: '< 5 µs',
    },
    {
      name: 'reassemble, CPU per report (7609-byte message)',
      ours: reassembleUs,
      theirs: USB_FULL_SPEED_US_PER_REPORT,
      unit: 'µs',
      ratio: USB_FULL_SPEED_US_PER_REPORT / reassembleUs,
      anchor: 'USB full speed: 1 report/ms',
      goal: '< 5 µs',
    },
    {
      name: 'encode + reassemble a 1-report message (getInfo)',
      ours: smallUs,
      theirs: USB_FULL_SPEED_US_PER_REPORT,
      unit: 'µs',
      ratio: USB_FULL_SPEED_US_PER_REPORT / smallUs,
      anchor: 'USB full speed: 1 report/ms',
      goal: '< 5 µs',
    },
    {
      name: 'full-size PING round trip, HidTransport ↔ SimulatedHidDevice (258 reports)',
      ours: pingMs,
      theirs: wireMs,
      unit: 'ms',
      ratio: wireMs / pingMs,
      anchor: 'the same reports on USB full speed',
      goal: '≫ 1×',
    },
  ];
}
