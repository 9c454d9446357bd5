/**
 * The detectors `vigil detect` (and the evaluation) can run, built by name. The LSTM lives in
 * activities/ml and loads TensorFlow.js, so it is imported only when asked for.
 */
import { ALARM_SCORE } from '../domain/anomaly/calibration';
import type { StreamingDetector } from '../domain/anomaly/detector';
import { createForestMember, createStatDetector, defaultEnsemble, type CompositeDetector } from '../domain/anomaly/ensemble';
import { deriveSeed } from '../domain/anomaly/rng';
import { VigilError } from '../domain/errors';

/** The names `--detector` accepts. */
export const DETECTOR_KINDS = ['ensemble', 'iforest', 'lstm', 'stat'] as const;
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
  switch (kind) {
    case 'stat': {
      const d = createStatDetector(opts.features);
      return { detector: d, threshold: d.threshold, composite: d, notes: [] };
    }
    case 'iforest':
      // The ensemble's forest member exactly: values and their changes (see withChanges).
      return { detector: createForestMember(opts.seed), threshold: ALARM_SCORE, notes: [] };
    case 'lstm': {
      const lstm = await loadLstm();
      if ('error' in lstm) throw new VigilError('unavailable', `the lstm detector is unavailable: ${lstm.error}`);
      return { detector: lstm.create({ seed: deriveSeed(opts.seed, 2) }), threshold: ALARM_SCORE, notes: [] };
    }
    case 'ensemble': {
      const lstm = await loadLstm();
      const withLstm = 'error' in lstm ? undefined : lstm.create({ seed: deriveSeed(opts.seed, 2) });
      const d = defaultEnsemble(opts.seed, { features: opts.features, withLstm });
      const notes = 'error' in lstm ? [`ensemble runs without its lstm member (${lstm.error}): stat and iforest must both agree`] : [];
      return { detector: d, threshold: d.threshold, composite: d, notes };
    }
  }
}
