import { proxyActivities } from '@temporalio/workflow';
import type { MlActivities, TrainResult } from '../activities/ml/types';

/** What one scheduled training run does: which task queue the ML workers poll, and how much history to use. */
export interface ModelTrainingInput {
  mlTaskQueue: string;
  lookbackMs: number;
  minWindows: number;
}

/**
 * Run by the `vigil-model-training` Schedule (visible in the Web UI, with catch-up after downtime):
 * trains a new model version for every service that reported windows in the lookback, one at a time
 * so a large fleet never floods the ML workers.
 */
export async function modelTrainingWorkflow(input: ModelTrainingInput): Promise<TrainResult[]> {
  const ml = proxyActivities<MlActivities>({
    taskQueue: input.mlTaskQueue,
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 3, initialInterval: '10s' },
  });
  const services = await ml.listTrainableServices({ sinceMs: input.lookbackMs });
  const results: TrainResult[] = [];
  for (const service of services) {
    results.push(await ml.trainServiceModel({ service, lookbackMs: input.lookbackMs, minWindows: input.minWindows }));
  }
  return results;
}
