import type { LatencySketch } from './latency-sketch';

/**
 * What a RAG service reports per window (default 10 s), aggregated in the client: counts, sums and a
 * mergeable latency sketch, so Temporal sees one signal per service per window, not one per request.
 * Plain JSON and free of zod: the ServiceMonitor workflow merges these.
 */
export interface WindowSummary {
  service: string;
  /**
   * Which reporter instance (replica) sent it: replicas of one service report windows with the same
   * start, which must add up, not be mistaken for re-sends. Absent means "the only source".
   */
  source?: string;
  /** Window start, epoch ms. */
  start: number;
  durationMs: number;
  /** Requests seen (successful or not). */
  count: number;
  /** Requests that failed (ok: false). */
  errors: number;
  latency: LatencySketch;
  qualitySum: number;
  qualityCount: number;
  costUsdSum: number;
  tokensSum: number;
  satisfactionSum: number;
  satisfactionCount: number;
  /** Samples the reporter lost (bad samples, a full queue, failed sends) since the last window: reported, never silent. */
  dropped: number;
}
