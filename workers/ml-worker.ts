import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createMlActivities } from '../activities/ml/anomaly';
import { createForecastActivities } from '../activities/analytics/forecast';
import type { VigilConfig } from '../domain/config';
import { createActivityFailureTracker } from './interceptors/activity-failures';

/**
 * The `vigil-ml` worker: activities only (model training and scoring), on its own task queue so
 * CPU-heavy model work never delays escalation timers on `vigil-core`. Stateless; scale it apart.
 */
export async function createMlWorker(deps: { connection: NativeConnection; config: VigilConfig; pool: Pool; logger: Logger }): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.mlTaskQueue,
    activities: { ...createMlActivities({ pool: deps.pool, logger: deps.logger }), ...createForecastActivities({ pool: deps.pool, config: deps.config }) },
    // Training is CPU-bound: a couple at a time per process is plenty on small machines.
    maxConcurrentActivityTaskExecutions: 4,
    interceptors: { activity: [createActivityFailureTracker({ pool: deps.pool, logger: deps.logger }).interceptor] },
  });
}
