// An LSTM next-step forecaster as a StreamingDetector. Each point is first scored by the model
// trained on earlier points only, then learned from: the model is (re)trained in TensorFlow.js on
// the latest `trainWindow` points when `minHistory` points have been seen and every `trainEvery`
// points after that, warm-started from the previous weights; before the first model the score is
// a neutral 0. Inputs are standardised with the mean and spread of the points the current model was
// trained on. The score calibrates the forecast error (RMS over features, in standardised units)
// against recent errors of the same model on the common scale of domain/anomaly/calibration.ts:
// the median recent error scores 0, the `alarmQuantile` of recent errors scores ALARM_SCORE
// (≈ 0.9973, the project's common cut-off), so it combines with the other detectors. Recent errors
// are the new model's errors on the newest training points, then each scored point's error.
// Deterministic for a seed (see tf-backend.ts); restoring a snapshot scores and retrains identically.
import { z } from 'zod';
import { VigilError } from '../../domain/errors';
import { quantileScore } from '../../domain/anomaly/calibration';
import type { AnomalyPoint, StreamingDetector } from '../../domain/anomaly/detector';
import { checkPoint, intOption, numberOption } from '../../domain/anomaly/input';
import { createRng, deriveSeed } from '../../domain/anomaly/rng';
import { forecastNext, initialWeights, type LstmWeights } from './lstm-cell';
import { trainForecaster } from './lstm-train';

const KIND = 'lstm';
const VERSION = 1;
/** Fewer recent errors than this say too little about the error distribution to score against. */
const MIN_CALIBRATION = 8;

/** Options of the LSTM detector; every one has a default. */
export interface LstmDetectorOptions {
  /** Points of history each forecast reads. */
  lookback?: number;
  /** LSTM units. */
  hidden?: number;
  /** Retrain after every this many points (counted from the first training). */
  trainEvery?: number;
  /** Points kept and trained on (the latest ones). */
  trainWindow?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Seed of the initial weights and of each retrain's minibatch order. */
  seed?: number;
  /** Points seen before the first training. */
  minHistory?: number;
  /** Recent forecast errors kept to calibrate scores against. */
  calibrationSize?: number;
  /** Quantile of recent errors that scores ALARM_SCORE. */
  alarmQuantile?: number;
}

type Resolved = Required<LstmDetectorOptions>;

function resolve(o: LstmDetectorOptions): Resolved {
  const lookback = intOption(KIND, 'lookback', o.lookback ?? 32, 1, 1024);
  return {
    lookback,
    hidden: intOption(KIND, 'hidden', o.hidden ?? 16, 1, 256),
    trainEvery: intOption(KIND, 'trainEvery', o.trainEvery ?? 512, 1),
    trainWindow: intOption(KIND, 'trainWindow', o.trainWindow ?? 512, lookback + 1, 100_000),
    epochs: intOption(KIND, 'epochs', o.epochs ?? 5, 1, 1000),
    batchSize: intOption(KIND, 'batchSize', o.batchSize ?? 64, 1, 65_536),
    learningRate: numberOption(KIND, 'learningRate', o.learningRate ?? 0.01, 0, 1),
    seed: intOption(KIND, 'seed', o.seed ?? 1, Number.MIN_SAFE_INTEGER),
    minHistory: intOption(KIND, 'minHistory', o.minHistory ?? 64, lookback + 1),
    calibrationSize: intOption(KIND, 'calibrationSize', o.calibrationSize ?? 256, MIN_CALIBRATION, 100_000),
    alarmQuantile: numberOption(KIND, 'alarmQuantile', o.alarmQuantile ?? 0.99, 0.5, 0.9999, true),
  };
}

/** The trained forecaster and the standardisation of the points it was trained on. */
export interface LstmModel {
  weights: LstmWeights;
  mean: number[];
  std: number[];
}

/** The detector's snapshot: plain JSON, restorable with restoreLstmDetector. */
export interface LstmDetectorState {
  kind: typeof KIND;
  version: typeof VERSION;
  options: Resolved;
  /** Features per point; 0 before the first point. */
  d: number;
  /** Points learned from. */
  seen: number;
  /** Trainings done (the k-th uses a seed derived from `seed` and k). */
  rounds: number;
  /** The latest points (at most trainWindow), oldest first, row-major. */
  history: number[];
  model: LstmModel | null;
  /** Recent forecast errors, oldest first. */
  errors: number[];
}

// The type-7 (linear interpolation) quantile of ascending values.
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

class LstmDetector implements StreamingDetector {
  readonly name = KIND;

  constructor(
    readonly options: Resolved,
    private s: Omit<LstmDetectorState, 'kind' | 'version' | 'options'> = { d: 0, seen: 0, rounds: 0, history: [], model: null, errors: [] },
  ) {}

  update(point: AnomalyPoint): number {
    const s = this.s;
    checkPoint(KIND, s.seen, point, Math.max(1, s.d));
    if (s.d === 0) s.d = point.values.length;
    else if (point.values.length !== s.d) {
      throw new VigilError('invalid_input', `${KIND}: point ${s.seen} has ${point.values.length} values, earlier points had ${s.d}`, { detector: KIND, index: s.seen });
    }
    let score = 0;
    if (s.model) {
      const { lookback } = this.options;
      const rows = s.history.length / s.d;
      const z = this.standardise(s.model, s.history.slice((rows - lookback) * s.d).concat(point.values));
      const error = this.forecastError(s.model, z, lookback);
      score = this.score(error);
      s.errors.push(error);
      if (s.errors.length > this.options.calibrationSize) s.errors.shift();
    }
    s.history.push(...point.values);
    if (s.history.length > this.options.trainWindow * s.d) s.history.splice(0, s.d);
    s.seen++;
    const { minHistory, trainEvery } = this.options;
    if (s.seen >= minHistory && (s.seen - minHistory) % trainEvery === 0) this.train();
    return score;
  }

  /** Row-major values standardised with the model's statistics. */
  private standardise(model: LstmModel, values: number[]): Float64Array {
    const d = model.mean.length;
    return Float64Array.from(values, (v, i) => (v - model.mean[i % d]!) / model.std[i % d]!);
  }

  /** RMS error of forecasting the last row of `z` from the `lookback` rows before it. */
  private forecastError(model: LstmModel, z: Float64Array, lookback: number, at = z.length / model.mean.length - 1): number {
    const d = model.mean.length;
    const out = new Float64Array(d);
    forecastNext(model.weights, z.subarray((at - lookback) * d, at * d), lookback, out);
    let sum = 0;
    for (let k = 0; k < d; k++) sum += (z[at * d + k]! - out[k]!) ** 2;
    return Math.sqrt(sum / d);
  }

  private score(error: number): number {
    const { errors } = this.s;
    if (errors.length < MIN_CALIBRATION) return 0;
    const sorted = [...errors].sort((a, b) => a - b);
    return quantileScore(error, quantile(sorted, 0.5), quantile(sorted, this.options.alarmQuantile));
  }

  private train(): void {
    const s = this.s;
    const { d } = s;
    const { lookback, hidden, seed, epochs, batchSize, learningRate, calibrationSize } = this.options;
    const rows = s.history.length / d;
    const mean = new Array<number>(d).fill(0);
    const std = new Array<number>(d).fill(0);
    for (let i = 0; i < s.history.length; i++) mean[i % d]! += s.history[i]! / rows;
    for (let i = 0; i < s.history.length; i++) std[i % d]! += (s.history[i]! - mean[i % d]!) ** 2 / rows;
    // A constant feature has no spread to divide by: leave it in its own units.
    for (let k = 0; k < d; k++) std[k] = std[k]! > 1e-24 ? Math.sqrt(std[k]!) : 1;
    const scaled = { weights: s.model?.weights ?? initialWeights(d, hidden, createRng(seed)), mean, std };
    const z = this.standardise(scaled, s.history);
    const weights = trainForecaster(scaled.weights, z, rows, { lookback, epochs, batchSize, learningRate }, createRng(deriveSeed(seed, s.rounds)));
    const model = { weights, mean, std };
    s.model = model;
    s.rounds++;
    // Calibrate the new model on its newest training points, so scores never mix two models' errors.
    s.errors = [];
    for (let at = Math.max(lookback, rows - calibrationSize); at < rows; at++) s.errors.push(this.forecastError(model, z, lookback, at));
  }

  toJSON(): LstmDetectorState {
    const { s } = this;
    return {
      kind: KIND,
      version: VERSION,
      options: { ...this.options },
      d: s.d,
      seen: s.seen,
      rounds: s.rounds,
      history: [...s.history],
      model: s.model && structuredClone(s.model),
      errors: [...s.errors],
    };
  }
}

/** A streaming LSTM forecaster over all of a point's values; deterministic for a seed. */
export function createLstmDetector(options: LstmDetectorOptions = {}): StreamingDetector & { toJSON(): LstmDetectorState } {
  return new LstmDetector(resolve(options));
}

const finite = z.number();
const snapshotSchema = z.object({
  kind: z.literal(KIND),
  version: z.literal(VERSION),
  options: z.record(z.string(), finite),
  d: z.number().int().min(0).max(100_000),
  seen: z.number().int().min(0),
  rounds: z.number().int().min(0),
  history: z.array(finite),
  model: z
    .object({
      weights: z.object({
        inputs: z.number().int().min(1),
        hidden: z.number().int().min(1),
        wx: z.array(z.array(finite)).length(4),
        wh: z.array(z.array(finite)).length(4),
        b: z.array(z.array(finite)).length(4),
        wo: z.array(finite),
        bo: z.array(finite),
      }),
      mean: z.array(finite),
      std: z.array(finite.positive()),
    })
    .nullable(),
  errors: z.array(finite.min(0)),
});

/** Rebuilds an LSTM detector from its toJSON() snapshot; it scores (and retrains) exactly like the original. */
export function restoreLstmDetector(json: unknown): StreamingDetector & { toJSON(): LstmDetectorState } {
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VigilError('invalid_input', `cannot restore ${KIND}: ${issue.path.join('.') || 'snapshot'}: ${issue.message}`);
  }
  const o = parsed.data;
  const options = resolve(o.options);
  const bad = (what: string) => new VigilError('invalid_input', `cannot restore ${KIND}: ${what}`);
  if (o.d === 0 ? o.history.length > 0 : o.history.length % o.d !== 0 || o.history.length > options.trainWindow * o.d) {
    throw bad(`history does not fit ${options.trainWindow} points of ${o.d} values`);
  }
  if (o.errors.length > options.calibrationSize) throw bad(`more than ${options.calibrationSize} errors`);
  const m = o.model;
  if (m) {
    const { inputs: d, hidden: n } = m.weights;
    const sizes = (arrays: number[][], size: number) => arrays.every((a) => a.length === size);
    const fits =
      d === o.d && n === options.hidden && m.mean.length === d && m.std.length === d && o.history.length >= options.lookback * d &&
      sizes(m.weights.wx, d * n) && sizes(m.weights.wh, n * n) && sizes(m.weights.b, n) && m.weights.wo.length === n * d && m.weights.bo.length === d;
    if (!fits) throw bad(`model shapes do not match d=${o.d}, hidden=${options.hidden}, lookback=${options.lookback}`);
  }
  return new LstmDetector(options, { d: o.d, seen: o.seen, rounds: o.rounds, history: o.history, model: m, errors: o.errors });
}
