// The plan shown before an experiment starts: units per arm for the always-valid test to see the
// MDE with the asked power, the total over all arms, and how long that takes at current traffic.
import { alwaysValidHalfWidth } from '../stats/msprt';
import { normalCdf } from '../stats/normal';
import { quantileSampleSize } from '../stats/quantile-cs';
import { sampleSizePerArm } from '../stats/sample-size';
import { DEFAULT_ALPHA as SKETCH_ALPHA } from '../latency-sketch';
import type { ExperimentDefinition } from './definition';
import { DEFAULT_BASELINE } from './metrics';

export interface ExperimentPlan {
  /** Units in the smallest arm (and control) for the sequential test to reach the power. */
  perArm: number;
  /** What a fixed-horizon test, looked at once, would need: the price of looking at every window. */
  fixedHorizonPerArm: number;
  /** Units over all arms so the smallest arm gets perArm. */
  total: number;
  /** MDE / σ of the primary metric (for p95: the relative shift). */
  standardizedEffect: number;
  /** The mSPRT mixture variance (absolute MDE squared), fixed at start. */
  tau2: number;
  baseline: { mean: number; sd: number; source: 'definition' | 'default' };
  unitsPerDay: number | null;
  /** total / unitsPerDay; null when traffic is unknown. */
  expectedDays: number | null;
}

/**
 * Power of the mSPRT at its n-th unit per arm, counting only a crossing at n itself (an earlier one
 * only adds), so the plan is conservative: the simulated power is at or above it.
 */
export function sequentialPower(effect: number, sd: number, nPerArm: number, tau2: number, alpha: number): number {
  const v = (2 * sd * sd) / nPerArm;
  const h = alwaysValidHalfWidth(v, tau2, alpha);
  const se = Math.sqrt(v);
  return normalCdf((effect - h) / se) + normalCdf((-effect - h) / se);
}

/** The smallest n per arm whose sequentialPower reaches `power`. */
export function sequentialSampleSize(effect: number, sd: number, tau2: number, alpha: number, power: number): number {
  let hi = 16;
  while (sequentialPower(effect, sd, hi, tau2, alpha) < power) hi *= 2;
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (sequentialPower(effect, sd, mid, tau2, alpha) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The plan for a definition at a traffic (units per day; null when unknown). */
export function planExperiment(d: ExperimentDefinition, unitsPerDay: number | null): ExperimentPlan {
  const baseline = d.baseline ? { ...d.baseline, source: 'definition' as const } : { ...DEFAULT_BASELINE[d.primary], source: 'default' as const };
  const weights = d.variants.map((v) => v.weight);
  const share = Math.min(...weights) / weights.reduce((s, w) => s + w, 0);
  let perArm: number;
  let fixed: number;
  let standardized: number;
  let tau2: number;
  if (d.primary === 'p95_latency') {
    standardized = d.mde;
    tau2 = 0;
    perArm = quantileSampleSize(d.mde, 0.95, d.alpha, baseline.sd, SKETCH_ALPHA);
    // Fixed horizon for a quantile: the asymptotic variance p(1 − p) / f(q_p)² in log space.
    fixed = Math.ceil(sampleSizePerArm(Math.log(1 + d.mde) / ((baseline.sd * Math.sqrt(0.95 * 0.05)) / 0.10314), d.alpha, d.power));
  } else {
    const effect = d.mde * baseline.mean;
    standardized = effect / baseline.sd;
    tau2 = effect * effect;
    perArm = sequentialSampleSize(effect, baseline.sd, tau2, d.alpha / (d.variants.length - 1), d.power);
    fixed = Math.ceil(sampleSizePerArm(standardized, d.alpha / (d.variants.length - 1), d.power));
  }
  const total = Math.ceil(perArm / share);
  const traffic = d.unitsPerDay ?? unitsPerDay;
  return {
    perArm,
    fixedHorizonPerArm: fixed,
    total,
    standardizedEffect: standardized,
    tau2,
    baseline,
    unitsPerDay: traffic ?? null,
    expectedDays: traffic ? total / traffic : null,
  };
}
