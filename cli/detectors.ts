/**
 * The detectors `vigil detect` (and the evaluation) can run, built by name. Every one but the z-score
 * baseline speaks on the calibrated scale (likelihood.ts: score = decades of surprise / 10, repeats
 * suppressed), so one threshold means the same for all of them and on every stream. The LSTM lives in
 * activities/ml and loads TensorFlow.js, so it is imported only when asked for; it is not part of the
 * default ensemble (see eval/results/anomaly-realistic.md: ~1,000× the cost per point).
 */
import { ALARM_SCORE } from '../domain/anomaly/calibration';
import type { StreamingDetector } from '../domain/anomaly/detector';
import { createForestMember, type CompositeDetector } from '../domain/anomaly/ensemble';
import { createGaussianWindowDetector } from '../domain/anomaly/gaussian-window';
import { deriveSeed } from '../domain/anomaly/rng';
import { calibrated, createStatEnsemble, createVigilEnsemble } from '../domain/anomaly/vigil-ensemble';
import { VigilError } from '../domain/errors';

/** The names `--detector` accepts. */
export const DETECTOR_KINDS = ['ensemble', 'iforest', 'lstm', 'stat', 'zscore'] as const;
/** One of DETECTOR_KINDS. */
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

type LstmFactory = (opts: { seed: number }) => StreamingDetector;

/**
 * The LSTM factory, or the reason it cannot be had (module missing, TensorFlow.js not installed).
 * Seeds are passed through; every other LSTM option keeps its module's default.
 */
export async function loadLstm(): Promise<{ create: LstmFactory } | { error: string }> {
  try {
    const { createLstmDetector } = await import('../activities/ml/lstm');
    return { create: (opts) => createLstmDetector(opts) };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

/** A built detector with the score at which it alarms and, for composites, where member scores come from. */
export interface BuiltDetector {
  detector: StreamingDetector;
  threshold: number;
  composite?: CompositeDetector;
  /** Said on stderr before scoring (e.g. that the ensemble runs without its LSTM member). */
  notes: string[];
}

/** Builds the named detector for points of `features` values. */
export async function buildDetector(kind: DetectorKind, opts: { seed: number; features: number }): Promise<BuiltDetector> {
  const composite = (d: CompositeDetector): BuiltDetector => ({ detector: d, threshold: d.threshold, composite: d, notes: [] });
  switch (kind) {
    case 'stat':
      return composite(createStatEnsemble(opts.features));
    case 'iforest':
      // The forest on values and their changes (see withChanges).
      return composite(calibrated(createForestMember(opts.seed)));
    case 'zscore':
      // The plain baseline, uncalibrated on purpose: what the others are measured against.
      return { detector: createGaussianWindowDetector(), threshold: ALARM_SCORE, notes: [] };
    case 'lstm': {
      const lstm = await loadLstm();
      if ('error' in lstm) throw new VigilError('unavailable', `the lstm detector is unavailable: ${lstm.error}`);
      return composite(calibrated(lstm.create({ seed: deriveSeed(opts.seed, 2) })));
    }
    case 'ensemble':
      return composite(createVigilEnsemble(opts.features));
  }
}
