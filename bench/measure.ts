/** Throughput measurement for the benchmarks: ours and the anchor on the same inputs, one process. */

/** One printed row. `ratio` is ours ÷ theirs for rates, theirs ÷ ours for sizes and times. */
export interface BenchRow {
  name: string;
  ours: number;
  theirs?: number;
  unit: string;
  ratio?: number;
  /** What `theirs` is. */
  anchor?: string;
  /** The target, e.g. "≥ 0.9×". */
  goal?: string;
}

/** Operations per second of `fn` (sync or async), after a warm-up, over about `ms` milliseconds. */
export async function opsPerSecond(fn: () => unknown, ms = 1500): Promise<number> {
  const isAsync = fn() instanceof Promise;
  const warmEnd = performance.now() + ms / 5;
  while (performance.now() < warmEnd) isAsync ? await fn() : fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) isAsync ? await fn() : fn();
    n += 50;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** CPU microseconds (user + system) per call of the synchronous `fn`, measured with process.cpuUsage over about `ms`. */
export function cpuMicros(fn: () => void, ms = 1000): number {
  const warm = performance.now() + ms / 5;
  while (performance.now() < warm) fn();
  let calls = 0;
  const start = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) fn();
    calls += 20;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

/** Rounds for printing. */
export function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}
