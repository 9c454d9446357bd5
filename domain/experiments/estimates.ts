// A metric's estimate in one variant, from its totals: the mean and the variance of that mean.
// Requests are treated as independent; with user or session units that repeat, this understates
// the variance (the README says so) — the SRM gate and guardrails still count units, not requests.
import { momentsMean, momentsVariance, type Moments } from '../stats/moments';
import type { ExperimentMetric } from './metrics';
import type { VariantTotals } from './variant-window';

/** A mean metric's estimate; n is the samples behind it. */
export interface MeanEstimate {
  n: number;
  mean: number;
  varianceOfMean: number;
}

const fromMoments = (m: Moments): MeanEstimate => ({ n: m.n, mean: momentsMean(m), varianceOfMean: momentsVariance(m) / m.n });

/** The estimate of a mean-like metric (every metric but p95_latency, which has its own sequence). */
export function meanEstimate(metric: Exclude<ExperimentMetric, 'p95_latency'>, t: VariantTotals): MeanEstimate {
  switch (metric) {
    case 'quality':
      return fromMoments(t.quality);
    case 'satisfaction':
      return fromMoments(t.satisfaction);
    case 'cost_per_query':
      return fromMoments(t.cost);
    case 'success_rate': {
      const p = t.ok / t.requests;
      return { n: t.requests, mean: p, varianceOfMean: (p * (1 - p)) / t.requests };
    }
    case 'cost_per_success': {
      // Ratio of means Σcost / Σok over requests; delta method with the cost–success covariance.
      const n = t.requests;
      if (n < 2 || t.ok === 0) return { n, mean: Number.NaN, varianceOfMean: Number.NaN };
      const c = t.cost.sum / n;
      const o = t.ok / n;
      const r = c / o;
      const vc = momentsVariance({ n, sum: t.cost.sum, sumSq: t.cost.sumSq });
      const vo = (n * o * (1 - o)) / (n - 1);
      const cov = (t.costOk - n * c * o) / (n - 1);
      return { n, mean: r, varianceOfMean: Math.max(0, vc - 2 * r * cov + r * r * vo) / (n * o * o) };
    }
  }
}

/** The per-request value of a mean metric that the SDK pairs with the CUPED covariate. */
export function primaryValue(metric: ExperimentMetric, s: { ok: boolean; qualityScore?: number; satisfaction?: number; costUsd?: number }): number | undefined {
  switch (metric) {
    case 'quality':
      return s.qualityScore;
    case 'satisfaction':
      return s.satisfaction;
    case 'success_rate':
      return s.ok ? 1 : 0;
    case 'cost_per_query':
      return s.costUsd;
    default:
      return undefined;
  }
}
