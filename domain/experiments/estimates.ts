// A metric's estimate in one variant, from its totals: the mean and the variance of that mean.
// With user or session units a unit's requests are correlated, so the variance comes from per-unit
// sums (the delta method, domain/stats/cluster.ts) when every window carried them; otherwise the
// requests are treated as independent, which understates it, and the report says so.
import { clusterRatio } from '../stats/cluster';
import { cupedFromSums, type CovariateSums } from '../stats/cuped';
import { momentsMean, momentsVariance, type Moments } from '../stats/moments';
import type { ExperimentDefinition } from './definition';
import type { ExperimentMetric } from './metrics';
import type { CovariateMoments, CupedMetric, VariantTotals } from './variant-window';

/** Which variance the tests use: over units (delta method) or over requests. */
export interface VarianceBasis {
  kind: 'unit' | 'request';
  why: string;
}

/** The basis for an experiment's totals: per unit only when the unit is a user or session and every window carried per-unit sums. */
export function varianceBasis(unit: ExperimentDefinition['unit'], totals: readonly VariantTotals[]): VarianceBasis {
  if (unit === 'request') return { kind: 'request', why: 'per request (the unit of randomisation is the request)' };
  // Sums from only some windows (an older SDK on some replicas, totals from before the upgrade) would describe other data.
  if (totals.some((t) => !t.units || t.units.success_rate.n !== t.requests)) {
    return { kind: 'request', why: `per request: some windows carried no per-unit sums (an older SDK), so a ${unit}'s requests are treated as independent and the variance is understated` };
  }
  const requests = totals.reduce((s, t) => s + t.requests, 0);
  const tagged = totals.reduce((s, t) => s + t.units!.tagged, 0);
  if (tagged === 0) return { kind: 'request', why: `per request: no request carried a ${unit} id (pass the assignment as the sample's experiment tag)` };
  const untagged = requests - tagged;
  const note = untagged > 0 ? `; ${((100 * untagged) / requests).toFixed(1)} % of requests had no ${unit} id and count as their own unit` : '';
  return { kind: 'unit', why: `per ${unit} (delta method over per-unit sums; a ${unit} served by several SDK processes counts as a separate unit in each)${note}` };
}

/** A mean metric's estimate; n is the samples behind it. */
export interface MeanEstimate {
  n: number;
  mean: number;
  varianceOfMean: number;
}

const fromMoments = (m: Moments): MeanEstimate => ({ n: m.n, mean: momentsMean(m), varianceOfMean: momentsVariance(m) / m.n });

/**
 * The estimate of a mean-like metric (every metric but p95_latency, which has its own sequence). On
 * a unit basis n is the units behind the metric, else the requests.
 */
export function meanEstimate(metric: Exclude<ExperimentMetric, 'p95_latency'>, t: VariantTotals, basis?: VarianceBasis): MeanEstimate {
  if (basis?.kind === 'unit' && t.units) {
    const u = t.units[metric];
    return { n: u.k, ...clusterRatio(u) };
  }
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

/** The covariate moments paired with a metric, when every sample behind it had a covariate; the legacy primary-only pairing counts for the primary. */
function covariateOf(metric: CupedMetric, t: VariantTotals, isPrimary: boolean): CovariateMoments | undefined {
  const n = metric === 'quality' ? t.quality.n : metric === 'satisfaction' ? t.satisfaction.n : metric === 'success_rate' ? t.requests : t.cost.n;
  const c = t.covariates?.[metric];
  if (c && c.n === n && n > 0) return c;
  return isPrimary && t.covariate.n === n && n > 0 ? t.covariate : undefined;
}

/** CUPED-adjusted estimates of control and treatment, and the share of the difference's variance removed. */
export interface CupedEstimates {
  control: MeanEstimate;
  treatment: MeanEstimate;
  /** 1 − Var(adjusted difference) / Var(raw difference), on the same variance basis. */
  reduction: number;
}

/**
 * CUPED on one metric (θ pooled over both arms from the per-request moments): null when a sample
 * behind the metric had no covariate, the metric is cost per successful answer (a ratio of two
 * sums), or x does not vary. On a unit basis the adjusted variance comes from the per-unit sums.
 */
export function cupedEstimates(metric: Exclude<ExperimentMetric, 'p95_latency'>, c: VariantTotals, t: VariantTotals, basis: VarianceBasis, isPrimary: boolean): CupedEstimates | null {
  if (metric === 'cost_per_success') return null;
  const cc = covariateOf(metric, c, isPrimary);
  const tc = covariateOf(metric, t, isPrimary);
  if (!cc || !tc) return null;
  const r = cupedFromSums([cc, tc] as CovariateSums[]);
  if (!r) return null;
  const raw = [meanEstimate(metric, c, basis), meanEstimate(metric, t, basis)] as const;
  let adj: [MeanEstimate, MeanEstimate];
  if (basis.kind === 'unit' && c.units && t.units) {
    const meanX = (cc.sumX + tc.sumX) / (cc.n + tc.n);
    adj = [
      { n: raw[0].n, ...clusterRatio(c.units[metric], r.theta, meanX) },
      { n: raw[1].n, ...clusterRatio(t.units[metric], r.theta, meanX) },
    ];
  } else {
    adj = [
      { n: raw[0].n, ...r.arms[0]! },
      { n: raw[1].n, ...r.arms[1]! },
    ];
  }
  const before = raw[0].varianceOfMean + raw[1].varianceOfMean;
  const after = adj[0].varianceOfMean + adj[1].varianceOfMean;
  return { control: adj[0], treatment: adj[1], reduction: before > 0 ? 1 - after / before : 0 };
}
