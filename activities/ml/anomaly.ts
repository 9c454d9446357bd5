import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { latestModel, saveModel, servicesWithWindows } from '../../db/anomaly-models';
import { serviceWindows } from '../../db/metric-windows';
import { classifyAnomaly } from '../../domain/anomaly/classify';
import { FEATURE_NAMES, windowFeatures } from '../../domain/anomaly/features';
import {
  deserializeModel,
  fitIsolationForest,
  scoreIsolationForest,
  serializeModel,
  type IsolationForestModel,
} from '../../domain/anomaly/isolation-forest';
import type { WindowSummary } from '../../domain/window-summary';
import type { MlActivities } from './types';

interface FeatureStats {
  median: number;
  scale: number;
}

interface LoadedModel {
  version: number;
  forest: IsolationForestModel;
  stats: FeatureStats[];
  loadedAt: number;
}

/** A feature this many robust standard deviations from its training median is a strong deviation… */
const STRONG_Z = 6;
/** …and this many of them at once make a window anomalous even when the forest alone would not say so. */
const STRONG_FEATURES = 2;

/** How long a worker trusts its cached copy of a service's model before looking for a newer version. */
const MODEL_CACHE_MS = 60_000;

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

/** Model training and scoring for the `vigil-ml` workers: per-service Isolation Forests over window features. */
export function createMlActivities(deps: { pool: Pool; logger: Logger; now?: () => number }): MlActivities {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, LoadedModel>();

  const load = async (service: string): Promise<LoadedModel | undefined> => {
    const cached = cache.get(service);
    if (cached && now() - cached.loadedAt < MODEL_CACHE_MS) return cached;
    const stored = await latestModel(deps.pool, service);
    if (!stored) return undefined;
    if (cached && cached.version === stored.version) return { ...cached, loadedAt: now() };
    const body = stored.model as { forest: unknown; stats: FeatureStats[] };
    const loaded = { version: stored.version, forest: deserializeModel(body.forest), stats: body.stats, loadedAt: now() };
    cache.set(service, loaded);
    return loaded;
  };

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

    async scoreWindow({ service, window, previous }: { service: string; window: WindowSummary; previous?: WindowSummary }) {
      const m = await load(service);
      if (!m) return { scored: false, score: 0, threshold: 1, anomalous: false, modelVersion: null, reason: 'no model trained for this service yet' };
      const f = finiteRow(windowFeatures(window, previous));
      const score = scoreIsolationForest(m.forest, Float64Array.from(f), f.length)[0]!;
      const deviations = f.map((x, i) => (x - m.stats[i]!.median) / m.stats[i]!.scale);
      // Two voices: the forest (odd combinations) and robust per-feature deviation (a big jump in a few
      // features, which a forest over many features isolates only slowly). Either one alarming suffices.
      const strongDeviations = deviations.filter((z) => Math.abs(z) >= STRONG_Z).length;
      const anomalous = score >= m.forest.threshold || strongDeviations >= STRONG_FEATURES;
      const c = classifyAnomaly([...FEATURE_NAMES], deviations);
      return {
        scored: true,
        score,
        threshold: m.forest.threshold,
        anomalous,
        modelVersion: m.version,
        anomalyClass: c.class,
        features: c.features,
        recommendedActions: c.recommended_actions,
      };
    },
  };
}
