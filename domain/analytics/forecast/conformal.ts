// Split-conformal prediction intervals (Vovk et al.; Angelopoulos & Bates 2021): the interval
// half-width at level 1 − a is the ⌈(n+1)(1 − a)⌉-th smallest absolute backtest residual. No
// distributional assumption; the coverage it promises is measured, not assumed.

/** Half-width for the level (e.g. 0.8) from absolute residuals; Infinity when too few residuals for it. */
export function conformalHalfWidth(absResiduals: readonly number[], level: number): number {
  const sorted = [...absResiduals].sort((a, b) => a - b);
  const n = sorted.length;
  const k = Math.ceil((n + 1) * level);
  return k > n ? Number.POSITIVE_INFINITY : sorted[k - 1]!;
}

/** Share of actual values inside [lower, upper]. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  let inside = 0;
  actual.forEach((v, i) => {
    if (v >= lower[i]! && v <= upper[i]!) inside++;
  });
  return actual.length ? inside / actual.length : Number.NaN;
}
