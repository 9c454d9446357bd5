import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ComplianceActivities } from '../activities/compliance/types';
import { periodEnding, reportStatus, type ComplianceReport } from '../domain/compliance/report';
import { scheduledTime } from './scheduled-time';

/** One audit: how long a stretch it covers and, for on-demand runs, where it ends. */
export interface ComplianceAuditInput {
  periodMs: number;
  /** ISO time the period ends; default: the scheduled time (catch-up runs audit their own slot), else now. */
  periodEnd?: string;
  trigger?: ComplianceReport['trigger'];
  /** Deliver to the configured channels (default true); `vigil compliance report --no-deliver` turns it off. */
  deliver?: boolean;
}

export interface ComplianceAuditResult {
  reportId: string;
  status: ComplianceReport['status'];
  chainOk: boolean;
  delivered: string[];
  failedChannels: string[];
}

const reads = proxyActivities<ComplianceActivities>({
  // Verifying a long chain takes a while (about 150k entries/s); the rest are queries and an insert.
  startToCloseTimeout: '30m',
  retry: { initialInterval: '5s', maximumAttempts: 5 },
});
const sends = proxyActivities<ComplianceActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 8 },
});

/** A cron workflow's runs start a little after their slot; cron slots are whole minutes, so the minute is the slot. */
function cronSlot(): number | undefined {
  return workflowInfo().cronSchedule ? Math.floor(Date.now() / 60_000) * 60_000 : undefined;
}

/**
 * ComplianceAudit, run daily by the `vigil-compliance-audit` Schedule and on demand by
 * `vigil compliance report`: verifies the audit chain, runs the retrospective checks over the period,
 * stores the report (id = this workflow's id, so a retry never stores two) and delivers it.
 * One channel failing does not stop the others; the result lists it.
 */
export async function complianceAuditWorkflow(input: ComplianceAuditInput): Promise<ComplianceAuditResult> {
  const scheduled = scheduledTime();
  const end = input.periodEnd ? Date.parse(input.periodEnd) : (scheduled ?? cronSlot() ?? Date.now());
  const period = periodEnding(end, input.periodMs);
  const settings = await reads.loadAuditSettings();
  const chain = await reads.verifyAuditChain();
  const { totals, findings } = await reads.gatherComplianceFindings({ period });
  const partial = { chain, totals, findings };
  const info = workflowInfo();
  const report: ComplianceReport = {
    // Schedules give each run its own workflow id; a cron workflow (started by hand with cronSchedule) reuses one, so its period tells runs apart.
    id: info.cronSchedule ? `${info.workflowId}@${period.end}` : info.workflowId,
    trigger: input.trigger ?? (scheduled !== undefined ? 'schedule' : 'manual'),
    period,
    generatedAt: new Date(Date.now()).toISOString(),
    regulations: settings.regulations,
    status: reportStatus(partial),
    ...partial,
  };
  await reads.storeComplianceReport({ report });

  const delivered: string[] = [];
  const failedChannels: string[] = [];
  if (input.deliver !== false) {
    const outcomes = await Promise.allSettled(settings.channels.map((channel) => sends.deliverComplianceReport({ reportId: report.id, channel })));
    outcomes.forEach((o, i) => {
      const channel = settings.channels[i]!;
      if (o.status === 'fulfilled') delivered.push(channel);
      else {
        failedChannels.push(channel);
        log.warn('compliance report not delivered', { channel, error: String(o.reason) });
      }
    });
  }
  return { reportId: report.id, status: report.status, chainOk: chain.ok, delivered, failedChannels };
}
