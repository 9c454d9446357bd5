// Anomaly likelihood: how unusual a detector's recent output is *for this stream*, as a tail
// probability. A detector's raw statistic means different things on different streams (a robust z of 5
// is rare on a sensor and routine on bursty social counts), so its short average is compared with the
// distribution of that same average over the stream's own history — a Gaussian on log(1 + average),
// whose mean and variance forget at a fixed horizon so the reference follows a changing stream. The
// answer is the surprise −log10 P(average this high), in decades: 0 for typical, 5 for one-in-100,000.
// Learning starts at the detector's first non-zero statistic (before that it is warming up).
// Optionally (`memory` > 0) the surprise is also capped by the empirical tail of the last `memory`
// averages: whatever was reached k times recently is at most as surprising as its frequency k/n says.
// Off by default: on the evaluation it cost more (a regime change kept later anomalies "seen before")
// than it saved on bursty streams. Silent (0) for the first `learning` points. Pure, deterministic,
// restorable.
import { gaussianScore } from './calibration';
import { VigilError } from '../errors';
import { finiteField, intOption, numberOption, numbersField } from './input';

/** The largest surprise reported (decades): beyond it, scores would only rank noise in the far tail. */
export const MAX_SURPRISE = 10;

const LN10 = Math.LN10;
const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** −log10 of 2·P(Z ≥ z) for a standard normal Z (0 at z ≤ 0): exact up to z = 6, asymptotic beyond. */
export function surpriseOfZ(z: number): number {
  if (!(z > 0)) return 0;
  if (z < 6) return -Math.log10(1 - gaussianScore(z));
  // Mills ratio series: ln P(Z ≥ z) = −z²/2 − ln z − ln √(2π) + ln(1 − 1/z² + 3/z⁴).
  const lnTail = -0.5 * z * z - Math.log(z) - HALF_LN_2PI + Math.log(1 - 1 / (z * z) + 3 / z ** 4);
  return -(lnTail + Math.LN2) / LN10;
}

/** Options of the likelihood calibrator. */
export interface LikelihoodOptions {
  /** Points learned before it says anything (it answers 0 until then). */
  learning?: number;
  /** Forgetting horizon in points: the weight of the newest average once the start is past. */
  horizon?: number;
  /** Raw statistics averaged into one (the current one included). */
  average?: number;
  /** Recent averages kept for the empirical tail (0: Gaussian only). */
  memory?: number;
  /**
   * Also judge the latest statistic alone, against its own history: an average dilutes one extreme point
   * (a spike) as much as it steadies a noisy statistic. The larger surprise counts, less `lookPenalty`
   * decades for having looked twice.
   */
  point?: boolean;
  /**
   * Decades taken off for looking at two channels. Bonferroni would take log10(2); a full decade keeps
   * the point channel to what averaging truly hides (on the evaluation: spikes found, bursty streams
   * not paged by their every burst).
   */
  lookPenalty?: number;
}

/** A smallest spread of log(1 + average), so a detector that is always exactly 0 does not turn any blip into certainty. */
const MIN_SD = 0.1;
/** Averages beyond this many standard deviations are learned as if they were at it: an anomaly must not widen its own reference. */
const WINSOR = 4;

/** One step of an exponentially forgetting mean and variance. */
function learn(mean: number, variance: number, y: number, alpha: number): [number, number] {
  const delta = y - mean;
  return [mean + alpha * delta, (1 - alpha) * (variance + alpha * delta * delta)];
}

/** First index of `sorted` whose value is ≥ y. */
function lowerBound(sorted: readonly number[], y: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A calibrator for one detector on one stream. */
export class Likelihood {
  readonly options: Required<LikelihoodOptions>;
  private ring: number[] = [];
  /** The last `memory` values of y, in arrival order and sorted. */
  private history: number[] = [];
  private sorted: number[] = [];
  private n = 0;
  private mean = 0;
  private variance = 0;
  /** The same for the single latest statistic (the `point` channel). */
  private pointMean = 0;
  private pointVariance = 0;

  constructor(options: LikelihoodOptions = {}) {
    this.options = {
      learning: intOption('likelihood', 'learning', options.learning ?? 200, 0, 1_000_000),
      horizon: numberOption('likelihood', 'horizon', options.horizon ?? 2000, 1),
      average: intOption('likelihood', 'average', options.average ?? 5, 1, 1000),
      memory: intOption('likelihood', 'memory', options.memory ?? 0, 0, 100_000),
      point: options.point ?? true,
      lookPenalty: numberOption('likelihood', 'lookPenalty', options.lookPenalty ?? 1, 0, MAX_SURPRISE, true),
    };
  }

  /** The surprise (decades) of a raw statistic z ≥ 0, then learns it. */
  update(z: number): number {
    const raw = Number.isFinite(z) ? Math.max(0, z) : 0;
    // A detector answers exactly 0 while it warms up: that is not its normal, so learning starts at its first word.
    if (this.n === 0 && raw === 0) return 0;
    this.ring.push(raw);
    if (this.ring.length > this.options.average) this.ring.shift();
    let sum = 0;
    for (const v of this.ring) sum += v;
    const y = Math.log1p(sum / this.ring.length);
    const sd = Math.max(MIN_SD, Math.sqrt(this.variance));
    const ready = this.n >= this.options.learning && this.n > 1;
    let surprise = ready ? Math.min(MAX_SURPRISE, surpriseOfZ((y - this.mean) / sd)) : 0;
    if (surprise > 0 && this.sorted.length > 0) {
      const reached = this.sorted.length - lowerBound(this.sorted, y);
      if (reached > 0) surprise = Math.min(surprise, -Math.log10((reached + 1) / (this.sorted.length + 1)));
    }
    this.remember(y);
    // Exponential forgetting, started as a plain running mean so the first points weigh fairly.
    const alpha = Math.max(1 / (this.n + 1), 1 / this.options.horizon);
    [this.mean, this.variance] = learn(this.mean, this.variance, ready ? Math.min(y, this.mean + WINSOR * sd) : y, alpha);
    if (this.options.point) {
      const y1 = Math.log1p(raw);
      const sd1 = Math.max(MIN_SD, Math.sqrt(this.pointVariance));
      if (ready) surprise = Math.max(0, Math.max(surprise, Math.min(MAX_SURPRISE, surpriseOfZ((y1 - this.pointMean) / sd1))) - this.options.lookPenalty);
      [this.pointMean, this.pointVariance] = learn(this.pointMean, this.pointVariance, ready ? Math.min(y1, this.pointMean + WINSOR * sd1) : y1, alpha);
    }
    this.n++;
    return surprise;
  }

  private remember(y: number): void {
    const { memory } = this.options;
    if (memory === 0) return;
    if (this.history.length === memory) this.sorted.splice(lowerBound(this.sorted, this.history.shift()!), 1);
    this.history.push(y);
    this.sorted.splice(lowerBound(this.sorted, y), 0, y);
  }

  /** Plain-JSON state (with the options) for a snapshot. */
  toJSON() {
    const { n, mean, variance, pointMean, pointVariance } = this;
    return { options: this.options, ring: [...this.ring], history: [...this.history], n, mean, variance, pointMean, pointVariance };
  }

  /** Rebuilds a calibrator from toJSON(). */
  static restore(json: unknown): Likelihood {
    if (typeof json !== 'object' || json === null) throw new VigilError('invalid_input', 'cannot restore likelihood: not an object');
    const o = json as Record<string, unknown>;
    const l = new Likelihood((o.options ?? {}) as LikelihoodOptions);
    l.ring = numbersField('likelihood', o, 'ring', l.options.average);
    l.history = numbersField('likelihood', o, 'history', l.options.memory);
    l.sorted = [...l.history].sort((a, b) => a - b);
    l.n = intOption('cannot restore likelihood', 'n', finiteField('likelihood', o, 'n'), 0);
    l.mean = finiteField('likelihood', o, 'mean');
    l.variance = Math.max(0, finiteField('likelihood', o, 'variance'));
    l.pointMean = finiteField('likelihood', o, 'pointMean');
    l.pointVariance = Math.max(0, finiteField('likelihood', o, 'pointVariance'));
    return l;
  }
}
