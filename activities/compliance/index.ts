import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { publicUrl } from '../../app/public-url';
import { auditHead } from '../../db/audit/head';
import { verifyAudit } from '../../db/audit/verify';
import { accessCounts, erasureEvents, eventTotals, retentionEvents, ticketEvents } from '../../db/compliance/events';
import { getReport, storeReport } from '../../db/compliance/reports';
import { deliverReportOnce, reportNotifier } from '../notify/report-delivery';
import { RULE_PACKS } from '../../domain/compliance/check';
import { complianceContextFrom, PROCESSING_ACTIONS } from '../../domain/compliance/event';
import { renderReport, reportTitle } from '../../domain/compliance/report-render';
import { summaryLines, type ComplianceReport, type RenderedReport, type ReportFindings } from '../../domain/compliance/report';
import { isAccessAction, overdueErasures, retentionExpiries, segregationOfDutyBreaches, unusualAccessFromCounts } from '../../domain/compliance/retrospective';
import type { VigilConfig } from '../../domain/config';
import type { Notifier } from '../notify/notifier';
import type { ComplianceActivities } from './types';

export interface ComplianceDeps {
  pool: Pool;
  config: VigilConfig;
  channels: Record<string, Notifier>;
  logger: Logger;
}

const DAY = 86_400_000;
// Erasure requests stay in every report until honoured; older than this they are out of scope.
const ERASURE_LOOKBACK_MS = 365 * DAY;

const RULES = new Map(Object.values(RULE_PACKS).flat().map((r) => [r.id, r]));

/** The URL of a stored report's HTML rendering (GET /v1/compliance/reports/:id.html). */
export function reportUrl(config: VigilConfig, id: string): string {
  return `${publicUrl(config)}/v1/compliance/reports/${encodeURIComponent(id)}.html`;
}

/** ComplianceAudit activities: read the trail, store the report, deliver it through the notification ledger. */
export function createComplianceActivities(deps: ComplianceDeps): ComplianceActivities {
  const { pool, config } = deps;
  const compliance = config.compliance;
  const ctx = complianceContextFrom(compliance);
  const accessActions = PROCESSING_ACTIONS.filter(isAccessAction);
  return {
    async loadAuditSettings() {
      return { regulations: [...compliance.regulations], channels: [...compliance.reports.channels] };
    },

    async verifyAuditChain() {
      // The head first, then verify up to it: appends during the check cannot make the two disagree.
      const head = await auditHead(pool);
      const r = await verifyAudit(pool, head ? { to: head.seq } : {});
      return { ok: r.ok, checked: r.checked, checkpoints: r.checkpoints, ...(head ? { head } : {}), ...(r.firstBad ? { firstBad: r.firstBad } : {}) };
    },

    async gatherComplianceFindings({ period }) {
      const from = Date.parse(period.start);
      const to = Date.parse(period.end);
      const range = { from: new Date(from), to: new Date(to) };
      const totals = await eventTotals(pool, range);
      const byRule = totals.byRule.map((x) => {
        const rule = RULES.get(x.rule);
        return rule ? { ...x, severity: rule.severity, clause: rule.clause } : x;
      });

      const erasures = overdueErasures(await erasureEvents(pool, { from: new Date(to - ERASURE_LOOKBACK_MS), to: range.to }), to, ctx)
        // Outstanding ones in every report until done; late ones once, in the period the deadline or deletion fell in.
        .filter((e) => !e.deletedAt || (Date.parse(e.deadline) > from) || (Date.parse(e.deletedAt) > from))
        .map(({ subjectId: _subject, ...rest }) => rest);
      const retention = await retentionEvents(pool, range);
      const { accessWindow: windowMs, accessFactor: factor } = compliance.reports;
      const counts = await accessCounts(pool, range, windowMs, accessActions);
      const findings: ReportFindings = {
        overdueErasures: erasures,
        retentionExpiries: retentionExpiries(retention.events, retention.deletions, { from, to }),
        segregationBreaches: segregationOfDutyBreaches(await ticketEvents(pool, range)),
        unusualAccess: unusualAccessFromCounts(counts, { windowMs, factor, firstWindow: Math.floor(from / windowMs), lastWindow: Math.floor((to - 1) / windowMs) }),
      };
      return { totals: { ...totals, byRule }, findings };
    },

    async storeComplianceReport({ report }) {
      const rendered = renderReport(report, reportUrl(config, report.id));
      const out = await storeReport(pool, { report, markdown: rendered.markdown, html: rendered.html });
      deps.logger.info({ report: report.id, status: report.status, stored: out.stored, period: report.period }, 'compliance report stored');
      return out;
    },

    async deliverComplianceReport({ reportId, channel }) {
      reportNotifier(deps.channels, channel);
      const stored = await getReport(pool, reportId);
      if (!stored) throw ApplicationFailure.create({ message: `compliance report ${reportId} is not stored`, type: 'report_missing', nonRetryable: true });
      const report: ComplianceReport = stored.report;
      // The stored renderings are what was audited; only the short parts are derived again.
      const rendered: RenderedReport = {
        kind: 'compliance',
        id: report.id,
        title: reportTitle(report),
        period: report.period,
        status: report.status,
        summary: summaryLines(report),
        markdown: stored.markdown,
        html: stored.html,
        data: report,
        url: reportUrl(config, reportId),
      };
      const out = await deliverReportOnce(pool, config, deps.channels, channel, rendered);
      deps.logger.info({ report: reportId, channel, duplicate: out.duplicate }, 'compliance report delivered');
      return out;
    },
  };
}
