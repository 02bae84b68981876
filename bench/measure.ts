/** Small measuring helpers: percentiles, and a sequential latency loop for in-process operations. */

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  /** Operations per second, one at a time. */
  readonly opsPerSecond: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: readonly number[], seconds?: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: samples.length > 0 ? total / samples.length : Number.NaN,
    opsPerSecond: samples.length / ((seconds ?? total / 1000) || 1),
  };
}

/**
 * Runs `op(i)` one at a time for `seconds` after `warmup` untimed calls; latency in milliseconds.
 */
export async function timeLoop(op: (i: number) => Promise<unknown>, seconds = 1.5, warmup = 50): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await op(i);
  const samples: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  return summarize(samples, (performance.now() - started) / 1000);
}

/** A positive number from the environment variable `name`, else `def`. */
export const num = (name: string, def: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : def;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
