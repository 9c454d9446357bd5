// One entry point for snapshots of any detector: reads `kind` and hands over to that detector's restore.
// Composite detectors restore their members through this same entry point.
import { VigilError } from '../errors';
import { restoreChangepointDetector } from './changepoint';
import type { StreamingDetector } from './detector';
import { restoreDriftDetector } from './drift';
import { restoreEvidenceEnsemble } from './evidence';
import { restoreFlatlineDetector } from './flatline';
import { restoreGaussianWindowDetector } from './gaussian-window';
import { restoreIsolationForestDetector } from './isolation-forest-detector';
import { restoreSampledDetector } from './sampled';
import { restoreEnsembleDetector, restoreMaxDetector, restoreWithChanges } from './restore-composite';
import { restoreCusumDetector, restoreEwmaDetector, restoreRobustZDetector, restoreSeasonalDetector } from './statistical';

const RESTORERS: Record<string, (json: unknown) => StreamingDetector> = {
  'robust-z': restoreRobustZDetector,
  ewma: restoreEwmaDetector,
  cusum: restoreCusumDetector,
  seasonal: restoreSeasonalDetector,
  'isolation-forest': restoreIsolationForestDetector,
  zscore: restoreGaussianWindowDetector,
  changepoint: restoreChangepointDetector,
  flatline: restoreFlatlineDetector,
  drift: restoreDriftDetector,
  binomial: (json) => restoreSampledDetector('binomial', json),
  'sample-mean': (json) => restoreSampledDetector('sample-mean', json),
  ensemble: (json) => restoreEnsembleDetector(json, restoreDetector),
  max: (json) => restoreMaxDetector(json, restoreDetector),
  'with-changes': (json) => restoreWithChanges(json, restoreDetector),
  evidence: (json) => restoreEvidenceEnsemble(json, restoreDetector),
};

/** Rebuilds any detector from its toJSON() snapshot (JSON.parse'd or not); scores continue identically. */
export function restoreDetector(json: unknown): StreamingDetector {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  const restore = typeof kind === 'string' && Object.hasOwn(RESTORERS, kind) ? RESTORERS[kind] : undefined;
  if (!restore) throw new VigilError('invalid_input', `cannot restore a detector of kind ${JSON.stringify(kind)}; known: ${Object.keys(RESTORERS).join(', ')}`);
  return restore(json);
}
