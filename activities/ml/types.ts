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
