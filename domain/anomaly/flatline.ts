// Stuck sensors and flat-lines: a stream that stops moving (a frozen exporter repeating its last value,
// a dead collector reporting 0) hides from detectors that look for large deviations. This one watches
// the spread of the last few points: log of their standard deviation against the stream's own typical
// log-spread (mean and sd, forgetting at `horizon`), and scores the shortfall as a z. Exact repeats
// have spread 0, far below any real stream's typical; a quiet night is learned as normal.
import { gaussianScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, numbersField, optionsField, snapshotOf } from './input';

const KIND = 'flatline';
const VERSION = 1;

/** Options of the flat-line detector. */
export interface FlatlineOptions {
  /** Points whose spread is measured. */
  window?: number;
  /** Forgetting horizon (points) of the typical spread. */
  horizon?: number;
  /** Points before it scores. */
  learning?: number;
  feature?: number;
}

/** Smallest sd of the log-spread: a stream with near-constant spread must not make every wobble a flat-line. */
const MIN_SD = 0.4;

class FlatlineDetector implements StreamingDetector {
  readonly name = KIND;
  recent: number[] = [];
  n = 0;
  mean = 0;
  variance = 0;
  seen = 0;

  constructor(readonly options: Required<FlatlineOptions>) {}

  update(point: AnomalyPoint): number {
    const { feature, window, horizon, learning } = this.options;
    checkPoint(KIND, this.seen, point, feature + 1);
    this.seen++;
    const x = point.values[feature]!;
    this.recent.push(x);
    if (this.recent.length > window) this.recent.shift();
    if (this.recent.length < window) return 0;
    let sum = 0;
    for (const v of this.recent) sum += v;
    const mu = sum / window;
    let ss = 0;
    for (const v of this.recent) ss += (v - mu) ** 2;
    // The floor is relative to the stream's typical spread (and level), so 0 is far below normal but finite.
    const typical = this.n > 0 ? Math.exp(this.mean) : Math.abs(mu) + 1;
    const ls = Math.log(Math.sqrt(ss / (window - 1)) + 1e-4 * typical + 1e-12);
    const sd = Math.max(MIN_SD, Math.sqrt(this.variance));
    const z = this.n >= learning ? Math.max(0, (this.mean - ls) / sd) : 0;
    // A flat stretch is learned no lower than 4 sd below the mean: it becomes normal only slowly.
    const learned = this.n >= learning ? Math.max(ls, this.mean - 4 * sd) : ls;
    const alpha = Math.max(1 / (this.n + 1), 1 / horizon);
    const delta = learned - this.mean;
    this.mean += alpha * delta;
    this.variance = (1 - alpha) * (this.variance + alpha * delta * delta);
    this.n++;
    return gaussianScore(z);
  }

  toJSON() {
    const { recent, n, mean, variance, seen } = this;
    return { kind: KIND, version: VERSION, options: { ...this.options }, recent: [...recent], n, mean, variance, seen };
  }
}

function resolve(o: FlatlineOptions): Required<FlatlineOptions> {
  return {
    window: intOption(KIND, 'window', o.window ?? 10, 3, 10_000),
    horizon: numberOption(KIND, 'horizon', o.horizon ?? 1000, 1),
    learning: intOption(KIND, 'learning', o.learning ?? 50, 1, 1_000_000),
    feature: intOption(KIND, 'feature', o.feature ?? 0, 0, 100_000),
  };
}

/** Flat-line / stuck-value detector: the last `window` points spread far less than this stream's normal. */
export function createFlatlineDetector(options: FlatlineOptions = {}): StreamingDetector {
  return new FlatlineDetector(resolve(options));
}

/** Rebuilds a flat-line detector from its toJSON() snapshot. */
export function restoreFlatlineDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const d = new FlatlineDetector(resolve(optionsField(KIND, o)));
  d.recent = numbersField(KIND, o, 'recent', d.options.window);
  d.n = intOption(`cannot restore ${KIND}`, 'n', finiteField(KIND, o, 'n'), 0);
  d.mean = finiteField(KIND, o, 'mean');
  d.variance = Math.max(0, finiteField(KIND, o, 'variance'));
  d.seen = intOption(`cannot restore ${KIND}`, 'seen', finiteField(KIND, o, 'seen'), 0);
  return d;
}
