import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { VigilConfig } from '../domain/config';
import type { ModelTrainingInput } from '../workflows/model-training';

/** Schedule IDs Vigil owns. */
export const MODEL_TRAINING_SCHEDULE = 'vigil-model-training';

/**
 * Creates Vigil's Temporal Schedules if they do not exist (idempotent; an existing schedule is left
 * as an operator may have paused or tuned it in the UI). Catch-up covers a day of downtime.
 */
export async function ensureSchedules(client: Client, config: VigilConfig): Promise<string[]> {
  const created: string[] = [];
  if (config.anomalyDetection.enabled) {
    const a = config.anomalyDetection;
    try {
      await client.schedule.create({
        scheduleId: MODEL_TRAINING_SCHEDULE,
        spec: { intervals: [{ every: a.trainEvery }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'modelTrainingWorkflow',
          workflowId: 'model-training',
          taskQueue: config.temporal.taskQueue,
          args: [{ mlTaskQueue: config.temporal.mlTaskQueue, lookbackMs: a.lookback, minWindows: a.minWindows } satisfies ModelTrainingInput],
        },
        policies: { overlap: 'SKIP', catchupWindow: '1d', pauseOnFailure: false },
        memo: { summary: 'Trains per-service anomaly models from metric_windows' },
      });
      created.push(MODEL_TRAINING_SCHEDULE);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return created;
}
