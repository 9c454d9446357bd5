// Changepoint detection for level and variance shifts: Page's two-sided CUSUM on the standardised
// value (level) and on its log-square (spread), against a reference learned since the last change.
// When a sum crosses its decision interval the change is accepted: the sums reset and the reference is
// learned afresh from the next `relearn` points (silent meanwhile), so after a shift the detector
// alarms once and then treats the new level as normal, instead of alarming until a rolling window
// forgets the old one.
import { thresholdScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, numbersField, optionsField, snapshotOf } from './input';
import { robustLocationScale } from './robust';

const KIND = 'changepoint';
const VERSION = 1;

/** Options of the changepoint detector. */
export interface ChangepointOptions {
  /** Allowance in σ per point (half the smallest shift it is tuned for). */
  k?: number;
  /** Decision interval: the sum at which a change is declared. */
  h?: number;
  /** Points learned after a change (and at the start) before it watches again. */
  relearn?: number;
  /** Per-point weight with which the reference follows the stream between changes. */
  follow?: number;
  feature?: number;
}

// Standardised values are clipped here first: one spike is the spike detector's business, a change is
// several points that agree.
const CLIP = 4;
// log(u² + ε) of a standard normal u has mean ≈ −1.27 and sd ≈ 2.2 (ε keeps exact repeats finite).
const LOG_SQ_EPS = 0.01;
const LOG_SQ_MEAN = -1.24;
const LOG_SQ_SD = 2.1;

class ChangepointDetector implements StreamingDetector {
  readonly name = KIND;
  learning: number[] = [];
  center = 0;
  scale = 1;
  high = 0;
  low = 0;
  wide = 0;
  narrow = 0;
  seen = 0;

  constructor(readonly options: Required<ChangepointOptions>) {}

  update(point: AnomalyPoint): number {
    const { feature, k, h, relearn, follow } = this.options;
    checkPoint(KIND, this.seen, point, feature + 1);
    this.seen++;
    const x = point.values[feature]!;
    if (this.learning.length < relearn) {
      this.learning.push(x);
      if (this.learning.length === relearn) {
        const s = robustLocationScale(this.learning);
        this.center = s.center;
        this.scale = s.scale;
      }
      return 0;
    }
    const u = Math.max(-CLIP, Math.min(CLIP, (x - this.center) / this.scale));
    this.high = Math.max(0, this.high + u - k);
    this.low = Math.max(0, this.low - u - k);
    // A reference learned from identical values has no spread to narrow: only widening can be news.
    const constant = this.scale <= 1e-9 * Math.max(1, Math.abs(this.center)) * (1 + 1e-9);
    const v = (Math.log(u * u + LOG_SQ_EPS) - LOG_SQ_MEAN) / LOG_SQ_SD;
    this.wide = Math.max(0, this.wide + v - k);
    this.narrow = constant ? 0 : Math.max(0, this.narrow - v - k);
    const stat = Math.max(this.high, this.low, this.wide, this.narrow);
    if (stat >= h) {
      // A change: start over on the new regime.
      this.high = this.low = this.wide = this.narrow = 0;
      this.learning = [];
    } else if (Math.abs(u) < 2) {
      // Follow slow movement of the normal level between changes (never with outlying points).
      this.center += follow * u * this.scale;
    }
    return thresholdScore(stat, h);
  }

  toJSON() {
    const { learning, center, scale, high, low, wide, narrow, seen } = this;
    return { kind: KIND, version: VERSION, options: { ...this.options }, learning: [...learning], center, scale, high, low, wide, narrow, seen };
  }
}

function resolve(o: ChangepointOptions): Required<ChangepointOptions> {
  return {
    k: numberOption(KIND, 'k', o.k ?? 0.5, 0, 100, true),
    h: numberOption(KIND, 'h', o.h ?? 8, 0),
    relearn: intOption(KIND, 'relearn', o.relearn ?? 30, 3, 100_000),
    follow: numberOption(KIND, 'follow', o.follow ?? 0.003, 0, 1, true),
    feature: intOption(KIND, 'feature', o.feature ?? 0, 0, 100_000),
  };
}

/** CUSUM changepoint detector for level and variance shifts that re-learns its reference after each change. */
export function createChangepointDetector(options: ChangepointOptions = {}): StreamingDetector {
  return new ChangepointDetector(resolve(options));
}

/** Rebuilds a changepoint detector from its toJSON() snapshot. */
export function restoreChangepointDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const d = new ChangepointDetector(resolve(optionsField(KIND, o)));
  d.learning = numbersField(KIND, o, 'learning', d.options.relearn);
  for (const key of ['center', 'scale', 'high', 'low', 'wide', 'narrow'] as const) d[key] = finiteField(KIND, o, key);
  d.seen = intOption(`cannot restore ${KIND}`, 'seen', finiteField(KIND, o, 'seen'), 0);
  return d;
}
