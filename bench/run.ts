/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints
 * ours beside the anchor as ratios. Benchmarks are measurements, never pass/fail tests.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchRow, fmt } from './measure.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

console.log(
  `fido2kit benchmarks — ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}\n`,
);
for (const file of files) {
  const mod = (await import(`./${file}`)) as { run: () => Promise<BenchRow[]>; title?: string };
  const rows = await mod.run();
  console.log(`## ${mod.title ?? file.replace('.bench.ts', '')}`);
  const table = rows.map((r) => ({
    operation: r.name,
    ours: `${fmt(r.ours)} ${r.unit}`,
    anchor: r.theirs === undefined ? '' : `${fmt(r.theirs)} ${r.unit} (${r.anchor ?? ''})`,
    ratio: r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    goal: r.goal ?? '',
  }));
  console.table(table);
}
