// Sufficient statistics that merge by addition: what a window can carry for a mean test without
// shipping every sample, and what many windows and replicas add up to exactly.

/** Count, sum and sum of squares of one metric. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export const emptyMoments = (): Moments => ({ n: 0, sum: 0, sumSq: 0 });

/** a + b, as if both sets of samples had been one. */
export const addMoments = (a: Moments, b: Moments): Moments => ({ n: a.n + b.n, sum: a.sum + b.sum, sumSq: a.sumSq + b.sumSq });

export const momentsMean = (m: Moments): number => (m.n > 0 ? m.sum / m.n : Number.NaN);

/** Unbiased sample variance; NaN below two samples, never negative (rounding in sumSq − n·mean²). */
export function momentsVariance(m: Moments): number {
  if (m.n < 2) return Number.NaN;
  return Math.max(0, (m.sumSq - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** Moments of raw values. */
export function momentsOf(values: readonly number[]): Moments {
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  return { n: values.length, sum, sumSq };
}
