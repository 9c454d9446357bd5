// Levels measured on a sample of requests: a window's error rate is k failures out of its n requests,
// its quality the mean of n scores. How far such a level may stray by chance depends on n — one
// failure in 4 requests is 25 % and perfectly normal for a service that fails 3 % of the time, while
// 25 % of 2,000 requests is an outage — so the level itself, judged against its own history, pages on
// quiet windows or misses busy ones. These detectors judge the counts instead, against a baseline they
// learn (forgetting at `horizon` windows, by default two hours of 10 s windows: short enough that
// a shift that persists becomes the new normal within a few hundred windows, long enough that the
// baseline holds thousands of requests on a busy service):
// - `binomial`: the mid-p upper tail of k failures given n, under a Poisson with mean n·p̂ (p̂ the
//   pooled failure share: failures and requests each summed with forgetting, so busy windows weigh
//   more). Only more failures than expected is surprising.
// - `sample-mean`: the mean of n scores against the typical mean, in standard errors σ̂/√n, where σ̂²
//   is learned as the forgetting average of n·(mean − typical)². Only a drop is surprising.
// The answer is on the common scale (a one-sided tail p scores 1 − 2p, 0 when p ≥ ½, as z does). A window
// without requests (n = 0) carries no evidence: it scores 0 and teaches nothing.
// Pure, deterministic, restorable.
import { gaussianScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, optionsField, snapshotOf } from './input';

const VERSION = 1;

/** What the sample measures. */
export type SampledKind = 'binomial' | 'sample-mean';

/** Options of a sampled-level detector. */
export interface SampledOptions {
  /** binomial: index of the failure count; sample-mean: index of the sum of scores. */
  sum?: number;
  /** Index of the sample size n (requests, or scores). */
  count?: number;
  /** Forgetting horizon of the baseline, in points (windows). */
  horizon?: number;
  /** Points with requests before it scores. */
  learning?: number;
}

/** Smallest per-request sd of a score, so a service whose scores never vary does not make every blip certain. */
const MIN_SD = 1e-3;

const LOG_FACTORIAL: number[] = [0];
/** ln k! (exact sums up to 1,000, Stirling's series beyond). */
function logFactorial(k: number): number {
  if (k < 1000) {
    for (let i = LOG_FACTORIAL.length; i <= k; i++) LOG_FACTORIAL.push(LOG_FACTORIAL[i - 1]! + Math.log(i));
    return LOG_FACTORIAL[k]!;
  }
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

/** Mid-p upper tail P(X > k) + ½·P(X = k) for X ~ Poisson(mean). */
export function poissonMidTail(k: number, mean: number): number {
  if (!(mean > 0)) return k > 0 ? 0 : 0.5;
  const pmf = (j: number) => Math.exp(-mean + j * Math.log(mean) - logFactorial(j));
  const atK = pmf(k);
  if (k > mean) {
    // Terms above k shrink by mean/j each: sum them until they no longer matter.
    let term = atK;
    let above = 0;
    for (let j = k + 1; j < k + 10_000; j++) {
      term *= mean / j;
      above += term;
      if (term < above * 1e-16) break;
    }
    return above + 0.5 * atK;
  }
  let below = 0;
  let term = Math.exp(-mean);
  for (let j = 0; j < k; j++) {
    below += term;
    term *= mean / (j + 1);
  }
  return Math.max(0, 1 - below - 0.5 * atK);
}

const scoreOfTail = (p: number) => (p < 0.5 ? 1 - 2 * p : 0);

class SampledDetector implements StreamingDetector {
  /** binomial: discounted failures and requests; sample-mean: typical mean and per-request variance. */
  a = 0;
  b = 0;
  n = 0;
  seen = 0;

  constructor(
    readonly name: SampledKind,
    readonly options: Required<SampledOptions>,
  ) {}

  update(point: AnomalyPoint): number {
    const { sum, count, horizon, learning } = this.options;
    checkPoint(this.name, this.seen, point, Math.max(sum, count) + 1);
    this.seen++;
    const n = point.values[count]!;
    const s = point.values[sum]!;
    if (!(n > 0)) return 0;
    const ready = this.n >= learning;
    const alpha = Math.max(1 / (this.n + 1), 1 / horizon);
    let score = 0;
    if (this.name === 'binomial') {
      const p = this.b > 0 ? this.a / this.b : 0;
      const k = Math.round(s);
      if (ready) score = scoreOfTail(poissonMidTail(k, n * p));
      this.a = (1 - alpha) * this.a + alpha * k;
      this.b = (1 - alpha) * this.b + alpha * n;
    } else {
      const mean = s / n;
      const se = Math.max(MIN_SD, Math.sqrt(this.b)) / Math.sqrt(n);
      const z = (this.a - mean) / se;
      if (ready && z > 0) score = gaussianScore(z);
      // The first mean starts the baseline; its spread is unknown until there is a second.
      const delta = this.n === 0 ? 0 : mean - this.a;
      this.a = this.n === 0 ? mean : this.a + alpha * delta;
      this.b = (1 - alpha) * this.b + alpha * n * delta * delta;
    }
    this.n++;
    return score;
  }

  toJSON() {
    const { a, b, n, seen } = this;
    return { kind: this.name, version: VERSION, options: { ...this.options }, a, b, n, seen };
  }
}

function resolve(kind: SampledKind, o: SampledOptions): Required<SampledOptions> {
  return {
    sum: intOption(kind, 'sum', o.sum ?? 0, 0, 100_000),
    count: intOption(kind, 'count', o.count ?? 1, 0, 100_000),
    horizon: numberOption(kind, 'horizon', o.horizon ?? 720, 1),
    learning: intOption(kind, 'learning', o.learning ?? 100, 1, 1_000_000),
  };
}

/** A detector of a level measured on a sample (see the file's comment). */
export function createSampledDetector(kind: SampledKind, options: SampledOptions = {}): StreamingDetector {
  return new SampledDetector(kind, resolve(kind, options));
}

/** Rebuilds a sampled-level detector of `kind` from its toJSON() snapshot. */
export function restoreSampledDetector(kind: SampledKind, json: unknown): StreamingDetector {
  const o = snapshotOf(json, kind, VERSION);
  const d = new SampledDetector(kind, resolve(kind, optionsField(kind, o)));
  d.a = finiteField(kind, o, 'a');
  d.b = Math.max(0, finiteField(kind, o, 'b'));
  d.n = intOption(`cannot restore ${kind}`, 'n', finiteField(kind, o, 'n'), 0);
  d.seen = intOption(`cannot restore ${kind}`, 'seen', finiteField(kind, o, 'seen'), 0);
  return d;
}
