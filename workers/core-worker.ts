import path from 'node:path';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createNotifyActivities } from '../activities/notify';
import { createActionLinkBuilder } from '../activities/notify/action-links';
import { publicUrl } from '../app/public-url';
import { createStoreActivities } from '../activities/store';
import { createMonitorActivities } from '../activities/monitor';
import { createComplianceActivities } from '../activities/compliance';
import type { VigilConfig } from '../domain/config';
import { buildNotifiers } from './channels';

export interface CoreWorkerDeps {
  connection: NativeConnection;
  config: VigilConfig;
  pool: Pool;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** A prebuilt bundle (tests, benchmarks); otherwise workflows are bundled at start (about a second). */
  workflowBundle?: WorkflowBundleOption;
}

/** The `vigil-core` worker: incident, monitor and compliance-audit workflows plus their activities. Stateless; run as many as you like. */
export async function createCoreWorker(deps: CoreWorkerDeps): Promise<Worker> {
  const env = deps.env ?? process.env;
  const channels = buildNotifiers(deps.config, env, deps.logger);
  // Signed ack/resolve links need the same secret as the API that checks them; without it, mails carry no links.
  const links = env.VIGIL_ACTION_SECRET
    ? createActionLinkBuilder({ publicUrl: publicUrl(deps.config), secret: env.VIGIL_ACTION_SECRET, ttlMs: deps.config.incidents.actionLinkTtl })
    : undefined;
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: path.join(__dirname, '..', 'workflows', 'index.ts') }),
    activities: {
      ...createNotifyActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger, ...(links ? { links } : {}) }),
      ...createStoreActivities({ pool: deps.pool }),
      ...createMonitorActivities({ pool: deps.pool, config: deps.config, logger: deps.logger }),
      ...createComplianceActivities({ pool: deps.pool, config: deps.config, channels, logger: deps.logger }),
    },
    // Enough for hundreds of open incidents in cache without replaying them on every timer.
    maxCachedWorkflows: 2000,
    maxConcurrentWorkflowTaskExecutions: 20,
  });
}
