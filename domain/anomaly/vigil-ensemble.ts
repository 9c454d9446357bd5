/**
 * The default detector of `vigil detect`: specialists for each shape of anomaly real streams show,
 * combined by the evidence rule (evidence.ts). For each feature: a robust rolling z-score (spikes,
 * bursts), a changepoint detector that re-learns after a change (level and variance shifts), a
 * flat-line detector (stuck sensors), a multi-scale drift detector (slow changes), and same-time-
 * yesterday and same-time-last-week baselines (broken daily and weekly patterns, holidays). All
 * streaming, O(1)–O(window) per point. No LSTM: measured, it added one window on the evaluation for
 * ~100× the cost per point (eval/results/anomaly-lstm.md).
 */
import type { StreamingDetector } from './detector';
import { createChangepointDetector } from './changepoint';
import { createDriftDetector } from './drift';
import { createEvidenceEnsemble, type EvidenceDetector, type EvidenceOptions } from './evidence';
import { createFlatlineDetector } from './flatline';
import { createCusumDetector, createEwmaDetector, createRobustZDetector, createSeasonalDetector } from './statistical';

/** The specialists, by name, each on one feature. */
export const SPECIALISTS: Record<string, (feature: number) => StreamingDetector> = {
  'robust-z': (feature) => createRobustZDetector({ feature }),
  changepoint: (feature) => createChangepointDetector({ feature }),
  flatline: (feature) => createFlatlineDetector({ feature }),
  drift: (feature) => createDriftDetector({ feature }),
  seasonal: (feature) => createSeasonalDetector({ feature }),
  // Same time last week (two weeks back): weekday/weekend patterns, and holidays, which a daily baseline
  // mistakes for the weekend before them. Silent until the stream holds a week.
  weekly: (feature) => createSeasonalDetector({ feature, periodMs: 7 * 86_400_000, periods: 2 }),
};

/** The default ensemble on points of `features` values (every specialist on every feature, corrected for the looks). */
export function createVigilEnsemble(features = 1, opts: Omit<EvidenceOptions, 'members'> = {}): EvidenceDetector {
  const members: StreamingDetector[] = [];
  for (let f = 0; f < features; f++) for (const make of Object.values(SPECIALISTS)) members.push(make(f));
  return createEvidenceEnsemble({ name: 'ensemble', correction: Math.log10(features), ...opts, members });
}

/**
 * `--detector stat`: the four classic statistical detectors (robust z, EWMA chart, CUSUM, seasonal
 * baseline) on every feature, each calibrated on its own and combined by the evidence rule — the same
 * family as the earlier Bonferroni vote (createStatDetector), judged the way the default ensemble is.
 */
export function createStatEnsemble(features = 1, opts: Omit<EvidenceOptions, 'members'> = {}): EvidenceDetector {
  const members: StreamingDetector[] = [];
  for (let feature = 0; feature < features; feature++) {
    members.push(createRobustZDetector({ feature }), createEwmaDetector({ feature }), createCusumDetector({ feature }), createSeasonalDetector({ feature }));
  }
  return createEvidenceEnsemble({ name: 'stat', correction: Math.log10(features), ...opts, members });
}

/** One detector made to speak on the calibrated scale with repeat suppression (an evidence ensemble of one). */
export function calibrated(member: StreamingDetector, opts: Omit<EvidenceOptions, 'members'> = {}): EvidenceDetector {
  return createEvidenceEnsemble({ name: member.name, ...opts, members: [member] });
}
