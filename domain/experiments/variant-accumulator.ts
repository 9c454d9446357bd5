// The open window of one experiment variant: fixed-size running sums, reset after every close.
// The SDK keeps one per (experiment, variant); the simulations use the same class.
import { SketchAccumulator } from '../latency-sketch';
import { primaryValue } from './estimates';
import type { ExperimentMetric } from './metrics';
import { emptyCovariate, type VariantTotals } from './variant-window';

/** What a request contributes to its variant's window. */
export interface ExperimentSample {
  latencyMs: number;
  ok: boolean;
  qualityScore?: number;
  satisfaction?: number;
  costUsd?: number;
  /** Pre-period covariate for CUPED (the unit's earlier value of the primary metric, tokens/s, context length). */
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

  constructor(
    private readonly primary?: ExperimentMetric,
    sketchAlpha?: number,
  ) {
    this.latency = new SketchAccumulator(sketchAlpha);
  }

  /** Adds a request; false (nothing counted) when its latency is not a finite number ≥ 0. */
  add(x: ExperimentSample, withLatency = true): boolean {
    if (!(finite(x.latencyMs) && x.latencyMs >= 0)) return false;
    if (withLatency) this.latency.add(x.latencyMs);
    this.requests++;
    if (x.ok) this.ok++;
    if (finite(x.qualityScore)) this.bump(this.q, x.qualityScore);
    if (finite(x.satisfaction)) this.bump(this.s, x.satisfaction);
    if (finite(x.costUsd) && x.costUsd >= 0) {
      this.bump(this.c, x.costUsd);
      if (x.ok) this.costOk += x.costUsd;
    }
    const y = this.primary ? primaryValue(this.primary, x) : undefined;
    if (finite(x.covariate) && finite(y)) {
      const k = this.cov;
      k.n++;
      k.sumX += x.covariate;
      k.sumXX += x.covariate * x.covariate;
      k.sumXY += x.covariate * y;
      k.sumY += y;
      k.sumYY += y * y;
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
    };
  }

  reset(): void {
    this.latency.reset();
    this.exposures = 0;
    this.requests = 0;
    this.ok = 0;
    this.q = [0, 0, 0];
    this.s = [0, 0, 0];
    this.c = [0, 0, 0];
    this.costOk = 0;
    this.cov = emptyCovariate();
  }
}
