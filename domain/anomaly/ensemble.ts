/**
 * Detectors combined into one streaming detector, so one detector's quirk (a spike filter on a seasonal
 * peak, a forest retrained on a short window) does not page anyone on its own. Everything happens on the
 * common score scale of calibration.ts, where each detector's own alarm rule scores ALARM_SCORE: scores
 * are turned back into z (the scale's inverse), combined there, and turned into a score again. Pure.
 */
import { ALARM_SCORE, gaussianScore } from './calibration';
import type { DetectorScore, StreamingDetector } from './detector';
import { createIsolationForestDetector } from './isolation-forest';
import { createCusumDetector, createEwmaDetector, createRobustZDetector, createSeasonalDetector } from './statistical';
import { deriveSeed } from './rng';
import { VigilError } from '../errors';

/** A detector built from others that can say what each of them scored for the last point. */
export interface CompositeDetector extends StreamingDetector {
  /** The score at or above which this detector alarms. */
  readonly threshold: number;
  /** The score at or above which a member counts as agreeing with an alarm. */
  readonly memberThreshold: number;
  readonly members: readonly StreamingDetector[];
  /** Per-member scores for the last point, in member order (empty before the first update). */
  lastScores(): DetectorScore[];
}

/** Beyond this z a double cannot tell the score from 1 (1 − score < 2⁻⁵²), so the inverse stops here. */
const Z_CAP = 8.2;

/** The z whose score is `s` on the common scale (inverse of gaussianScore), by bisection; 1 ↦ Z_CAP. */
export function scoreToZ(s: number): number {
  if (!(s > 0)) return 0;
  if (s >= gaussianScore(Z_CAP)) return Z_CAP;
  let lo = 0;
  let hi = Z_CAP;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianScore(mid) < s) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Nominal 99th percentile of a two-sided score's z under its own model (|Z| for a standard normal Z). */
const Z99 = 2.5758293035489;
/** Fewer recent scores than this cannot place a 99th percentile. */
const MIN_CALIBRATION = 100;

/**
 * Calibration of one member against its own recent scores on this stream. A detector's score is a tail
 * probability under its own model (normal independent residuals, a 1 % contamination, …), and real
 * streams break those models differently for each detector: an EWMA chart on a seasonal series, or a
 * forest that flags its contamination share, claims "1-in-100" far more often than once in a hundred.
 * Like genomic control in association studies (Devlin & Roeder 1999), the member's z is divided by its
 * inflation factor λ = max(1, q99 of its recent z / the nominal q99 2.576): a member that is as
 * surprised as it says keeps its scores, an over-confident one is scaled down until its recent 1 % tail
 * sits where a calibrated detector's would. The 99th percentile is the highest quantile a week of points
 * estimates well, and it tolerates 1 % of the window being true anomalies. It only ever lowers a score
 * and keeps the order of scores. A member's calibration starts at its first non-zero score (before that
 * the detector itself is warming up) and it stays silent (0) for MIN_CALIBRATION scores after that:
 * until then nobody knows what "rare" means on this stream.
 */
export function createScaleCalibrator(window: number) {
  const sorted = new Float64Array(window);
  const ring = new Float64Array(window);
  let n = 0;
  let head = 0;
  // First index whose value is ≥ z.
  const lowerBound = (z: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < z) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const calibrator = {
    /** The inflation factor λ ≥ 1 of the recent scores (Infinity while there are too few of them). */
    inflation(): number {
      if (n < MIN_CALIBRATION) return Infinity;
      const at = 0.99 * (n - 1);
      const i = Math.floor(at);
      const q99 = sorted[i]! + (at - i) * ((sorted[Math.min(i + 1, n - 1)] ?? 0) - sorted[i]!);
      return Math.max(1, q99 / Z99);
    },
    /** The calibrated score of a raw score (before it is learned). */
    calibrate(score: number): number {
      const lambda = calibrator.inflation();
      return lambda === 1 ? score : gaussianScore(scoreToZ(score) / lambda);
    },
    learn(score: number): void {
      if (n === 0 && !(score > 0)) return;
      calibrator.learnZ(scoreToZ(score));
    },
    /** Learns a score already turned into z (how a snapshot's recent scores are put back). */
    learnZ(z: number): void {
      if (n === window) {
        const at = lowerBound(ring[head]!);
        sorted.copyWithin(at, at + 1, n);
        n--;
      }
      const at = lowerBound(z);
      sorted.copyWithin(at + 1, at, n);
      sorted[at] = z;
      n++;
      ring[head] = z;
      head = (head + 1) % window;
    },
    /** The recent scores' z, oldest first (part of the owning detector's snapshot). */
    recent(): number[] {
      return Array.from({ length: n }, (_, i) => ring[(head - n + i + window) % window]!);
    },
  };
  return calibrator;
}

/** One week of 5-minute points: enough to place a 99th percentile, short enough to follow a changing stream. */
export const CALIBRATION_WINDOW = 2016;

/** How an ensemble combines its members; see createEnsembleDetector. */
export interface EnsembleOptions {
  members: StreamingDetector[];
  rule: 'vote' | 'weighted';
  /** vote: how many members must agree. Default 2 (at most the member count). */
  minVotes?: number;
  /** vote: calibrated score at which one member counts as agreeing. Default ALARM_SCORE: its own alarm rule. */
  memberThreshold?: number;
  /** weighted: one non-negative weight per member. Default: equal. */
  weights?: number[];
  /** Alarm level of the combined score. Default ALARM_SCORE, the common cut-off of every detector. */
  threshold?: number;
  /** Recent scores per member for calibration (createScaleCalibrator); 0 turns calibration off. */
  calibrationWindow?: number;
  name?: string;
}

// A member that misbehaves (NaN, out of range) must not poison the others' evidence.
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

function checkOpenUnit(name: string, x: number): void {
  if (!(x > 0 && x < 1)) throw new VigilError('invalid_input', `${name} must be strictly between 0 and 1, got ${x}`);
}

/**
 * The ensemble; its score is on the common scale and it alarms at `threshold`. Member scores are first
 * calibrated (see createScaleCalibrator), then combined:
 * - `vote`: the z of the `minVotes`-th highest calibrated score, stretched so that `memberThreshold`
 *   lands on `threshold`. The score reaches `threshold` exactly when at least `minVotes` members reach
 *   `memberThreshold`: one loud detector alone never alarms, however loud. By default a voter must meet
 *   its own alarm rule: how often detectors of one series agree by chance is unknown (they are far from
 *   independent), and this way the vote can never alarm more often than its members would alone. The
 *   order statistic, rather than a 0/1 count, keeps a graded score (how strongly the weakest needed voter
 *   agrees).
 * - `weighted`: the weighted mean of the members' calibrated z. A mean, not Stouffer's Σz/√n: for
 *   correlated evidence the mean is the honest summary. With three equal members, one certain detector
 *   (z capped at 8.2) and two silent ones average 2.7 < 3: no alarm; two at 4.5 and one silent do.
 */
export function createEnsembleDetector(opts: EnsembleOptions, recent?: readonly (readonly number[])[]): CompositeDetector {
  const { members, rule } = opts;
  if (members.length === 0) throw new VigilError('invalid_input', 'an ensemble needs at least one member');
  const minVotes = Math.min(opts.minVotes ?? 2, members.length);
  if (!Number.isInteger(minVotes) || minVotes < 1) throw new VigilError('invalid_input', `minVotes must be a positive integer, got ${opts.minVotes}`);
  const memberThreshold = opts.memberThreshold ?? ALARM_SCORE;
  const threshold = opts.threshold ?? ALARM_SCORE;
  checkOpenUnit('memberThreshold', memberThreshold);
  checkOpenUnit('threshold', threshold);
  const weights = opts.weights ?? members.map(() => 1);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  if (weights.length !== members.length || weights.some((w) => !(w >= 0 && Number.isFinite(w))) || !(weightSum > 0)) {
    throw new VigilError('invalid_input', `weights must be ${members.length} non-negative numbers with a positive sum, got [${weights.join(', ')}]`);
  }
  const calibrationWindow = opts.calibrationWindow ?? CALIBRATION_WINDOW;
  if (!Number.isInteger(calibrationWindow) || calibrationWindow < 0) throw new VigilError('invalid_input', `calibrationWindow must be a non-negative integer, got ${calibrationWindow}`);
  // Composite members (the stat vote) calibrate their own leaves; calibrating them again would count their warm-up twice.
  const calibrators = members.map((m) => (calibrationWindow > 0 && !isComposite(m) ? createScaleCalibrator(calibrationWindow) : undefined));
  // From a snapshot: each calibrator relearns the recent scores it held, in their order.
  recent?.forEach((zs, i) => zs.forEach((z) => calibrators[i]?.learnZ(z)));
  const stretch = scoreToZ(threshold) / scoreToZ(memberThreshold);
  const name = opts.name ?? 'ensemble';
  let last: DetectorScore[] = [];

  return {
    name,
    threshold,
    memberThreshold,
    members,
    update(point) {
      last = members.map((m, i) => {
        const raw = clamp01(m.update(point));
        const calibrator = calibrators[i];
        const score = calibrator ? calibrator.calibrate(raw) : raw;
        calibrator?.learn(raw);
        return { detector: m.name, score };
      });
      if (rule === 'weighted') return gaussianScore(last.reduce((s, m, i) => s + weights[i]! * scoreToZ(m.score), 0) / weightSum);
      const kth = last.map((m) => m.score).sort((a, b) => b - a)[minVotes - 1]!;
      // Exactly at the member threshold the stretched z is the ensemble's threshold; pin it against rounding.
      if (kth === memberThreshold) return threshold;
      return gaussianScore(Math.min(Z_CAP, scoreToZ(kth) * stretch));
    },
    lastScores: () => last.map((s) => ({ ...s })),
    toJSON: () => ({
      kind: 'ensemble',
      name,
      rule,
      minVotes,
      memberThreshold,
      weights,
      threshold,
      calibrationWindow,
      members: members.map((m, i) => ({ name: m.name, state: m.toJSON(), recentScores: calibrators[i]?.recent() ?? [] })),
    }),
  };
}

/**
 * Several detectors as one vote: the most alarmed of them, Bonferroni-corrected for having looked n
 * times (tail probability × n), so the vote stays on the common scale and alarms about as often by
 * chance as one detector. For specialists that watch one signal for different failure shapes (spikes,
 * slow shifts, drift, broken seasonality): an anomaly of one shape typically lights up one of them, so a
 * mean would dilute exactly the evidence that matters, while a vote each would let correlated views of
 * one signal out-vote an independent detector.
 */
export function createMaxDetector(name: string, members: StreamingDetector[], calibrationWindow = CALIBRATION_WINDOW, recent?: readonly (readonly number[])[]): CompositeDetector {
  if (members.length === 0) throw new VigilError('invalid_input', `${name} needs at least one member`);
  const calibrators = calibrationWindow > 0 ? members.map(() => createScaleCalibrator(calibrationWindow)) : undefined;
  recent?.forEach((zs, i) => zs.forEach((z) => calibrators?.[i]?.learnZ(z)));
  let last: DetectorScore[] = [];
  return {
    name,
    threshold: ALARM_SCORE,
    // Where the corrected score reaches ALARM_SCORE.
    memberThreshold: 1 - (1 - ALARM_SCORE) / members.length,
    members,
    update(point) {
      last = members.map((m, i) => {
        const raw = clamp01(m.update(point));
        const score = calibrators ? calibrators[i]!.calibrate(raw) : raw;
        calibrators?.[i]!.learn(raw);
        return { detector: m.name, score };
      });
      const top = Math.max(...last.map((s) => s.score));
      return Math.max(0, 1 - (1 - top) * members.length);
    },
    lastScores: () => last.map((s) => ({ ...s })),
    toJSON: () => ({
      kind: 'max',
      name,
      calibrationWindow,
      members: members.map((m, i) => ({ name: m.name, state: m.toJSON(), recentScores: calibrators?.[i]!.recent() ?? [] })),
    }),
  };
}

/**
 * The members that reached their vote threshold on the last point — the detectors that agreed — with
 * the agreeing parts of composite members spelled out (`stat/cusum`).
 */
export function agreeingMembers(detector: CompositeDetector): string[] {
  const scores = detector.lastScores();
  return detector.members.flatMap((m, i) => {
    if ((scores[i]?.score ?? 0) < detector.memberThreshold) return [];
    const inner = isComposite(m) ? agreeingMembers(m) : [];
    return inner.length > 0 ? inner.map((n) => `${m.name}/${n}`) : [m.name];
  });
}

function isComposite(d: StreamingDetector): d is CompositeDetector {
  return typeof (d as Partial<CompositeDetector>).lastScores === 'function' && Array.isArray((d as Partial<CompositeDetector>).members);
}

/**
 * The "stat" vote: robust z (spikes, variance), EWMA (small sustained shifts), CUSUM (level shifts,
 * drift) and the seasonal baseline (broken daily pattern), each on every feature, as one max-detector.
 * Detector defaults throughout: a day of 5-minute points as the baseline, their own k/h alarm rules.
 */
export function createStatDetector(features = 1): CompositeDetector {
  const members: StreamingDetector[] = [];
  for (let feature = 0; feature < features; feature++) {
    members.push(
      createRobustZDetector({ feature }),
      createEwmaDetector({ feature }),
      createCusumDetector({ feature }),
      createSeasonalDetector({ feature }),
    );
  }
  return createMaxDetector('stat', members);
}

/**
 * A detector fed each point's values followed by their change since the previous point (zero at the
 * first point). A forest on the bare values only sees their marginal distribution, which the robust z
 * already watches; with the changes beside them it sees jumps relative to where the series just was, a
 * view the statistical detectors do not have, and an ensemble is only as good as its members differ.
 */
export function withChanges(detector: StreamingDetector, from?: number[]): StreamingDetector {
  let previous: number[] | undefined = from ? [...from] : undefined;
  return {
    name: detector.name,
    update(point) {
      const changes = point.values.map((v, i) => v - (previous?.[i] ?? v));
      previous = [...point.values];
      return detector.update({ t: point.t, values: [...point.values, ...changes] });
    },
    toJSON: () => ({ kind: 'with-changes', previous: previous ?? null, inner: detector.toJSON() }),
  };
}

/** The forest member: the isolation forest (its module's defaults, a seed derived from `seed`) on values and their changes. */
export function createForestMember(seed: number): StreamingDetector {
  return withChanges(createIsolationForestDetector({ seed: deriveSeed(seed, 1) }));
}

/** The consensus rule of the default ensemble: two members must agree. */
export const DEFAULT_RULE = { rule: 'vote', minVotes: 2 } as const;

/** Options of the default ensemble. */
export interface DefaultEnsembleOptions {
  /** Width of `point.values`: the statistical detectors watch every feature, the forest sees them jointly. */
  features?: number;
  /**
   * The LSTM member, built by the caller (activities/ml/lstm.ts loads TensorFlow.js, which a pure module
   * must not). Without it the ensemble is two-of-two over stat and the forest.
   */
  withLstm?: StreamingDetector;
}

/**
 * The ensemble `vigil detect` and the evaluation use: a two-vote over different views of the series —
 * the statistical specialists (residuals against a rolling or seasonal baseline, one Bonferroni-corrected
 * vote), the isolation forest (how easily the point's values and their changes are isolated among the
 * last 2,000 points) and, when given, the LSTM forecaster (how far the point is from its forecast). Every member keeps its
 * module's defaults and votes at its own alarm rule after calibration; nothing here is fitted to any data.
 */
export function defaultEnsemble(seed: number, opts: DefaultEnsembleOptions = {}): CompositeDetector {
  const members: StreamingDetector[] = [createStatDetector(opts.features ?? 1), createForestMember(seed)];
  if (opts.withLstm) members.push(opts.withLstm);
  return createEnsembleDetector({ members, ...DEFAULT_RULE });
}
