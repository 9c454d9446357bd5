/** What a report is about; it names the report in subjects, file names, webhook events and ledger keys. */
export type ReportKind = 'compliance' | 'executive' | 'experiment';

export const REPORT_KINDS: readonly ReportKind[] = ['compliance', 'executive', 'experiment'];

/** pass: nothing to act on; attention: something to review; fail: something is wrong and needs action now. */
export type ReportStatus = 'pass' | 'attention' | 'fail';

/** The stretch of time a report covers: start exclusive, end inclusive, both ISO 8601 UTC. */
export interface ReportPeriod {
  start: string;
  end: string;
}

/**
 * Any report ready for channels (compliance, executive, experiment): short summary lines for chat,
 * the Markdown and HTML renderings for mail and archives, and where to read it. Every channel's
 * `sendReport` takes this one shape, so every kind goes out the same way, through the ledger.
 */
export interface RenderedReport<Data = unknown> {
  kind: ReportKind;
  /** Unique per report of its kind (a workflow id or a period stamp): the ledger's and providers' dedup key. */
  id: string;
  title: string;
  period: ReportPeriod;
  status: ReportStatus;
  summary: string[];
  markdown: string;
  html: string;
  /** Link to the stored report, when the API's public URL is known. */
  url?: string;
  /** The structured report, for receivers that read data rather than text (the signed webhook). */
  data?: Data;
}

const KIND_LABEL: Record<ReportKind, string> = { compliance: 'Compliance report', executive: 'Executive report', experiment: 'Experiment report' };

/** "Compliance report", "Executive report", ... */
export const reportKindLabel = (kind: ReportKind): string => KIND_LABEL[kind];

/** "[Vigil] Executive report 2024-01-08–2024-01-15: ATTENTION" (one line, so it is a valid mail subject). */
export function reportSubject(report: Pick<RenderedReport, 'kind' | 'period' | 'status'>): string {
  const { start, end } = report.period;
  return `[Vigil] ${KIND_LABEL[report.kind]} ${start.slice(0, 10)}–${end.slice(0, 10)}: ${report.status.toUpperCase()}`;
}

/** "executive-report-<id>": a file name stem that keeps saved copies of different reports apart. */
export function reportFileBase(report: Pick<RenderedReport, 'kind' | 'id'>): string {
  return `${report.kind}-report-${report.id.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

/** The signed webhook's event name for a report: "compliance.report", "executive.report", ... */
export const reportWebhookEvent = (kind: ReportKind): `${ReportKind}.report` => `${kind}.report`;

/**
 * The notification-ledger key of one report on one channel: exactly one delivery per report per
 * channel, whoever retries it (an activity retry, a re-run of the schedule slot, a manual resend).
 */
export function reportLedgerKey(report: Pick<RenderedReport, 'kind' | 'id'>, channel: string): { workflowId: string; runId: string; step: string; target: string } {
  return { workflowId: `${report.kind}-report/${report.id}`, runId: report.id, step: 'report', target: channel };
}
