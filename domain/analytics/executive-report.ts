// The weekly executive report: the dashboard as a report any channel can carry (the generic
// RenderedReport), with an id fixed by its period and end so every delivery of it is deduplicated.
import type { RenderedReport, ReportStatus } from '../reports/rendered-report';
import type { ExecutiveDashboard } from './dashboard';
import type { DashboardPeriod } from './period';
import { renderHtml, renderMarkdown } from './report-render';

/**
 * "executive-7d-20261207T0800Z": one id per period length and end, whichever run or retry makes it
 * (ISO basic format: no colons, so it is the same in Message-IDs, file names and URLs).
 */
export function executiveReportId(period: DashboardPeriod, endMs: number): string {
  if (!Number.isFinite(endMs)) throw new RangeError('an executive report needs a finite end time');
  return `executive-${period}-${new Date(endMs).toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
}

/** fail: something needs action now (a priority-1 recommendation); attention: anything else recommended; pass: nothing. */
export function executiveStatus(d: Pick<ExecutiveDashboard, 'recommendations'>): ReportStatus {
  if (d.recommendations.some((r) => r.priority === 1)) return 'fail';
  return d.recommendations.length > 0 ? 'attention' : 'pass';
}

const signed = (x: number | null, f: (v: number) => string) => (x === null ? '' : ` (${x >= 0 ? '+' : '−'}${f(Math.abs(x))} vs previous)`);

/** Short lines for chat channels: the four headline figures with their change, then what to do first. */
export function executiveSummaryLines(d: ExecutiveDashboard): string[] {
  const s = d.executive_summary;
  const h = s.overall_health_score;
  const lines = [
    `Health score: ${h.value === null ? 'no data' : `${h.value.toFixed(1)} / 100`}${signed(h.change, (x) => x.toFixed(1))}${h.worst_service ? `; lowest ${h.worst_service.service} (${h.worst_service.score.toFixed(1)})` : ''}`,
    `SLA compliance: ${s.sla_compliance_rate.value === null ? 'no data' : `${(s.sla_compliance_rate.value * 100).toFixed(2)} %`}${signed(s.sla_compliance_rate.change, (x) => `${(x * 100).toFixed(2)} pp`)}`,
    `Cost per successful answer: ${s.cost_efficiency_trend.value === null ? 'no data' : `$${s.cost_efficiency_trend.value.toFixed(4)}`}${signed(s.cost_efficiency_trend.change, (x) => `$${x.toFixed(4)}`)}`,
    `User satisfaction: ${s.user_satisfaction.value === null ? 'no data' : s.user_satisfaction.value.toFixed(3)}${s.user_satisfaction.trend ? `, ${s.user_satisfaction.trend.verdict} (p = ${s.user_satisfaction.trend.mannKendall.p.toFixed(3)})` : ''}`,
    `Requests: ${s.requests.value === null ? 'no data' : s.requests.value.toLocaleString('en-US')}`,
  ];
  const recs = d.recommendations;
  lines.push(recs.length === 0 ? 'Recommendations: none' : `Recommendations: ${recs.length}; first: ${recs[0]!.title}`);
  const up = d.capacity.filter((c) => c.kind === 'scale_up');
  if (up.length) lines.push(`Capacity: ${up.length} service${up.length === 1 ? '' : 's'} need more replicas; first: ${up[0]!.text}`);
  return lines;
}

/** The dashboard as a report ready for every channel (Markdown and HTML from report-render.ts). */
export function renderExecutiveReport(d: ExecutiveDashboard, o: { id: string; url?: string }): RenderedReport<ExecutiveDashboard> & { kind: 'executive' } {
  return {
    kind: 'executive',
    id: o.id,
    title: `Executive report (${d.period.name}) ${d.period.from.slice(0, 10)} – ${d.period.to.slice(0, 10)}`,
    period: { start: d.period.from, end: d.period.to },
    status: executiveStatus(d),
    summary: executiveSummaryLines(d),
    markdown: renderMarkdown(d),
    html: renderHtml(d),
    ...(o.url ? { url: o.url } : {}),
    data: d,
  };
}
