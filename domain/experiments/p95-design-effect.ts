// The design effect that widens one arm's p95 sequence (domain/stats/quantile-cs.ts) when the unit is
// a user or session. The SDK counts each unit's slow requests — above a threshold near the variant's
// p95, fixed per window — in the per-unit slots, so the windows carry the cluster sums of the slow
// indicator; their design effect is the one the quantile's sequence takes (Woodruff, Kish).
//
// The slow sums start a window late (a process has no threshold in its first window), so they cover
// fewer requests per unit than the whole run and their design effect is smaller than the run's
// would be. Assuming one intra-unit correlation ρ for all of a unit's requests (equicorrelation,
// Kish), ρ is read off the slow sums, ρ = (deff_slow − 1) / (m_slow − 1), and carried to all
// requests: deff = 1 + ρ (m − 1), with m = Σn_u²/Σn_u over every request's unit.
import { proportionDesignEffect, weightedClusterSize } from '../stats/design-effect';
import type { VarianceBasis } from './estimates';
import type { VariantTotals } from './variant-window';

/** One arm's design effect for its p95 and where it came from. */
export interface P95DesignEffect {
  deff: number;
  /** unit: from the per-unit sums (possibly the conservative bound); request: requests taken as independent. */
  kind: VarianceBasis['kind'];
  why: string;
}

/**
 * Units with a slow count before the estimate is trusted: the cluster-robust variance from fewer is
 * too noisy (its relative error is about √(2/k)), so until then the bound m is used.
 */
export const MIN_SLOW_UNITS = 30;

const independent = (why: string): P95DesignEffect => ({ deff: 1, kind: 'request', why });

/**
 * The arm's deff: 1 per request, or when a window came without slow counts (an SDK from before them:
 * never narrower than before); on a unit basis, ρ carried to all requests and kept within [1, m] —
 * below 1 would be narrower than independent requests, above m is beyond perfectly alike units —
 * and m itself while too few units have a slow count (as if each unit's requests were all slow or all fast).
 */
export function p95DesignEffect(t: VariantTotals, basis: VarianceBasis): P95DesignEffect {
  if (basis.kind === 'request' || !t.units) return independent('per request');
  const slow = t.units.slow;
  if (!slow || slow.requests !== t.requests) return independent('per request: some windows carried no slow-request counts (an older SDK)');
  const m = weightedClusterSize(t.units.success_rate);
  const estimate = proportionDesignEffect(slow.counts);
  if (slow.counts.k < MIN_SLOW_UNITS || !Number.isFinite(estimate)) {
    return { deff: m, kind: 'unit', why: `bound m = ${m.toFixed(1)}: ${slow.counts.k} units with a slow-request count, fewer than ${MIN_SLOW_UNITS}` };
  }
  const mSlow = weightedClusterSize(slow.counts);
  const rho = mSlow > 1 ? (estimate - 1) / (mSlow - 1) : 0;
  const deff = Math.min(m, Math.max(1, mSlow > 1 ? 1 + rho * (m - 1) : estimate));
  return { deff, kind: 'unit', why: `intra-unit correlation ${rho.toFixed(3)} of requests above ${slow.thresholdMs.toFixed(0)} ms over ${slow.counts.k} units, m = ${m.toFixed(1)}` };
}
