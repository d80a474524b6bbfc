/** Latency summaries for the benchmark. All figures in milliseconds. */

export interface LatencySummary {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * The p-th percentile (0..100) of ascending samples, interpolated linearly between the two closest ranks
 * (Hyndman & Fan type 7, the default of numpy and R), so small samples do not jump from one value to the next.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("percentile of no samples");
  if (p < 0 || p > 100) throw new Error(`percentile out of range: ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (rank - below);
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    n: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    meanMs: total / sorted.length,
    minMs: sorted[0] as number,
    maxMs: sorted[sorted.length - 1] as number,
  };
}

/** Rounds for the report: 3 decimals is microseconds, more than the timer's honest resolution. */
export function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/**
 * How sure a figure is: the spread of its per-round values (min, interquartile range, max). A figure measured
 * once (a request count, a bundle size) has `rounds: 1` and no spread to show.
 */
export interface Spread {
  rounds: number;
  min: number;
  q1: number;
  q3: number;
  max: number;
}

export function spreadOf(values: readonly number[], decimals = 2): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    rounds: sorted.length,
    min: round(sorted[0] as number, decimals),
    q1: round(percentile(sorted, 25), decimals),
    q3: round(percentile(sorted, 75), decimals),
    max: round(sorted[sorted.length - 1] as number, decimals),
  };
}
