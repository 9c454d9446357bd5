import type { WindowSummary } from '../../domain/window-summary';

/** What a model said about one window; `scored: false` when there is no model yet (or it was skipped). */
export interface AnomalyVerdict {
  scored: boolean;
  score: number;
  threshold: number;
  anomalous: boolean;
  modelVersion: number | null;
  anomalyClass?: 'performance' | 'security' | 'data_quality';
  features?: string[];
  recommendedActions?: string[];
  reason?: string;
  /** Which detector judged it, e.g. "ensemble (changepoint)": the ensemble and its most surprised specialist. */
  detector?: string;
  /** The ensemble's combined surprise, in decades (score × 10). */
  surprise?: number;
  /** The window's sequence number in the service's detector state (anomaly_detector_windows). */
  seq?: number;
  /** True when this window had been applied before (a retried activity) and this is the verdict it got then. */
  replayed?: boolean;
}

export interface TrainResult {
  service: string;
  version: number | null;
  windows: number;
  reason?: string;
}

/** CPU-heavy model work, on the `vigil-ml` task queue (its own workers), so it never delays escalation timers. */
export interface MlActivities {
  listTrainableServices(input: { sinceMs: number }): Promise<string[]>;
  trainServiceModel(input: { service: string; lookbackMs: number; minWindows: number }): Promise<TrainResult>;
  scoreWindow(input: { service: string; window: WindowSummary; previous?: WindowSummary }): Promise<AnomalyVerdict>;
}
