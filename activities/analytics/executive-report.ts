import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { publicUrl } from '../../app/public-url';
import { loadDashboard } from '../../db/analytics/dashboard';
import type { ExecutiveDashboard } from '../../domain/analytics/dashboard';
import { executiveReportId, renderExecutiveReport } from '../../domain/analytics/executive-report';
import type { DashboardPeriod } from '../../domain/analytics/period';
import type { VigilConfig } from '../../domain/config';
import type { RenderedReport } from '../../domain/reports/rendered-report';
import type { Notifier } from '../notify/notifier';
import { deliverReportOnce, type ReportDelivery } from '../notify/report-delivery';

export interface ExecutiveReportDeps {
  pool: Pool;
  config: VigilConfig;
  channels: Record<string, Notifier>;
  logger: Logger;
}

/** Activities of the ExecutiveReport workflow: settings, one rendering, one ledgered delivery per channel. */
export interface ExecutiveReportActivities {
  /** The configured period and channels, read at run time so a config change applies to the next report. */
  loadExecutiveReportSettings(): Promise<{ period: DashboardPeriod; channels: string[] }>;
  /** The dashboard for the period ending at `endAt` (capped by the last rolled hour), rendered for channels. */
  renderExecutiveReport(input: { period: DashboardPeriod; endAt: number }): Promise<RenderedReport<ExecutiveDashboard>>;
  /** Sends the report to one channel through the notification ledger: once per report id and channel. */
  deliverExecutiveReport(input: { report: RenderedReport<ExecutiveDashboard>; channel: string }): Promise<ReportDelivery>;
}

export function createExecutiveReportActivities(deps: ExecutiveReportDeps): ExecutiveReportActivities {
  const { pool, config, logger } = deps;
  return {
    async loadExecutiveReportSettings() {
      const r = config.analytics.reports;
      return { period: r.period, channels: [...r.channels] };
    },
    async renderExecutiveReport({ period, endAt }) {
      const dashboard = await loadDashboard(pool, config, period, endAt, { endAt });
      // The id comes from the requested end, not the data's: a retry after more hours were rolled is the same report.
      // The link opens the console's executive page (a session), live rather than as of the report.
      const report = renderExecutiveReport(dashboard, { id: executiveReportId(period, endAt), url: `${publicUrl(config)}/exec?period=${period}` });
      logger.info({ report: report.id, status: report.status, period: report.period }, 'executive report rendered');
      return report;
    },
    async deliverExecutiveReport({ report, channel }) {
      const out = await deliverReportOnce(pool, config, deps.channels, channel, report);
      logger.info({ report: report.id, channel, duplicate: out.duplicate }, 'executive report delivered');
      return out;
    },
  };
}
