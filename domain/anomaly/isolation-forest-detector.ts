// The Isolation Forest as a StreamingDetector: it keeps the last `window` points and refits every
// `trainEvery` points on them, strictly after learning the point that triggered the refit, so a
// point is only ever scored by a model trained on points before it. Until the first model the
// score is a neutral 0. Raw forest scores are calibrated against the model's own training scores
// (median → 0, contamination threshold → ALARM_SCORE), the same scale as the statistical detectors.
import { VigilError } from '../errors';
import { base64ToFloat64, float64ToBase64 } from './base64';
import { quantileScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, optionsField, snapshotOf } from './input';
import { fitIsolationForest, scoreIsolationForest, type IsolationForestModel } from './isolation-forest';
import { deserializeModel, serializeModel } from './isolation-forest-model';
import { deriveSeed } from './rng';

const KIND = 'isolation-forest';
const VERSION = 1;

/** Options of the streaming Isolation Forest. */
export interface IsolationForestDetectorOptions {
  /** Refit after every this many points (the first model after the first `trainEvery`). */
  trainEvery?: number;
  /** Points kept and trained on (the latest ones). */
  window?: number;
  /** Seed; the k-th refit uses a seed derived from it and k. */
  seed?: number;
  trees?: number;
  sampleSize?: number;
  contamination?: number;
}

type Resolved = Required<IsolationForestDetectorOptions>;

function resolve(o: IsolationForestDetectorOptions): Resolved {
  const window = intOption(KIND, 'window', o.window ?? 2000, 2, 1_000_000);
  const contamination = o.contamination ?? 0.01;
  if (!(contamination > 0 && contamination <= 0.5)) throw new VigilError('invalid_input', `${KIND}: contamination must be in (0, 0.5], got ${contamination}`);
  return {
    trainEvery: intOption(KIND, 'trainEvery', o.trainEvery ?? 500, 2),
    window,
    seed: intOption(KIND, 'seed', o.seed ?? 1, Number.MIN_SAFE_INTEGER),
    trees: intOption(KIND, 'trees', o.trees ?? 100, 1, 10_000),
    sampleSize: intOption(KIND, 'sampleSize', o.sampleSize ?? 256, 2, window),
    contamination,
  };
}

class IsolationForestDetector implements StreamingDetector {
  readonly name = KIND;
  d = 0; // 0 until the first point fixes it
  private rows = new Float64Array(0); // ring of window × d values
  private head = 0;
  count = 0;
  seen = 0;
  modelsTrained = 0;
  model: IsolationForestModel | null = null;

  constructor(readonly options: Resolved) {}

  update(point: AnomalyPoint): number {
    if (this.d > 0 && Array.isArray(point.values) && point.values.length !== this.d) {
      throw new VigilError('invalid_input', `${KIND}: point ${this.seen} has ${point.values.length} values, earlier points had ${this.d}`);
    }
    checkPoint(KIND, this.seen, point, Math.max(1, this.d));
    if (this.d === 0) this.setWidth(point.values.length);
    const row = Float64Array.from(point.values);
    const score = this.model ? quantileScore(scoreIsolationForest(this.model, row, this.d)[0]!, this.model.medianScore, this.model.threshold) : 0;
    this.rows.set(row, this.head * this.d);
    this.head = (this.head + 1) % this.options.window;
    if (this.count < this.options.window) this.count++;
    this.seen++;
    if (this.seen % this.options.trainEvery === 0) this.train();
    return score;
  }

  setWidth(d: number): void {
    this.d = d;
    this.rows = new Float64Array(this.options.window * d);
  }

  /** The kept rows, oldest first. */
  history(): Float64Array {
    const { d, count } = this;
    const { window } = this.options;
    const out = new Float64Array(count * d);
    const first = (this.head - count + window) % window;
    for (let i = 0; i < count; i++) {
      const r = (first + i) % window;
      out.set(this.rows.subarray(r * d, r * d + d), i * d);
    }
    return out;
  }

  /** Refills the ring from rows oldest first. */
  load(rows: Float64Array): void {
    for (let i = 0; i * this.d < rows.length; i++) {
      this.rows.set(rows.subarray(i * this.d, (i + 1) * this.d), this.head * this.d);
      this.head = (this.head + 1) % this.options.window;
      if (this.count < this.options.window) this.count++;
    }
  }

  private train(): void {
    const { trees, sampleSize, contamination, seed } = this.options;
    this.model = fitIsolationForest(this.history(), this.d, { trees, sampleSize, contamination, seed: deriveSeed(seed, this.modelsTrained) });
    this.modelsTrained++;
  }

  toJSON() {
    return {
      kind: KIND,
      version: VERSION,
      options: { ...this.options },
      d: this.d,
      seen: this.seen,
      modelsTrained: this.modelsTrained,
      rows: float64ToBase64(this.history()),
      model: this.model ? serializeModel(this.model) : null,
    };
  }
}

/** A streaming Isolation Forest over all of a point's values; deterministic for a seed. */
export function createIsolationForestDetector(options: IsolationForestDetectorOptions = {}): StreamingDetector {
  return new IsolationForestDetector(resolve(options));
}

/** Rebuilds a streaming Isolation Forest from its toJSON() snapshot. */
export function restoreIsolationForestDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const det = new IsolationForestDetector(resolve(optionsField(KIND, o)));
  const where = `cannot restore ${KIND}`;
  const d = intOption(where, 'd', finiteField(KIND, o, 'd'), 0, 100_000);
  det.seen = intOption(where, 'seen', finiteField(KIND, o, 'seen'), 0);
  det.modelsTrained = intOption(where, 'modelsTrained', finiteField(KIND, o, 'modelsTrained'), 0);
  if (typeof o.rows !== 'string') throw new VigilError('invalid_input', `${where}: rows must be a base64 string`);
  const rows = base64ToFloat64(o.rows, `${where}: rows`);
  if (d > 0) {
    det.setWidth(d);
    if (rows.length % d !== 0 || rows.length / d > det.options.window) throw new VigilError('invalid_input', `${where}: rows do not fit ${det.options.window} points of ${d} values`);
    det.load(rows);
  } else if (rows.length > 0) throw new VigilError('invalid_input', `${where}: rows without a width d`);
  det.model = o.model === null ? null : deserializeModel(o.model);
  if (det.model && det.model.d !== d) throw new VigilError('invalid_input', `${where}: model has d=${det.model.d}, points have ${d}`);
  return det;
}
