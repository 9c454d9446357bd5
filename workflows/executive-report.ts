import { log, proxyActivities } from '@temporalio/workflow';
import type { ExecutiveReportActivities } from '../activities/analytics/executive-report';
import type { DashboardPeriod } from '../domain/analytics/period';
import { scheduledTime } from './scheduled-time';

export interface ExecutiveReportInput {
  /** Default: analytics.reports.period. */
  period?: DashboardPeriod;
  /** ISO end of the period; default the Schedule's slot, else now. Same end, same report id. */
  endAt?: string;
  /** Default: analytics.reports.channels. */
  channels?: string[];
}

export interface ExecutiveReportResult {
  reportId: string;
  status: string;
  delivered: string[];
  /** Channels the ledger had already sent this report to (a re-run): not sent again. */
  alreadySent: string[];
  failedChannels: string[];
}

const reads = proxyActivities<ExecutiveReportActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});
const sends = proxyActivities<ExecutiveReportActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
});

/**
 * ExecutiveReport, run weekly by the `vigil-executive-report` Schedule (Monday 08:00 in the
 * configured zone by default) and on demand: renders the executive dashboard once and delivers that
 * rendering to every channel through the notification ledger, so each (report, channel) pair is sent
 * once however often the run is retried or repeated. One channel failing does not stop the others.
 */
export async function executiveReportWorkflow(input: ExecutiveReportInput = {}): Promise<ExecutiveReportResult> {
  const endAt = input.endAt ? Date.parse(input.endAt) : (scheduledTime() ?? Date.now());
  const settings = await reads.loadExecutiveReportSettings();
  const report = await reads.renderExecutiveReport({ period: input.period ?? settings.period, endAt });
  const channels = input.channels ?? settings.channels;
  const outcomes = await Promise.allSettled(channels.map((channel) => sends.deliverExecutiveReport({ report, channel })));
  const result: ExecutiveReportResult = { reportId: report.id, status: report.status, delivered: [], alreadySent: [], failedChannels: [] };
  outcomes.forEach((o, i) => {
    const channel = channels[i]!;
    if (o.status === 'rejected') {
      result.failedChannels.push(channel);
      log.warn('executive report not delivered', { channel, error: String(o.reason) });
    } else (o.value.duplicate ? result.alreadySent : result.delivered).push(channel);
  });
  return result;
}
