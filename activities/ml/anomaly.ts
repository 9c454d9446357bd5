import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { saveModel, servicesWithWindows } from '../../db/anomaly-models';
import { serviceWindows } from '../../db/metric-windows';
import { FEATURE_NAMES, windowFeatures } from '../../domain/anomaly/features';
import { fitIsolationForest, serializeModel } from '../../domain/anomaly/isolation-forest';
import type { MlActivities } from './types';
import { createWindowScoring } from './window-scoring';

interface FeatureStats {
  median: number;
  scale: number;
}

// Missing values (no quality scores, no traffic) read as 0 so a feature row is always complete.
const finiteRow = (f: number[]) => f.map((x) => (Number.isFinite(x) ? x : 0));

function median(sorted: number[]): number {
  const n = sorted.length;
  return n === 0 ? 0 : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Per-feature median and robust scale (1.4826 × MAD) of the training rows, to say which features deviate. */
function featureStats(rows: number[][]): FeatureStats[] {
  return FEATURE_NAMES.map((_, i) => {
    const col = rows.map((r) => r[i]!).sort((a, b) => a - b);
    const m = median(col);
    const mad = median(col.map((x) => Math.abs(x - m)).sort((a, b) => a - b));
    return { median: m, scale: 1.4826 * mad || Math.abs(m) * 0.1 || 1 };
  });
}

/**
 * The `vigil-ml` workers' anomaly activities. Scoring runs each service's evidence ensemble (the detector
 * `vigil detect` defaults to; window-scoring.ts). Training fits the per-service Isolation Forests the
 * ModelTraining schedule stores in anomaly_models; the monitor no longer scores with them.
 */
export function createMlActivities(deps: { pool: Pool; logger: Logger; now?: () => number }): MlActivities {
  const now = deps.now ?? Date.now;
  return {
    async listTrainableServices({ sinceMs }) {
      return servicesWithWindows(deps.pool, now() - sinceMs);
    },

    async trainServiceModel({ service, lookbackMs, minWindows }) {
      const windows = await serviceWindows(deps.pool, service, now() - lookbackMs);
      if (windows.length < minWindows) {
        return { service, version: null, windows: windows.length, reason: `only ${windows.length} windows (needs ${minWindows})` };
      }
      const rows = windows.slice(1).map((w, i) => finiteRow(windowFeatures(w, windows[i])));
      const d = FEATURE_NAMES.length;
      const forest = fitIsolationForest(Float64Array.from(rows.flat()), d, { trees: 100, sampleSize: 256, contamination: 0.01, seed: 1 });
      const version = await saveModel(deps.pool, {
        service,
        detector: 'isolation-forest',
        features: [...FEATURE_NAMES],
        model: { forest: serializeModel(forest), stats: featureStats(rows) },
        threshold: forest.threshold,
        trainingWindows: rows.length,
        trainedFrom: windows[0]!.start,
        trainedTo: windows[windows.length - 1]!.start,
      });
      deps.logger.info({ service, version, windows: rows.length }, 'anomaly model trained');
      return { service, version, windows: rows.length };
    },

    scoreWindow: createWindowScoring(deps),
  };
}
