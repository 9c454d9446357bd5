// The statistical detectors: robust rolling z-score, EWMA control chart, two-sided CUSUM and a
// seasonal (same time last period) baseline. Each is online (a point is scored from the history
// before it, then learned), bounded (ring buffers of fixed size) and restorable from toJSON().
// Scores use the common scale in calibration.ts: ALARM_SCORE is each detector's own alarm rule.
import { thresholdScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, numbersField, optionsField, snapshotOf } from './input';
import { RingBuffer } from './ring-buffer';
import { robustLocationScale, type LocationScale } from './robust';

const VERSION = 1;

/** The rolling baseline every statistical detector standardises against. */
export interface BaselineOptions {
  /** Points in the rolling history (288 = one day of 5-minute points). */
  window?: number;
  /** Points of history before the detector scores anything (until then it answers a neutral 0). */
  minHistory?: number;
  /** Which entry of `point.values` to watch. */
  feature?: number;
}

type Resolved<T> = { [K in keyof T]-?: NonNullable<T[K]> };

function baseline(name: string, o: BaselineOptions): Resolved<BaselineOptions> {
  const window = intOption(name, 'window', o.window ?? 288, 3, 1_000_000);
  return {
    window,
    minHistory: intOption(name, 'minHistory', o.minHistory ?? Math.min(30, window), 3, window),
    feature: intOption(name, 'feature', o.feature ?? 0, 0, 100_000),
  };
}

/** Shared plumbing: validate, score from the history before the point, then learn the point. */
abstract class WindowedDetector<S extends object> implements StreamingDetector {
  protected history: RingBuffer;
  protected seen = 0;

  constructor(
    readonly name: string,
    protected readonly options: Resolved<BaselineOptions> & S,
  ) {
    this.history = new RingBuffer(options.window);
  }

  update(point: AnomalyPoint): number {
    checkPoint(this.name, this.seen, point, this.options.feature + 1);
    const x = point.values[this.options.feature]!;
    const stats = this.history.length >= this.options.minHistory ? robustLocationScale(this.history.toArray()) : undefined;
    const score = stats ? this.score(x, stats) : 0;
    this.history.push(x);
    this.seen++;
    return score;
  }

  /** Scores x against the history's robust centre and scale, updating any detector state. */
  protected abstract score(x: number, stats: LocationScale): number;
  /** Detector-specific state for the snapshot. */
  protected abstract state(): Record<string, number | null>;
  /** Takes the detector-specific state back from a snapshot. */
  abstract restoreState(o: Record<string, unknown>): void;

  toJSON() {
    return { kind: this.name, version: VERSION, options: { ...this.options }, seen: this.seen, history: this.history.toArray(), ...this.state() };
  }

  /** Takes the common state back from a snapshot (validated). */
  restoreCommon(kind: string, o: Record<string, unknown>): void {
    this.seen = intOption(`cannot restore ${kind}`, 'seen', finiteField(kind, o, 'seen'), 0);
    this.history = RingBuffer.from(this.options.window, numbersField(kind, o, 'history', this.options.window));
  }
}

/** Options of the robust rolling z-score. */
export type RobustZOptions = BaselineOptions & {
  /** |z| at which it alarms (scores ALARM_SCORE). */
  k?: number;
};

class RobustZDetector extends WindowedDetector<{ k: number }> {
  protected score(x: number, s: LocationScale): number {
    return thresholdScore(Math.abs(x - s.center) / s.scale, this.options.k);
  }
  protected state() {
    return {};
  }
  restoreState(): void {}
}

/** Robust rolling z-score: |x − median| / (1.4826·MAD) of the last `window` points; catches spikes and variance changes. */
export function createRobustZDetector(options: RobustZOptions = {}): StreamingDetector {
  const name = 'robust-z';
  return new RobustZDetector(name, { ...baseline(name, options), k: numberOption(name, 'k', options.k ?? 3, 0) });
}

/** Options of the EWMA control chart. */
export type EwmaOptions = BaselineOptions & {
  /** Smoothing weight λ of the newest point (0 < λ ≤ 1). */
  alpha?: number;
  /** Width of the control band in standard deviations of the EWMA statistic. */
  k?: number;
};

class EwmaDetector extends WindowedDetector<{ alpha: number; k: number }> {
  private ewma: number | null = null;
  private steps = 0;

  protected score(x: number, s: LocationScale): number {
    const { alpha, k } = this.options;
    // Roberts' chart: z_t = λx_t + (1−λ)z_{t−1}, started at the baseline's centre when history suffices.
    this.ewma = alpha * x + (1 - alpha) * (this.ewma ?? s.center);
    this.steps++;
    // Exact variance of the statistic after `steps` updates: σ²·λ/(2−λ)·(1 − (1−λ)^(2·steps)).
    const sd = s.scale * Math.sqrt((alpha / (2 - alpha)) * (1 - (1 - alpha) ** (2 * this.steps)));
    return thresholdScore(Math.abs(this.ewma - s.center) / sd, k);
  }
  protected state() {
    return { ewma: this.ewma, steps: this.steps };
  }
  restoreState(o: Record<string, unknown>): void {
    this.ewma = o.ewma === null ? null : finiteField('ewma', o, 'ewma');
    this.steps = intOption('cannot restore ewma', 'steps', finiteField('ewma', o, 'steps'), 0);
  }
}

/** EWMA control chart (Roberts 1959) against the robust rolling baseline: catches small sustained shifts and drifts. */
export function createEwmaDetector(options: EwmaOptions = {}): StreamingDetector {
  const name = 'ewma';
  return new EwmaDetector(name, {
    ...baseline(name, options),
    alpha: numberOption(name, 'alpha', options.alpha ?? 0.1, 0, 1),
    k: numberOption(name, 'k', options.k ?? 3, 0),
  });
}

/** Options of the CUSUM detector. */
export type CusumOptions = BaselineOptions & {
  /** Allowance in σ: half the shift it is tuned to find fastest (0.5 → a 1σ shift). */
  k?: number;
  /** Decision interval in σ: the cumulative sum at which it alarms, then starts over. */
  h?: number;
};

class CusumDetector extends WindowedDetector<{ k: number; h: number }> {
  private high = 0;
  private low = 0;

  protected score(x: number, s: LocationScale): number {
    const { k, h } = this.options;
    const z = (x - s.center) / s.scale;
    // Page's two-sided CUSUM on the robust z: S⁺ accumulates upward evidence, S⁻ downward.
    this.high = Math.max(0, this.high + z - k);
    this.low = Math.max(0, this.low - z - k);
    const stat = Math.max(this.high, this.low);
    if (stat >= h) {
      this.high = 0; // reset after an alarm: the next alarm needs fresh evidence
      this.low = 0;
    }
    return thresholdScore(stat, h);
  }
  protected state() {
    return { high: this.high, low: this.low };
  }
  restoreState(o: Record<string, unknown>): void {
    this.high = Math.max(0, finiteField('cusum', o, 'high'));
    this.low = Math.max(0, finiteField('cusum', o, 'low'));
  }
}

/** Two-sided CUSUM (Page 1954) on the robust z of each point; resets after an alarm. Catches level shifts. */
export function createCusumDetector(options: CusumOptions = {}): StreamingDetector {
  const name = 'cusum';
  return new CusumDetector(name, { ...baseline(name, options), k: numberOption(name, 'k', options.k ?? 0.5, 0, 1e6, true), h: numberOption(name, 'h', options.h ?? 5, 0) });
}

function restoreWindowed(kind: string, json: unknown, create: (o: Record<string, number>) => StreamingDetector): StreamingDetector {
  const o = snapshotOf(json, kind, VERSION);
  const d = create(optionsField(kind, o)) as WindowedDetector<object>;
  d.restoreCommon(kind, o);
  d.restoreState(o);
  return d;
}

/** Rebuilds a robust z-score detector from its toJSON() snapshot. */
export function restoreRobustZDetector(json: unknown): StreamingDetector {
  return restoreWindowed('robust-z', json, createRobustZDetector);
}

/** Rebuilds an EWMA detector from its toJSON() snapshot. */
export function restoreEwmaDetector(json: unknown): StreamingDetector {
  return restoreWindowed('ewma', json, createEwmaDetector);
}

/** Rebuilds a CUSUM detector from its toJSON() snapshot. */
export function restoreCusumDetector(json: unknown): StreamingDetector {
  return restoreWindowed('cusum', json, createCusumDetector);
}

export { createSeasonalDetector, restoreSeasonalDetector, type SeasonalOptions } from './seasonal';

