// Multivariate features of one reporting window for the Isolation Forest (and for univariate
// detectors that watch one of them): five levels and their changes from the previous window.
// Always finite, so they can go straight into a detector: where a window cannot tell (no requests,
// no quality scores) the value is a documented neutral one, never NaN.
import { VigilError } from '../errors';
import { quantile } from '../latency-sketch';
import type { WindowSummary } from '../window-summary';

/** Names of windowFeatures' entries, in order. */
export const FEATURE_NAMES = [
  'p95Ms',
  'errorRate',
  'qualityAvg',
  'costPerQueryUsd',
  'throughputPerSec',
  'p95MsDelta',
  'errorRateDelta',
  'qualityAvgDelta',
  'costPerQueryUsdDelta',
  'throughputPerSecDelta',
] as const;

/** One of the feature names. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

function finite(w: WindowSummary, key: 'durationMs' | 'count' | 'errors' | 'qualitySum' | 'qualityCount' | 'costUsdSum'): number {
  const v = w[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new VigilError('invalid_input', `windowFeatures: window of ${w.service} starting ${w.start} has ${key} = ${String(v)}; expected a finite number ≥ 0`, { field: key });
  }
  return v;
}

// The five levels. An empty window has p95, error rate, cost and throughput 0; a window without
// quality scores repeats `fallbackQuality` (the previous window's average, else 1: no scores is
// no evidence of bad answers).
function levels(w: WindowSummary, fallbackQuality: number): number[] {
  const durationMs = finite(w, 'durationMs');
  if (durationMs === 0) throw new VigilError('invalid_input', `windowFeatures: window of ${w.service} starting ${w.start} has durationMs 0`, { field: 'durationMs' });
  const count = finite(w, 'count');
  const errors = finite(w, 'errors');
  const qualityCount = finite(w, 'qualityCount');
  const qualitySum = finite(w, 'qualitySum');
  const cost = finite(w, 'costUsdSum');
  const p95 = count > 0 && w.latency.count > 0 ? quantile(w.latency, 0.95) : 0;
  if (!Number.isFinite(p95)) throw new VigilError('invalid_input', `windowFeatures: window of ${w.service} starting ${w.start} has an unreadable latency sketch`, { field: 'latency' });
  return [p95, count > 0 ? errors / count : 0, qualityCount > 0 ? qualitySum / qualityCount : fallbackQuality, count > 0 ? cost / count : 0, count / (durationMs / 1000)];
}

/**
 * The feature vector of a window, in FEATURE_NAMES order: p95 latency (ms, from the sketch), error
 * rate, average quality, cost per query (USD), throughput (requests/s), then each minus the
 * previous window's value (all 0 without a previous window). Throws on negative or non-finite fields.
 */
export function windowFeatures(summary: WindowSummary, previous?: WindowSummary): number[] {
  const before = previous ? levels(previous, 1) : undefined;
  const now = levels(summary, before ? before[2]! : 1);
  const deltas = now.map((v, i) => (before ? v - before[i]! : 0));
  return [...now, ...deltas];
}
