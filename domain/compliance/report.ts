import type { Severity } from '../severity';
import { SEVERITY_RANK } from '../severity';
import type { RenderedReport as AnyRenderedReport, ReportPeriod, ReportStatus } from '../reports/rendered-report';
import type { Regulation } from './event';

export type { ReportPeriod, ReportStatus };

/** How `verifyAudit` judged the chain, plus the head an auditor can keep elsewhere and compare later. */
export interface ChainCheck {
  ok: boolean;
  checked: number;
  checkpoints: number;
  head?: { seq: number; hash: string };
  firstBad?: { seq: number; problem: string; detail: string };
}

/** Counts of checked events in the period, and which rules they broke. */
export interface EventTotals {
  events: number;
  compliant: number;
  byRule: Array<{ rule: string; count: number; severity?: Severity; clause?: string }>;
}

/** Retrospective findings; none holds a data subject id, so the report can be mailed and posted. */
export interface ReportFindings {
  overdueErasures: Array<{ requestEventId: string; requestedAt: string; deadline: string; deletedAt?: string }>;
  retentionExpiries: Array<{ eventId: string; system: string; categories: string[]; expiredAt: string }>;
  segregationBreaches: Array<{ ticketId: string; person: string; eventIds: string[] }>;
  unusualAccess: Array<{ actorId: string; windowStart: string; count: number; median: number }>;
}

/** One stored compliance report (row of `compliance_reports`, body as JSON). */
export interface ComplianceReport {
  /** The ComplianceAudit workflow id that made it: unique per scheduled or manual run. */
  id: string;
  trigger: 'schedule' | 'manual';
  period: ReportPeriod;
  generatedAt: string;
  regulations: Regulation[];
  status: ReportStatus;
  chain: ChainCheck;
  totals: EventTotals;
  findings: ReportFindings;
}

/**
 * A compliance report ready for channels (the generic shape with the stored report as its data); status
 * pass: nothing to act on; attention: findings to review; fail: the trail cannot be trusted or a deadline was missed.
 * The link is GET /v1/compliance/reports/:id.html.
 */
export type RenderedReport = AnyRenderedReport<ComplianceReport> & { kind: 'compliance'; data: ComplianceReport };

/** fail when the chain is broken or an erasure deadline passed; attention for any other finding or violation. */
export function reportStatus(r: Pick<ComplianceReport, 'chain' | 'totals' | 'findings'>): ReportStatus {
  if (!r.chain.ok || r.findings.overdueErasures.length > 0) return 'fail';
  const f = r.findings;
  const any = f.retentionExpiries.length + f.segregationBreaches.length + f.unusualAccess.length + (r.totals.events - r.totals.compliant);
  return any > 0 ? 'attention' : 'pass';
}

/** Rule counts ordered by severity, then count, then id, so the worst comes first in every rendering. */
export function sortRuleCounts(rows: EventTotals['byRule']): EventTotals['byRule'] {
  const rank = (s?: Severity) => (s ? SEVERITY_RANK[s] : -1);
  return [...rows].sort((a, b) => rank(b.severity) - rank(a.severity) || b.count - a.count || a.rule.localeCompare(b.rule));
}

/** The report period ending at `endMs` and lasting `periodMs`. */
export function periodEnding(endMs: number, periodMs: number): ReportPeriod {
  if (!Number.isFinite(endMs) || !(periodMs > 0)) throw new RangeError('a report period needs a finite end and a positive length');
  return { start: new Date(endMs - periodMs).toISOString(), end: new Date(endMs).toISOString() };
}

/** Short lines for chat channels and logs. */
export function summaryLines(r: ComplianceReport): string[] {
  const f = r.findings;
  const chain = r.chain.ok
    ? `Audit chain verified: ${r.chain.checked} entries${r.chain.head ? `, head #${r.chain.head.seq} ${r.chain.head.hash.slice(0, 16)}…` : ''}`
    : `Audit chain TAMPERED at entry ${r.chain.firstBad?.seq} (${r.chain.firstBad?.problem})`;
  return [
    chain,
    `Events checked: ${r.totals.events} (${r.totals.events - r.totals.compliant} with violations)`,
    `Erasure requests past deadline: ${f.overdueErasures.length}`,
    `Retention expired without deletion: ${f.retentionExpiries.length}`,
    `Segregation-of-duty breaches: ${f.segregationBreaches.length}`,
    `Unusual access volume: ${f.unusualAccess.length}`,
  ];
}
