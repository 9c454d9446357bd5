// How the running system judges one window summary for anomalies: the evidence rule and calibration
// of `vigil detect --detector ensemble` (vigil-ensemble.ts), on the five levels of a window (p95,
// error rate, quality, cost per query, throughput) — its specialists on p95, cost and throughput,
// and count-aware detectors (sampled.ts) on error rate and quality, which are shares and means of the
// window's requests. The ensemble learns from every window; each calibrator stays silent for its
// learning period. Pure: the activity around it keeps
// the detector's state in Postgres (activities/ml/anomaly.ts), the bench and the tests drive it directly.
import type { AnomalyPoint, StreamingDetector } from './detector';
import { createEvidenceEnsemble, type EvidenceDetector } from './evidence';
import { classifyAnomaly, DEVIATION_Z, type AnomalyClass } from './classify';
import { FEATURE_NAMES, windowFeatures } from './features';
import { MAX_SURPRISE } from './likelihood';
import { createSampledDetector } from './sampled';
import { SPECIALISTS } from './vigil-ensemble';
import type { WindowSummary } from '../window-summary';

/** The levels the monitor's ensemble watches, in point order (windowFeatures' first five; the deltas add nothing the changepoint and drift specialists do not see). */
export const MONITOR_FEATURES = FEATURE_NAMES.slice(0, 5);

/**
 * Surprise (decades) at which a window counts as anomalous for the monitor's hysteresis. Higher than
 * `vigil detect`'s 3 (EVIDENCE_THRESHOLD): a 10-second window stream has 60,480 points a week, so a
 * one-in-1,000 bar would be crossed every few hours on clean traffic; `openAfter` windows in a row
 * must also cross it. Chosen with the clean-traffic page rate (`BENCH_ONLY=false-pages npm run bench`).
 */
export const MONITOR_SURPRISE = 8;

/**
 * Features on which a flat line means a stuck reporter: latency and throughput never repeat exactly
 * while requests flow. Error rate and quality do — a healthy service has zero errors for long runs,
 * and a window without quality scores repeats the previous average — so the flat-line specialist
 * (whose pages on them were nearly all of the clean-traffic false pages) does not watch them.
 */
const FLAT_MEANS_STUCK: ReadonlySet<string> = new Set(['p95Ms', 'throughputPerSec']);

/**
 * Where a point keeps the window's sample sizes, after the five levels: requests, failures, the sum
 * and the number of quality scores. Error rate and quality are judged from these counts (sampled.ts),
 * not by the level specialists: a rate or mean over a handful of requests strays far by chance, and
 * over thousands hardly at all; the level specialists, blind to n, paged on the clean traffic's
 * chance strays (bench/results/false-pages.md) and needed a bar that hid real error bursts.
 */
const COUNTS = { requests: 5, errors: 6, qualitySum: 7, qualityCount: 8 } as const;

/** Count-aware members, by the feature they judge. */
const SAMPLED: Readonly<Record<string, () => StreamingDetector>> = {
  errorRate: () => createSampledDetector('binomial', { sum: COUNTS.errors, count: COUNTS.requests }),
  qualityAvg: () => createSampledDetector('sample-mean', { sum: COUNTS.qualitySum, count: COUNTS.qualityCount }),
};

/**
 * Specialists the monitor leaves out. Same time yesterday: on the first weekday after a weekend (and
 * the first weekend day after a week) yesterday is the wrong day, and a service whose load follows
 * the week paged every Monday at midnight; same time last week (`weekly`) is the right reference
 * for windows, once a week is stored.
 */
const NOT_WATCHED: ReadonlySet<string> = new Set(['seasonal']);

/** The ensemble's members in order: the sampled detector where a level is a sample's, else the specialists (flat-line only where it means something). */
const MEMBERS: ReadonlyArray<{ kind: string; feature: number; make: () => StreamingDetector }> = MONITOR_FEATURES.flatMap((name, feature) => {
  const sampled = SAMPLED[name];
  if (sampled) return [{ kind: 'sampled', feature, make: sampled }];
  return Object.keys(SPECIALISTS)
    .filter((kind) => !NOT_WATCHED.has(kind) && (kind !== 'flatline' || FLAT_MEANS_STUCK.has(name)))
    .map((kind) => ({ kind, feature, make: () => SPECIALISTS[kind]!(feature) }));
});

/** What the ensemble said about one window. */
export interface WindowJudgement {
  /**
   * Combined surprise before repeat suppression, in decades (≥ MONITOR_SURPRISE is anomalous). The monitor
   * needs no suppression: its incident is the one alarm of an episode (later anomalous windows are its
   * occurrences), and the hysteresis needs a verdict on every window, not only the episode's first.
   */
  surprise: number;
  /** surprise / 10, the scale `vigil detect` prints. */
  score: number;
  threshold: number;
  anomalous: boolean;
  anomalyClass: AnomalyClass;
  /** Features whose specialists are surprised, most surprised first. */
  features: string[];
  recommendedActions: string[];
  /** The most surprised specialist, e.g. "changepoint". */
  detector: string;
}

/** A fresh ensemble for one service's windows. */
export function createWindowEnsemble(): EvidenceDetector {
  const members: StreamingDetector[] = MEMBERS.map((m) => m.make());
  return createEvidenceEnsemble({ name: 'ensemble', correction: Math.log10(MONITOR_FEATURES.length), members });
}

/**
 * The point a window becomes: its start, its levels (quality carried over from `previous` when the
 * window has none), then its counts (COUNTS).
 */
export function windowPoint(w: WindowSummary, previous?: WindowSummary): AnomalyPoint {
  const levels = windowFeatures(w, previous).slice(0, MONITOR_FEATURES.length);
  // windowFeatures has checked these fields: finite and ≥ 0.
  return { t: w.start, values: [...levels, w.count, w.errors, w.qualitySum, w.qualityCount] };
}

/** Scores one window (learning from it) and says why. */
export function judgeWindow(detector: EvidenceDetector, point: AnomalyPoint, bar = MONITOR_SURPRISE): WindowJudgement {
  detector.update(point);
  const surprise = detector.lastSurprise();
  // Each feature's evidence is its most surprised specialist, put on classifyAnomaly's deviation scale so
  // that a specialist able to join an alarm (memberThreshold) counts as a deviating feature.
  const joinAt = detector.memberThreshold * MAX_SURPRISE;
  const byFeature = MONITOR_FEATURES.map(() => 0);
  let top = { detector: 'none', s: 0 };
  detector.lastScores().forEach((m, i) => {
    const s = m.score * MAX_SURPRISE;
    const f = MEMBERS[i]!.feature;
    byFeature[f] = Math.max(byFeature[f]!, s);
    if (s > top.s) top = { detector: m.detector, s };
  });
  const c = classifyAnomaly([...MONITOR_FEATURES], byFeature.map((s) => (s / joinAt) * DEVIATION_Z));
  return {
    surprise,
    score: surprise / MAX_SURPRISE,
    threshold: bar / MAX_SURPRISE,
    anomalous: surprise >= bar,
    anomalyClass: c.class,
    features: c.features,
    recommendedActions: c.recommended_actions,
    detector: top.detector,
  };
}
