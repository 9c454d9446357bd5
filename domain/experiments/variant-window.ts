// What the SDK sends per experiment variant per window: mergeable sums (never raw samples), so a
// workflow can add windows from many replicas and test at every look.
import { emptySketch, mergeSketches, type LatencySketch } from '../latency-sketch';
import { addMoments, emptyMoments, type Moments } from '../stats/moments';
import { addSums } from '../stats/sums';
import type { CovariateSums } from '../stats/cuped';
import { addUnitSums, type UnitSums } from './unit-sums';

/**
 * Moments of a pre-period covariate x (the unit's own earlier value, tokens/s, retrieved-context
 * length) and its cross product with the primary metric y, for CUPED: the sums domain/stats/cuped.ts takes.
 */
export type CovariateMoments = CovariateSums;

/** The metrics CUPED adjusts: every mean metric but cost per successful answer (a ratio of two sums). */
export const CUPED_METRICS = ['quality', 'satisfaction', 'success_rate', 'cost_per_query'] as const;
export type CupedMetric = (typeof CUPED_METRICS)[number];
export type MetricCovariates = Record<CupedMetric, CovariateMoments>;

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
  /** The covariate paired with the primary metric (what SDKs before per-metric covariates send). */
  covariate: CovariateMoments;
  /** The covariate paired with each metric a request carried; absent from older SDKs. */
  covariates?: MetricCovariates;
  /** Per-unit sums per metric, for the delta-method variance; absent from older SDKs. */
  units?: UnitSums;
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

const addCovariate = (a: CovariateMoments, b: CovariateMoments): CovariateMoments => addSums(a, b);

export const emptyMetricCovariates = (): MetricCovariates => ({ quality: emptyCovariate(), satisfaction: emptyCovariate(), success_rate: emptyCovariate(), cost_per_query: emptyCovariate() });

// An optional part present on one side only: the sum keeps what there is, and the per-metric counts
// then fall short of the request counts, which is how the workflow knows to fall back.
function addOptional<T>(a: T | undefined, b: T | undefined, add: (x: T, y: T) => T): T | undefined {
  return a === undefined ? b : b === undefined ? a : add(a, b);
}

const addCovariates = (a: MetricCovariates, b: MetricCovariates): MetricCovariates => ({
  quality: addCovariate(a.quality, b.quality),
  satisfaction: addCovariate(a.satisfaction, b.satisfaction),
  success_rate: addCovariate(a.success_rate, b.success_rate),
  cost_per_query: addCovariate(a.cost_per_query, b.cost_per_query),
});

// Absent, not undefined: totals are carried through Temporal payloads and Postgres as JSON.
const optional = <K extends string, T>(k: K, v: T | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, T>));

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
    covariate: addCovariate(a.covariate, b.covariate),
    ...optional('covariates', addOptional(a.covariates, b.covariates, addCovariates)),
    ...optional('units', addOptional(a.units, b.units, addUnitSums)),
  };
}

/** The totals part of a window (what is summed). */
export function totalsOf(w: VariantWindow): VariantTotals {
  const { exposures, requests, ok, quality, satisfaction, cost, costOk, latency, covariate, covariates, units } = w;
  return { exposures, requests, ok, quality, satisfaction, cost, costOk, latency, covariate, ...optional('covariates', covariates), ...optional('units', units) };
}

/** A window is seen once per (variant, source, start): re-sent windows must not count twice. */
export const windowKey = (w: Pick<VariantWindow, 'variant' | 'source' | 'start'>): string => `${w.variant}\u0000${w.source ?? ''}\u0000${w.start}`;
