import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';
import type { ComplianceAuditInput, ComplianceAuditResult } from '../workflows/compliance-audit';

/** What an on-demand report needs. */
export interface OnDemandReport {
  periodMs: number;
  periodEnd?: string;
  deliver: boolean;
}

/** Whether any worker polls the core task queue; without one an audit would wait forever. */
export async function hasWorker(client: Client, config: VigilConfig): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (res.pollers?.length ?? 0) > 0;
}

/**
 * Runs one ComplianceAudit now (visible in the Web UI like the scheduled ones) and waits for it.
 * The workflow id doubles as the report id.
 */
export async function runComplianceAudit(client: Client, config: VigilConfig, req: OnDemandReport): Promise<ComplianceAuditResult> {
  if (!(await hasWorker(client, config))) {
    throw new VigilError('unavailable', `no Vigil worker polls task queue "${config.temporal.taskQueue}": start the stack (\`npm start\`) or a worker (\`vigil worker\`) first`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const workflowId = `compliance-report-${stamp}-${randomBytes(3).toString('hex')}`;
  const input: ComplianceAuditInput = { periodMs: req.periodMs, trigger: 'manual', deliver: req.deliver, ...(req.periodEnd ? { periodEnd: req.periodEnd } : {}) };
  const handle = await client.workflow.start('complianceAuditWorkflow', {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowExecutionTimeout: '1h',
  });
  return (await handle.result()) as ComplianceAuditResult;
}
