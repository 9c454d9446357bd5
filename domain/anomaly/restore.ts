// One entry point for snapshots of any detector: reads `kind` and hands over to that detector's restore.
import { VigilError } from '../errors';
import type { StreamingDetector } from './detector';
import { restoreIsolationForestDetector } from './isolation-forest-detector';
import { restoreCusumDetector, restoreEwmaDetector, restoreRobustZDetector, restoreSeasonalDetector } from './statistical';

const RESTORERS: Record<string, (json: unknown) => StreamingDetector> = {
  'robust-z': restoreRobustZDetector,
  ewma: restoreEwmaDetector,
  cusum: restoreCusumDetector,
  seasonal: restoreSeasonalDetector,
  'isolation-forest': restoreIsolationForestDetector,
};

/** Rebuilds any detector from its toJSON() snapshot (JSON.parse'd or not); scores continue identically. */
export function restoreDetector(json: unknown): StreamingDetector {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  const restore = typeof kind === 'string' && Object.hasOwn(RESTORERS, kind) ? RESTORERS[kind] : undefined;
  if (!restore) throw new VigilError('invalid_input', `cannot restore a detector of kind ${JSON.stringify(kind)}; known: ${Object.keys(RESTORERS).join(', ')}`);
  return restore(json);
}
