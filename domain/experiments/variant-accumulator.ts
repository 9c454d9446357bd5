// The open window of one experiment variant: fixed-size running sums, reset after every close.
// The SDK keeps one per (experiment, variant); the simulations use the same class. Besides the
// per-request sums it keeps per-unit sums (unit-sums.ts) and pairs the CUPED covariate with every
// metric the request carries, so the workflow can adjust and test each metric on its own.
//
// It also keeps this process's latency sketch of the variant over all closed windows: its p95 is
// the next window's slow-request threshold (unit-sums.ts). Fixed for the whole window, so a unit's
// slow count does not depend on when in the window its requests came; from closed windows only, so
// the threshold does not depend on the requests it classifies.
import { mergeSketches, quantile, SketchAccumulator, type LatencySketch } from '../latency-sketch';
import { primaryValue } from './estimates';
import type { ExperimentMetric } from './metrics';
import { UnitSumsAccumulator } from './unit-sums';
import { emptyCovariate, emptyMetricCovariates, type CovariateMoments, type VariantTotals } from './variant-window';

/** What a request contributes to its variant's window. */
export interface ExperimentSample {
  latencyMs: number;
  ok: boolean;
  qualityScore?: number;
  satisfaction?: number;
  costUsd?: number;
  /** Pre-period covariate for CUPED (the unit's earlier value of a metric, tokens/s, context length). */
  covariate?: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && x - x === 0;

export class VariantAccumulator {
  private readonly latency: SketchAccumulator;
  exposures = 0;
  private requests = 0;
  private ok = 0;
  private q = [0, 0, 0];
  private s = [0, 0, 0];
  private c = [0, 0, 0];
  private costOk = 0;
  private cov = emptyCovariate();
  private covs = emptyMetricCovariates();
  private readonly units = new UnitSumsAccumulator();
  private history?: LatencySketch;
  private slowMs = 0;

  constructor(
    private readonly primary?: ExperimentMetric,
    sketchAlpha?: number,
  ) {
    this.latency = new SketchAccumulator(sketchAlpha);
  }

  /**
   * Adds a request; false (nothing counted) when its latency is not a finite number ≥ 0. `unit` is
   * the randomisation unit's id (user, session); without it the request counts as its own unit.
   */
  add(x: ExperimentSample, withLatency = true, unit?: string): boolean {
    if (!(finite(x.latencyMs) && x.latencyMs >= 0)) return false;
    if (withLatency) this.latency.add(x.latencyMs);
    const slow = withLatency && this.slowMs > 0 ? (x.latencyMs > this.slowMs ? 1 : 0) : Number.NaN;
    this.requests++;
    if (x.ok) this.ok++;
    if (finite(x.qualityScore)) this.bump(this.q, x.qualityScore);
    if (finite(x.satisfaction)) this.bump(this.s, x.satisfaction);
    if (finite(x.costUsd) && x.costUsd >= 0) {
      this.bump(this.c, x.costUsd);
      if (x.ok) this.costOk += x.costUsd;
    }
    const q = finite(x.qualityScore) ? x.qualityScore : Number.NaN;
    const s = finite(x.satisfaction) ? x.satisfaction : Number.NaN;
    const c = finite(x.costUsd) && x.costUsd >= 0 ? x.costUsd : Number.NaN;
    const cv = finite(x.covariate) ? x.covariate : Number.NaN;
    this.units.add(typeof unit === 'string' ? unit : undefined, q, s, x.ok, c, cv, slow);
    if (cv - cv === 0) {
      const y = this.primary ? primaryValue(this.primary, x) : undefined;
      if (finite(y)) pair(this.cov, cv, y);
      if (q - q === 0) pair(this.covs.quality, cv, q);
      if (s - s === 0) pair(this.covs.satisfaction, cv, s);
      pair(this.covs.success_rate, cv, x.ok ? 1 : 0);
      if (c - c === 0) pair(this.covs.cost_per_query, cv, c);
    }
    return true;
  }

  private bump(m: number[], v: number): void {
    m[0]!++;
    m[1]! += v;
    m[2]! += v * v;
  }

  isEmpty(): boolean {
    return this.requests === 0 && this.exposures === 0;
  }

  /** The window's totals (copies: the accumulator may be reset and reused at once). */
  toTotals(): VariantTotals {
    const m = (a: number[]) => ({ n: a[0]!, sum: a[1]!, sumSq: a[2]! });
    return {
      exposures: this.exposures,
      requests: this.requests,
      ok: this.ok,
      quality: m(this.q),
      satisfaction: m(this.s),
      cost: m(this.c),
      costOk: this.costOk,
      latency: this.latency.toSketch(),
      covariate: { ...this.cov },
      covariates: { quality: { ...this.covs.quality }, satisfaction: { ...this.covs.satisfaction }, success_rate: { ...this.covs.success_rate }, cost_per_query: { ...this.covs.cost_per_query } },
      units: this.units.toSums(),
    };
  }

  reset(): void {
    const closed = this.latency.toSketch();
    if (closed.count > 0) {
      this.history = this.history ? mergeSketches(this.history, closed) : closed;
      this.slowMs = quantile(this.history, 0.95);
      this.units.setThreshold(this.slowMs);
    }
    this.latency.reset();
    this.exposures = 0;
    this.requests = 0;
    this.ok = 0;
    this.q = [0, 0, 0];
    this.s = [0, 0, 0];
    this.c = [0, 0, 0];
    this.costOk = 0;
    this.cov = emptyCovariate();
    this.covs = emptyMetricCovariates();
    this.units.reset();
  }

  /** Starts the per-unit clusters afresh (after a lost window; see unit-sums.ts). */
  forgetUnits(): void {
    this.units.forget();
  }
}

function pair(k: CovariateMoments, x: number, y: number): void {
  k.n++;
  k.sumX += x;
  k.sumXX += x * x;
  k.sumXY += x * y;
  k.sumY += y;
  k.sumYY += y * y;
}
