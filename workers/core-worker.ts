import { NativeConnection, Worker, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createNotifyActivities } from '../activities/notify';
import { createActionLinkBuilder } from '../activities/notify/action-links';
import { publicUrl } from '../app/public-url';
import { createStoreActivities } from '../activities/store';
import { createMonitorActivities } from '../activities/monitor';
import { createComplianceActivities } from '../activities/compliance';
import { createExecutiveReportActivities } from '../activities/analytics/executive-report';
import { createAnalyticsActivities } from '../activities/analytics';
import { createExperimentActivities } from '../activities/experiments';
import type { VigilConfig } from '../domain/config';
import { dispatchTaskQueue } from '../workflows/channel-dispatcher-messages';
import { createSilenceWatch } from '../db/silence-watch';
import { WorkerGroup } from './worker-group';
import { createActivityFailureTracker } from './interceptors/activity-failures';
import { buildNotifiers } from './channels';
import { WORKFLOWS_PATH, workflowBundlerOptions } from './workflow-bundle';

export interface CoreWorkerDeps {
  connection: NativeConnection;
  config: VigilConfig;
  pool: Pool;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** A prebuilt bundle (tests, benchmarks); otherwise workflows are bundled at start (about a second). */
  workflowBundle?: WorkflowBundleOption;
  /** Overrides of the core worker's slot settings (bench/tuning.ts compares them). */
  tuning?: CoreWorkerTuning;
}

/** The core worker's slots, as measured in bench/results/tuning.md. */
export type CoreWorkerTuning = Partial<Pick<WorkerOptions, 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions' | 'maxCachedWorkflows' | 'workflowThreadPoolSize'>>;

/**
 * Sends heartbeat every second and their heartbeat timeout is 5 s. The SDK would otherwise forward
 * only one heartbeat per 4 s (80 % of the timeout), leaving a busy event loop one second of slack
 * before a healthy send is declared dead and retried.
 */
const SEND_HEARTBEATS = { maxHeartbeatThrottleInterval: '1s' } as const;

/**
 * The `vigil-core` worker: incident, monitor and compliance-audit workflows plus their activities,
 * and the channel dispatchers on `<queue>-dispatch` beside them. Stateless; run as many as you like.
 */
export async function createCoreWorker(deps: CoreWorkerDeps): Promise<WorkerGroup> {
  const env = deps.env ?? process.env;
  const channels = buildNotifiers(deps.config, env, deps.logger);
  // Signed ack/resolve links need the same secret as the API that checks them; without it, mails carry no links.
  const links = env.VIGIL_ACTION_SECRET
    ? createActionLinkBuilder({ publicUrl: publicUrl(deps.config), secret: env.VIGIL_ACTION_SECRET, ttlMs: deps.config.incidents.actionLinkTtl })
    : undefined;
  // Both workers plan steps against one in-memory copy of the silences, kept current by Postgres.
  const silences = createSilenceWatch({ pool: deps.pool, logger: deps.logger });
  const notify = createNotifyActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger, silences, ...(links ? { links } : {}) });
  // One tracker for both workers: a send retried on the dispatch queue clears what the core queue recorded.
  const failures = createActivityFailureTracker({ pool: deps.pool, logger: deps.logger });
  const interceptors = { activity: [failures.interceptor] };
  const workflows = deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions() };
  const core = await Worker.create({
    connection: deps.connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    ...workflows,
    activities: {
      ...notify,
      ...createStoreActivities({ pool: deps.pool }),
      ...createMonitorActivities({ pool: deps.pool, config: deps.config, logger: deps.logger }),
      ...createComplianceActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger }),
      ...createAnalyticsActivities({ pool: deps.pool, config: deps.config }),
      ...createExecutiveReportActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger }),
      ...createExperimentActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger }),
    },
    // Enough for hundreds of open incidents in cache without replaying them on every timer.
    maxCachedWorkflows: 2000,
    maxConcurrentWorkflowTaskExecutions: 20,
    interceptors,
    ...SEND_HEARTBEATS,
    ...deps.tuning,
  });
  // A handful of long-lived dispatchers, each running a few sends at a time (MAX_IN_FLIGHT per channel).
  const dispatch = await Worker.create({
    connection: deps.connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: dispatchTaskQueue(deps.config.temporal.taskQueue),
    ...workflows,
    activities: notify,
    maxCachedWorkflows: 100,
    maxConcurrentWorkflowTaskExecutions: 4,
    interceptors,
    ...SEND_HEARTBEATS,
  });
  return new WorkerGroup([core, dispatch], () => silences.close());
}
