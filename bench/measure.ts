import { performance } from "node:perf_hooks";

/** Median wall time in milliseconds of `fn` over `iterations` runs after `warmup` runs. */
export async function medianMs(fn: () => unknown, iterations = 20, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

/** Prints one figure line: `name: value unit` and, when a goal is given, whether it is met. */
export function printFigure(name: string, value: number, unit: string, goal?: { readonly max: number }): void {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(2);
  const verdict =
    goal === undefined ? "" : value <= goal.max ? `  (goal ≤ ${goal.max}: met)` : `  (goal ≤ ${goal.max}: NOT met)`;
  process.stdout.write(`${name}: ${shown} ${unit}${verdict}\n`);
}

export function rssMiB(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}
