// What the SDK sends per experiment variant per window: mergeable sums (never raw samples), so a
// workflow can add windows from many replicas and test at every look.
import { emptySketch, mergeSketches, type LatencySketch } from '../latency-sketch';
import { addMoments, emptyMoments, type Moments } from '../stats/moments';
import type { CovariateSums } from '../stats/cuped';

/**
 * Moments of a pre-period covariate x (the unit's own earlier value, tokens/s, retrieved-context
 * length) and its cross product with the primary metric y, for CUPED: the sums domain/stats/cuped.ts takes.
 */
export type CovariateMoments = CovariateSums;

/** One variant's totals: one window's, or many merged. Plain JSON: the workflow merges these. */
export interface VariantTotals {
  /** Units assigned (first exposure) — what sample-ratio mismatch counts. */
  exposures: number;
  requests: number;
  /** Requests that succeeded. */
  ok: number;
  quality: Moments;
  satisfaction: Moments;
  cost: Moments;
  /** Σ cost over the successful requests (cost per successful answer, by the delta method). */
  costOk: number;
  latency: LatencySketch;
  covariate: CovariateMoments;
}

/** One variant's window, tagged with its experiment. */
export interface VariantWindow extends VariantTotals {
  experiment: string;
  variant: string;
  /** The reporting replica; windows from different sources add up. */
  source?: string;
  start: number;
  durationMs: number;
}

export const emptyCovariate = (): CovariateMoments => ({ n: 0, sumX: 0, sumXX: 0, sumXY: 0, sumY: 0, sumYY: 0 });

export function emptyTotals(sketchAlpha?: number): VariantTotals {
  return { exposures: 0, requests: 0, ok: 0, quality: emptyMoments(), satisfaction: emptyMoments(), cost: emptyMoments(), costOk: 0, latency: emptySketch(sketchAlpha), covariate: emptyCovariate() };
}

/** a + b. */
export function addTotals(a: VariantTotals, b: VariantTotals): VariantTotals {
  return {
    exposures: a.exposures + b.exposures,
    requests: a.requests + b.requests,
    ok: a.ok + b.ok,
    quality: addMoments(a.quality, b.quality),
    satisfaction: addMoments(a.satisfaction, b.satisfaction),
    cost: addMoments(a.cost, b.cost),
    costOk: a.costOk + b.costOk,
    latency: a.latency.count === 0 ? b.latency : b.latency.count === 0 ? a.latency : mergeSketches(a.latency, b.latency),
    covariate: {
      n: a.covariate.n + b.covariate.n,
      sumX: a.covariate.sumX + b.covariate.sumX,
      sumXX: a.covariate.sumXX + b.covariate.sumXX,
      sumXY: a.covariate.sumXY + b.covariate.sumXY,
      sumY: a.covariate.sumY + b.covariate.sumY,
      sumYY: a.covariate.sumYY + b.covariate.sumYY,
    },
  };
}

/** The totals part of a window (what is summed). */
export function totalsOf(w: VariantWindow): VariantTotals {
  const { exposures, requests, ok, quality, satisfaction, cost, costOk, latency, covariate } = w;
  return { exposures, requests, ok, quality, satisfaction, cost, costOk, latency, covariate };
}

/** A window is seen once per (variant, source, start): re-sent windows must not count twice. */
export const windowKey = (w: Pick<VariantWindow, 'variant' | 'source' | 'start'>): string => `${w.variant}\u0000${w.source ?? ''}\u0000${w.start}`;
