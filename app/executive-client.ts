import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DashboardPeriod } from '../domain/analytics/period';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';
import type { ExecutiveReportInput, ExecutiveReportResult } from '../workflows/executive-report';
import { hasWorker } from './compliance-client';

/**
 * Runs one ExecutiveReport now (visible in the Web UI like the weekly ones) and waits for it. The
 * report id is the period and the minute it ends, so a second send within the same minute is the
 * same report and the ledger sends it to no channel twice.
 */
export async function sendExecutiveReport(client: Client, config: VigilConfig, req: { period: DashboardPeriod; channels?: string[] }): Promise<ExecutiveReportResult> {
  if (!(await hasWorker(client, config))) {
    throw new VigilError('unavailable', `no Vigil worker polls task queue "${config.temporal.taskQueue}": start the stack (\`npm start\`) or a worker (\`vigil worker\`) first`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const input: ExecutiveReportInput = { period: req.period, endAt: new Date().toISOString(), ...(req.channels ? { channels: req.channels } : {}) };
  const handle = await client.workflow.start('executiveReportWorkflow', {
    workflowId: `executive-report-manual-${stamp}-${randomBytes(3).toString('hex')}`,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowExecutionTimeout: '1h',
  });
  return (await handle.result()) as ExecutiveReportResult;
}
