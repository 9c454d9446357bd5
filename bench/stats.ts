/** Latency percentiles in milliseconds (nearest-rank), rounded to 0.1 ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile of already sorted values (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** p50/p90/p99/max of a set of latencies. */
export function summarize(latenciesMs: number[]): LatencySummary {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: s.length,
    p50: round1(percentile(s, 50)),
    p90: round1(percentile(s, 90)),
    p99: round1(percentile(s, 99)),
    max: round1(percentile(s, 100)),
  };
}
