// The plain baseline every smarter detector must beat: the z-score of each point against the mean and
// standard deviation of the last `window` points (6,400 by default, as the usual windowed-Gaussian
// baseline of streaming benchmarks uses), scored on the common scale. No robustness, no adaptation.
import { gaussianScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numbersField, optionsField, snapshotOf } from './input';
import { RingBuffer } from './ring-buffer';

const KIND = 'zscore';
const VERSION = 1;

/** Options of the rolling Gaussian z-score. */
export interface GaussianWindowOptions {
  window?: number;
  feature?: number;
}

class GaussianWindowDetector implements StreamingDetector {
  readonly name = KIND;
  private history: RingBuffer;
  private sum = 0;
  private sumSq = 0;
  seen = 0;

  constructor(readonly options: Required<GaussianWindowOptions>) {
    this.history = new RingBuffer(options.window);
  }

  update(point: AnomalyPoint): number {
    checkPoint(KIND, this.seen, point, this.options.feature + 1);
    const x = point.values[this.options.feature]!;
    const n = this.history.length;
    let score = 0;
    if (n >= 2) {
      const mean = this.sum / n;
      const variance = Math.max(0, (this.sumSq - n * mean * mean) / (n - 1));
      const sd = Math.sqrt(variance);
      // A constant history: any change from it is as unusual as it gets, no change is nothing.
      score = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? gaussianScore((x - mean) / sd) : x === mean ? 0 : 1;
    }
    this.push(x);
    this.seen++;
    return score;
  }

  private push(x: number): void {
    if (this.history.length === this.options.window) {
      const oldest = this.history.oldest();
      this.sum -= oldest;
      this.sumSq -= oldest * oldest;
    }
    this.history.push(x);
    this.sum += x;
    this.sumSq += x * x;
    // Running sums drift with rounding: recompute them exactly once per window.
    if (this.seen % this.options.window === 0) this.resum();
  }

  private resum(): void {
    this.sum = 0;
    this.sumSq = 0;
    for (const v of this.history.toArray()) {
      this.sum += v;
      this.sumSq += v * v;
    }
  }

  toJSON() {
    return { kind: KIND, version: VERSION, options: { ...this.options }, seen: this.seen, history: this.history.toArray(), sum: this.sum, sumSq: this.sumSq };
  }

  restore(o: Record<string, unknown>): void {
    this.seen = intOption(`cannot restore ${KIND}`, 'seen', finiteField(KIND, o, 'seen'), 0);
    this.history = RingBuffer.from(this.options.window, numbersField(KIND, o, 'history', this.options.window));
    // The sums as they were, rounding included, so the restored detector scores bit for bit the same.
    this.sum = finiteField(KIND, o, 'sum');
    this.sumSq = finiteField(KIND, o, 'sumSq');
  }
}

function resolve(o: GaussianWindowOptions): Required<GaussianWindowOptions> {
  return { window: intOption(KIND, 'window', o.window ?? 6400, 2, 1_000_000), feature: intOption(KIND, 'feature', o.feature ?? 0, 0, 100_000) };
}

/** Rolling-window Gaussian z-score (the baseline of the evaluation; `vigil detect --detector zscore`). */
export function createGaussianWindowDetector(options: GaussianWindowOptions = {}): StreamingDetector {
  return new GaussianWindowDetector(resolve(options));
}

/** Rebuilds the z-score baseline from its toJSON() snapshot. */
export function restoreGaussianWindowDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const d = new GaussianWindowDetector(resolve(optionsField(KIND, o)));
  d.restore(o);
  return d;
}
