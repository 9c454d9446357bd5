import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { appliedVerdict, loadCheckpoint, lockDetectorHead, recordWindow, resetDetector, type DetectorHead } from '../../db/anomaly-detector-state';
import { serviceWindows } from '../../db/metric-windows';
import type { EvidenceDetector } from '../../domain/anomaly/evidence';
import { restoreDetector } from '../../domain/anomaly/restore';
import { createWindowEnsemble, judgeWindow, windowPoint } from '../../domain/anomaly/window-scorer';
import type { WindowSummary } from '../../domain/window-summary';
import type { AnomalyVerdict } from './types';

/**
 * The ensemble's layout version: bump it when createWindowEnsemble's members or options change, so
 * stored snapshots of the old layout are relearned instead of restored into the wrong shape.
 */
export const DETECTOR_FORMAT = 2;
/** Windows between checkpoints: a snapshot (~100 KB, bench/results/false-pages.md) per this many windows, one small row per window. */
export const CHECKPOINT_EVERY = 360;
/** A service's first window warms its ensemble on this much stored history (≈ 4 h of 10 s windows)… */
const WARM_WINDOWS = 1_500;
/** …from at most this far back. */
const WARM_LOOKBACK_MS = 7 * 86_400_000;
/** Services whose ensembles a worker keeps in memory (≈ 0.4 MB each); the least recently used go. */
const CACHED_SERVICES = 500;

interface Cached {
  detector: EvidenceDetector;
  seq: number;
}

/**
 * Scores windows with each service's evidence ensemble, whose state is in Postgres: any vigil-ml worker
 * can score any service, and a worker that scored the service's last window keeps its detector in
 * memory. Idempotent per window (source@start): a retried activity gets the verdict the window got.
 */
export function createWindowScoring(deps: { pool: Pool; logger: Logger }) {
  const cache = new Map<string, Cached>();

  const warmStart = async (service: string, before: number): Promise<{ detector: EvidenceDetector; warmed: number }> => {
    const detector = createWindowEnsemble();
    const history = (await serviceWindows(deps.pool, service, before - WARM_LOOKBACK_MS, WARM_WINDOWS)).filter((w) => w.start < before);
    let previous: WindowSummary | undefined;
    for (const w of history) {
      detector.update(windowPoint(w, previous));
      previous = w;
    }
    return { detector, warmed: history.length };
  };

  return async function scoreWindow({ service, window, previous }: { service: string; window: WindowSummary; previous?: WindowSummary }): Promise<AnomalyVerdict> {
    const windowKey = `${window.source ?? ''}@${window.start}`;
    const c = await deps.pool.connect();
    // Taken out of the cache while it changes: if anything below throws, the next call reloads from Postgres.
    let cached = cache.get(service);
    cache.delete(service);
    try {
      await c.query('BEGIN');
      let head: DetectorHead = await lockDetectorHead(c, service, DETECTOR_FORMAT);
      const before = await appliedVerdict(c, service, windowKey);
      if (before !== undefined) {
        await c.query('COMMIT');
        if (cached) cache.set(service, cached);
        return { ...(before as AnomalyVerdict), replayed: true };
      }
      if (head.headT !== null && window.start < head.headT) {
        await c.query('COMMIT');
        if (cached) cache.set(service, cached);
        return { scored: false, score: 0, threshold: 1, anomalous: false, modelVersion: null, reason: `window of ${new Date(window.start).toISOString()} arrived after a later one; it is not learned out of time order` };
      }
      if (head.format !== DETECTOR_FORMAT) {
        head = await resetDetector(c, service, head, DETECTOR_FORMAT);
        cached = undefined;
      }
      let detector = cached && cached.seq === head.headSeq ? cached.detector : undefined;
      let warmed = 0;
      if (!detector && head.hasSnapshot) {
        const { snapshot, after } = await loadCheckpoint(c, service, head.checkpointSeq);
        try {
          detector = restoreDetector(JSON.parse(snapshot!)) as EvidenceDetector;
          for (const w of after) detector.update({ t: w.t, values: w.point });
        } catch (err) {
          // A state that cannot be read would fail every window of the service forever: relearn instead, and say so.
          deps.logger.warn({ service, err }, 'anomaly ensemble state unreadable; relearning from stored windows');
          head = await resetDetector(c, service, head, DETECTOR_FORMAT);
          detector = undefined;
        }
      }
      if (!detector) {
        ({ detector, warmed } = await warmStart(service, window.start));
        if (warmed > 0) deps.logger.info({ service, windows: warmed }, 'anomaly ensemble warmed on stored windows');
      }
      const point = windowPoint(window, previous);
      const j = judgeWindow(detector, point);
      const seq = head.headSeq + 1;
      const verdict: AnomalyVerdict = {
        scored: true,
        score: j.score,
        threshold: j.threshold,
        anomalous: j.anomalous,
        modelVersion: null,
        detector: `ensemble (${j.detector})`,
        surprise: j.surprise,
        seq,
        ...(j.anomalous ? { anomalyClass: j.anomalyClass, features: j.features, recommendedActions: j.recommendedActions } : {}),
      };
      const checkpoint = !head.hasSnapshot || seq - head.checkpointSeq >= CHECKPOINT_EVERY;
      await recordWindow(c, {
        service,
        seq,
        windowKey,
        t: window.start,
        point: point.values,
        verdict,
        ...(checkpoint ? { snapshot: JSON.stringify(detector.toJSON()) } : {}),
        previousCheckpoint: head.checkpointSeq,
      });
      await c.query('COMMIT');
      cache.set(service, { detector, seq });
      if (cache.size > CACHED_SERVICES) cache.delete(cache.keys().next().value!);
      return verdict;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  };
}
