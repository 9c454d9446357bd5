import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { VigilConfig } from '../../domain/config';
import { reportLedgerKey, type RenderedReport } from '../../domain/reports/rendered-report';
import { withHeartbeat } from './heartbeat';
import { leaseFor } from './index';
import { sendOnceOrBusy } from './ledgered';
import type { Notifier } from './notifier';

/** What one report delivery did: the channel's line, and whether the ledger already had it (nothing sent again). */
export interface ReportDelivery {
  detail: string;
  duplicate: boolean;
}

/** The channel's notifier if it can carry a report; otherwise a non-retryable failure saying why. */
export function reportNotifier(channels: Record<string, Notifier>, channel: string): Notifier & Required<Pick<Notifier, 'sendReport'>> {
  const notifier = channels[channel];
  if (!notifier?.sendReport) {
    throw ApplicationFailure.create({
      message: notifier ? `channel "${channel}" (${notifier.type}) cannot carry a report` : `no channel named "${channel}" is configured on this worker`,
      type: 'delivery_config',
      nonRetryable: true,
    });
  }
  return notifier as Notifier & Required<Pick<Notifier, 'sendReport'>>;
}

/**
 * Sends any report (compliance, executive, experiment) to one channel through the notification
 * ledger, keyed by (kind, report id, channel): exactly once per report per channel across activity
 * retries, re-runs of a schedule slot and concurrent senders.
 */
export async function deliverReportOnce(pool: Pool, config: VigilConfig, channels: Record<string, Notifier>, channel: string, report: RenderedReport): Promise<ReportDelivery> {
  const notifier = reportNotifier(channels, channel);
  const out = await sendOnceOrBusy(pool, reportLedgerKey(report, channel), notifier.type, () => withHeartbeat(() => notifier.sendReport(report)), leaseFor(config, channel));
  return { detail: out.result.detail, duplicate: out.duplicate };
}
