import type { ChainCheck, ComplianceReport, EventTotals, ReportFindings, ReportPeriod } from '../../domain/compliance/report';

/** What one report run needs to know from the config, read by an activity so the workflow stays config-free. */
export interface AuditSettings {
  regulations: ComplianceReport['regulations'];
  channels: string[];
}

/** Activities of the ComplianceAudit workflow; all idempotent (reads, an insert-once, a ledgered send). */
export interface ComplianceActivities {
  loadAuditSettings(): Promise<AuditSettings>;
  /** Recomputes the whole hash chain and reads its head. */
  verifyAuditChain(): Promise<ChainCheck>;
  /** Totals and retrospective findings over the processing events of the period. */
  gatherComplianceFindings(input: { period: ReportPeriod }): Promise<{ totals: EventTotals; findings: ReportFindings }>;
  /** Renders the report (Markdown, HTML) and stores it once under its id. */
  storeComplianceReport(input: { report: ComplianceReport }): Promise<{ stored: boolean }>;
  /** Sends the stored report to one channel, at most once per (report, channel). */
  deliverComplianceReport(input: { reportId: string; channel: string }): Promise<{ detail: string; duplicate: boolean }>;
}
