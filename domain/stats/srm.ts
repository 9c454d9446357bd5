// Sample-ratio mismatch: do the units each variant received fit the configured split? A mismatch
// means the assignment or the logging is broken, and every other result is then suspect.
import { upperIncompleteGamma } from './special';

/** The threshold experiment platforms use for SRM: rare enough to act on, as a hard gate. */
export const SRM_ALPHA = 0.001;

export interface SrmResult {
  chi2: number;
  df: number;
  p: number;
  /** p below SRM_ALPHA: results are withheld until it is explained. */
  mismatch: boolean;
}

/** Pearson's chi-square goodness of fit of variant counts to their weights (weights need not sum to 1). */
export function srmTest(counts: readonly number[], weights: readonly number[]): SrmResult {
  const total = counts.reduce((s, c) => s + c, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const chi2 = counts.reduce((s, c, i) => {
    const expected = (total * weights[i]!) / weightSum;
    return s + (c - expected) ** 2 / expected;
  }, 0);
  const df = counts.length - 1;
  const p = upperIncompleteGamma(df / 2, chi2 / 2);
  return { chi2, df, p, mismatch: p < SRM_ALPHA };
}
