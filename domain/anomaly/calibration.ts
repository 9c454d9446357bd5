// How every detector turns its raw statistic into a score in [0, 1], so that one cut-off means the
// same thing for all of them. The scale is the two-sided Gaussian tail: score(z) = P(|Z| < |z|) =
// erf(|z|/√2), i.e. one minus the p-value of a z-statistic. Each detector measures its deviation in
// units of its own alarm threshold (|z| ≥ k for the robust z-score and EWMA, S ≥ h for CUSUM, the
// contamination quantile for the Isolation Forest) and that ratio is placed at ALARM_Z = 3 on this
// scale: a statistic exactly at its detector's threshold scores ALARM_SCORE ≈ 0.9973 everywhere,
// 0 means no deviation (or not enough history to tell), and scores rise smoothly in between, so
// they can be compared, ranked and combined. Pure and deterministic (no clocks, no randomness).

/** Where a detector's own alarm threshold sits on the common scale, in standard deviations. */
export const ALARM_Z = 3;

// erfc by the Chebyshev fit in Numerical Recipes (Press et al., §6.2): fractional error below
// 1.2e-7 everywhere, so the tail (1 − score) keeps its relative precision far beyond 3σ.
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-x * x + poly);
}

/** P(|Z| < |z|) for a standard normal Z: 0 at z = 0, ALARM_SCORE at |z| = 3, 1 as |z| → ∞. */
export function gaussianScore(z: number): number {
  if (Number.isNaN(z)) throw new Error('gaussianScore: z is NaN (a detector produced an undefined statistic)');
  const a = Math.abs(z);
  if (a === 0) return 0;
  if (a === Infinity) return 1;
  return Math.min(1, Math.max(0, 1 - erfc(a / Math.SQRT2)));
}

/** The score of a statistic exactly at its detector's alarm threshold (≈ 0.9973): the common cut-off. */
export const ALARM_SCORE = gaussianScore(ALARM_Z);

/** Score of a non-negative statistic measured against its alarm threshold: stat = threshold → ALARM_SCORE. */
export function thresholdScore(stat: number, threshold: number): number {
  if (!(threshold > 0)) throw new Error(`thresholdScore: threshold must be > 0, got ${threshold}`);
  return gaussianScore((ALARM_Z * stat) / threshold);
}

/**
 * One-sided score of x against a reference distribution known by its median and its alarm quantile
 * (e.g. Isolation Forest scores on the training data): at or below the median → 0, at the alarm
 * quantile → ALARM_SCORE, linear in between on the z scale (a robust z with the quantile as 3σ).
 */
export function quantileScore(x: number, median: number, alarmAt: number): number {
  const spread = alarmAt - median;
  // A degenerate reference (every training score equal) can only say "above it or not".
  if (!(spread > 1e-12)) return x > alarmAt ? 1 : 0;
  return x <= median ? 0 : thresholdScore(x - median, spread);
}
