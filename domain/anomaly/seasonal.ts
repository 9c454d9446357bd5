// Seasonal baseline: compares a point with the same time of the previous period(s) — yesterday or
// last week — and scores the residual against the robust scale of recent residuals. Time is cut
// into slots `tolerance` ms wide; a slot keeps the mean of its values, and a point's reference is
// the median of the slot means found 1…`periods` periods back. When the history has none of them
// (the first period, gaps) the score is a neutral 0. Memory: periods·(periodMs/tolerance)+1 slots.
import { median } from 'simple-statistics';
import { VigilError } from '../errors';
import { thresholdScore } from './calibration';
import type { AnomalyPoint, StreamingDetector } from './detector';
import { checkPoint, finiteField, intOption, numberOption, numbersField, optionsField, snapshotOf } from './input';
import { RingBuffer } from './ring-buffer';
import { robustLocationScale } from './robust';

const KIND = 'seasonal';
const VERSION = 1;
const MAX_SLOTS = 1_000_000;

/** Options of the seasonal detector. */
export interface SeasonalOptions {
  /** The season: 86_400_000 (a day) or 604_800_000 (a week). */
  periodMs?: number;
  /**
   * How far apart in time-of-period two points may be and still count as "the same time": the slot
   * width in ms (must divide periodMs; default ≈ periodMs/288, i.e. 5 min for a day, 35 min for a week).
   */
  tolerance?: number;
  /** How many past periods to take the median of (those the history has). */
  periods?: number;
  /** |z| of the residual at which it alarms (scores ALARM_SCORE). */
  k?: number;
  /** Residuals kept for their robust scale. */
  window?: number;
  /** Residuals needed before it scores. */
  minHistory?: number;
  /** Which entry of `point.values` to watch. */
  feature?: number;
}

type Resolved = Required<SeasonalOptions>;

// About 288 slots per period (five minutes of a day): the largest divisor of the period at or below periodMs/288.
function defaultTolerance(periodMs: number): number {
  let w = Math.max(1, Math.floor(periodMs / 288));
  while (periodMs % w !== 0) w--;
  return w;
}

function resolve(o: SeasonalOptions): Resolved {
  const periodMs = intOption(KIND, 'periodMs', o.periodMs ?? 86_400_000, 2);
  const tolerance = intOption(KIND, 'tolerance', o.tolerance ?? defaultTolerance(periodMs), 1, periodMs);
  if (periodMs % tolerance !== 0) throw new VigilError('invalid_input', `${KIND}: tolerance ${tolerance} must divide periodMs ${periodMs}`);
  const periods = intOption(KIND, 'periods', o.periods ?? 3, 1, 52);
  if (periods * (periodMs / tolerance) > MAX_SLOTS) {
    throw new VigilError('invalid_input', `${KIND}: ${periods} periods of ${periodMs / tolerance} slots is more than ${MAX_SLOTS}: use a wider tolerance`);
  }
  const window = intOption(KIND, 'window', o.window ?? 288, 3, 1_000_000);
  return {
    periodMs,
    tolerance,
    periods,
    k: numberOption(KIND, 'k', o.k ?? 3, 0),
    window,
    minHistory: intOption(KIND, 'minHistory', o.minHistory ?? Math.min(30, window), 3, window),
    feature: intOption(KIND, 'feature', o.feature ?? 0, 0, 100_000),
  };
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

class SeasonalDetector implements StreamingDetector {
  readonly name = KIND;
  private readonly slotsPerPeriod: number;
  private readonly ids: Float64Array; // absolute slot number held at each ring position
  private readonly sums: Float64Array;
  private readonly counts: Float64Array; // 0 = empty
  residuals: RingBuffer;
  seen = 0;
  lastT: number | null = null;

  constructor(readonly options: Resolved) {
    this.slotsPerPeriod = options.periodMs / options.tolerance;
    // One slot more than the periods looked back: the slot being filled never overwrites one still referenced.
    const size = options.periods * this.slotsPerPeriod + 1;
    this.ids = new Float64Array(size);
    this.sums = new Float64Array(size);
    this.counts = new Float64Array(size);
    this.residuals = new RingBuffer(options.window);
  }

  update(point: AnomalyPoint): number {
    const { feature, periods, minHistory, k } = this.options;
    checkPoint(KIND, this.seen, point, feature + 1);
    if (this.lastT !== null && point.t < this.lastT) {
      throw new VigilError('invalid_input', `${KIND}: point ${this.seen} has t=${point.t}, earlier than the previous point's t=${this.lastT}; send points in time order`);
    }
    const x = point.values[feature]!;
    const slot = Math.floor(point.t / this.options.tolerance);
    const refs: number[] = [];
    for (let j = 1; j <= periods; j++) {
      const mean = this.slotMean(slot - j * this.slotsPerPeriod);
      if (mean !== undefined) refs.push(mean);
    }
    let score = 0;
    if (refs.length > 0) {
      const residual = x - median(refs);
      if (this.residuals.length >= minHistory) {
        const s = robustLocationScale(this.residuals.toArray());
        score = thresholdScore(Math.abs(residual - s.center) / s.scale, k);
      }
      this.residuals.push(residual);
    }
    this.learn(slot, x, 1);
    this.lastT = point.t;
    this.seen++;
    return score;
  }

  private slotMean(slot: number): number | undefined {
    const i = mod(slot, this.ids.length);
    return this.counts[i]! > 0 && this.ids[i] === slot ? this.sums[i]! / this.counts[i]! : undefined;
  }

  learn(slot: number, sum: number, count: number): void {
    const i = mod(slot, this.ids.length);
    if (this.counts[i] === 0 || this.ids[i] !== slot) {
      this.ids[i] = slot;
      this.sums[i] = 0;
      this.counts[i] = 0;
    }
    this.sums[i]! += sum;
    this.counts[i]! += count;
  }

  toJSON() {
    const slots: Array<[number, number, number]> = [];
    for (let i = 0; i < this.ids.length; i++) if (this.counts[i]! > 0) slots.push([this.ids[i]!, this.sums[i]!, this.counts[i]!]);
    return { kind: KIND, version: VERSION, options: { ...this.options }, seen: this.seen, lastT: this.lastT, residuals: this.residuals.toArray(), slots };
  }
}

/** Same-time-last-period detector (daily or weekly seasonality); neutral until the history holds the previous period. */
export function createSeasonalDetector(options: SeasonalOptions = {}): StreamingDetector {
  return new SeasonalDetector(resolve(options));
}

/** Rebuilds a seasonal detector from its toJSON() snapshot. */
export function restoreSeasonalDetector(json: unknown): StreamingDetector {
  const o = snapshotOf(json, KIND, VERSION);
  const d = new SeasonalDetector(resolve(optionsField(KIND, o)));
  d.seen = intOption(`cannot restore ${KIND}`, 'seen', finiteField(KIND, o, 'seen'), 0);
  d.lastT = o.lastT === null ? null : finiteField(KIND, o, 'lastT');
  d.residuals = RingBuffer.from(d.options.window, numbersField(KIND, o, 'residuals', d.options.window));
  const slots = o.slots;
  const size = d.options.periods * (d.options.periodMs / d.options.tolerance) + 1;
  if (!Array.isArray(slots) || slots.length > size) throw new VigilError('invalid_input', `cannot restore ${KIND}: slots must be an array of at most ${size} entries`);
  for (const entry of slots as unknown[]) {
    const ok = Array.isArray(entry) && entry.length === 3 && entry.every((v) => typeof v === 'number' && Number.isFinite(v));
    const [slot, sum, count] = ok ? (entry as number[]) : [];
    if (!ok || !Number.isInteger(slot) || !(count! > 0)) throw new VigilError('invalid_input', `cannot restore ${KIND}: bad slot entry ${JSON.stringify(entry)}`);
    d.learn(slot!, sum!, count!);
  }
  return d;
}
