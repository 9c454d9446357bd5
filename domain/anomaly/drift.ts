// Slow changes at several time scales: the mean of the last 12, 48 and 192 points against a slowly
// forgetting reference level and spread. A slow climb moves the long means well before any single
// point looks odd. Each scale's deviation is divided by that scale's own typical deviation (learned,
// forgetting at `horizon`), so the scales are comparable and the largest speaks. The reference follows
// the stream at `horizon`, so after a lasting change the new level becomes normal.
import { gaussianScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, numbersField, optionsField, snapshotOf } from './input';

const KIND = 'drift';
const VERSION = 1;

/** The window lengths, in points. */
export const DRIFT_SCALES = [12, 48, 192] as const;

/** Options of the multi-scale drift detector. */
export interface DriftOptions {
  /** Forgetting horizon (points) of the reference level and of the typical deviations. */
  horizon?: number;
  /** Points before it scores. */
  learning?: number;
  feature?: number;
}

const LONGEST = DRIFT_SCALES[DRIFT_SCALES.length - 1]!;

class DriftDetector implements StreamingDetector {
  readonly name = KIND;
  recent: number[] = [];
  n = 0;
  level = 0;
  variance = 0;
  typical: number[] = DRIFT_SCALES.map(() => 0);
  /** How many deviations each scale has learned (a long scale starts later than a short one). */
  counts: number[] = DRIFT_SCALES.map(() => 0);
  seen = 0;

  constructor(readonly options: Required<DriftOptions>) {}

  update(point: AnomalyPoint): number {
    const { feature, horizon, learning } = this.options;
    checkPoint(KIND, this.seen, point, feature + 1);
    this.seen++;
    const x = point.values[feature]!;
    this.recent.push(x);
    if (this.recent.length > LONGEST) this.recent.shift();
    const sd = Math.sqrt(this.variance) + 1e-9 * (Math.abs(this.level) + 1);
    const alpha = Math.max(1 / (this.n + 1), 1 / horizon);
    let z = 0;
    let sum = 0;
    let s = 0;
    for (let i = this.recent.length - 1, taken = 0; s < DRIFT_SCALES.length && i >= 0; i--) {
      sum += this.recent[i]!;
      taken++;
      if (taken !== DRIFT_SCALES[s]) continue;
      const dev = Math.abs(sum / taken - this.level) / sd;
      const typical = this.typical[s]!;
      const count = this.counts[s]!;
      const ready = count >= learning && typical > 0;
      if (ready) z = Math.max(z, dev / typical);
      // Typical deviation learned with its outliers capped, so a drift does not become its own yardstick.
      const learned = ready ? Math.min(dev, 3 * typical) : dev;
      this.typical[s] = typical + Math.max(1 / (count + 1), 1 / horizon) * (learned - typical);
      this.counts[s] = count + 1;
      s++;
    }
    // The reference level and spread (outlying points capped at 4 sd).
    const capped = this.n >= learning ? Math.max(this.level - 4 * sd, Math.min(this.level + 4 * sd, x)) : x;
    const delta = capped - this.level;
    this.level += alpha * delta;
    this.variance = (1 - alpha) * (this.variance + alpha * delta * delta);
    this.n++;
    // The typical deviation is a mean of |·|: ×1.25 puts it near a σ, so z reads as standard deviations.
    return gaussianScore(z / 1.25);
  }

  toJSON() {
    const { recent, n, level, variance, typical, counts, seen } = this;
    return { kind: KIND, version: VERSION, options: { ...this.options }, recent: [...recent], n, level, variance, typical: [...typical], counts: [...counts], seen };
  }
}

function resolve(o: DriftOptions): Required<DriftOptions> {
  return {
    horizon: numberOption(KIND, 'horizon', o.horizon ?? 600, 1),
    learning: intOption(KIND, 'learning', o.learning ?? 100, 1, 1_000_000),
    feature: intOption(KIND, 'feature', o.feature ?? 0, 0, 100_000),
  };
}

/** Multi-scale mean-shift detector for slow drifts (12/48/192-point means against a forgetting reference). */
export function createDriftDetector(options: DriftOptions = {}): StreamingDetector {
  return new DriftDetector(resolve(options));
}

/** Rebuilds a drift detector from its toJSON() snapshot. */
export function restoreDriftDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const d = new DriftDetector(resolve(optionsField(KIND, o)));
  d.recent = numbersField(KIND, o, 'recent', LONGEST);
  d.n = intOption(`cannot restore ${KIND}`, 'n', finiteField(KIND, o, 'n'), 0);
  d.level = finiteField(KIND, o, 'level');
  d.variance = Math.max(0, finiteField(KIND, o, 'variance'));
  d.typical = numbersField(KIND, o, 'typical', DRIFT_SCALES.length);
  d.counts = numbersField(KIND, o, 'counts', DRIFT_SCALES.length);
  d.seen = intOption(`cannot restore ${KIND}`, 'seen', finiteField(KIND, o, 'seen'), 0);
  return d;
}
