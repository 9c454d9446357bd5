import type { ComplianceReport, RenderedReport } from './report';
import { sortRuleCounts, summaryLines } from './report';

const STATUS_LABEL = { pass: 'PASS', attention: 'ATTENTION', fail: 'FAIL' } as const;
const REGULATION_LABEL: Record<string, string> = { gdpr: 'GDPR', hipaa: 'HIPAA', sox: 'SOX', iso27001: 'ISO 27001' };

/** A section of the report, rendered the same way in Markdown and HTML. */
interface Section {
  heading: string;
  /** Shown when there are no rows. */
  empty: string;
  columns: string[];
  rows: string[][];
}

const day = (iso: string) => iso.slice(0, 10);

/** "Compliance report 2026-11-28 – 2026-11-29: PASS" */
export function reportTitle(r: ComplianceReport): string {
  return `Compliance report ${day(r.period.start)} – ${day(r.period.end)}: ${STATUS_LABEL[r.status]}`;
}

function sections(r: ComplianceReport): Section[] {
  const f = r.findings;
  return [
    {
      heading: 'Violations by rule',
      empty: 'No event in the period broke a rule.',
      columns: ['Rule', 'Clause', 'Severity', 'Events'],
      rows: sortRuleCounts(r.totals.byRule).map((x) => [x.rule, x.clause ?? '', x.severity ?? '', String(x.count)]),
    },
    {
      heading: 'Erasure requests past their deadline',
      empty: 'Every erasure request due in the period was honoured in time.',
      columns: ['Request event', 'Requested', 'Deadline', 'Deleted'],
      rows: f.overdueErasures.map((x) => [x.requestEventId, x.requestedAt, x.deadline, x.deletedAt ?? 'not yet']),
    },
    {
      heading: 'Retention expired without deletion',
      empty: 'No retention period ran out without a deletion.',
      columns: ['Event', 'System', 'Categories', 'Expired'],
      rows: f.retentionExpiries.map((x) => [x.eventId, x.system, x.categories.join(', '), x.expiredAt]),
    },
    {
      heading: 'Segregation-of-duty breaches',
      empty: 'No change was approved by the person who requested or made it.',
      columns: ['Ticket', 'Person', 'Events'],
      rows: f.segregationBreaches.map((x) => [x.ticketId, x.person, x.eventIds.join(', ')]),
    },
    {
      heading: 'Unusual access volume',
      empty: 'No actor accessed data far above their usual volume.',
      columns: ['Actor', 'Window start', 'Accesses', 'Usual (median)'],
      rows: f.unusualAccess.map((x) => [x.actorId, x.windowStart, String(x.count), String(x.median)]),
    },
  ];
}

function chainLines(r: ComplianceReport): string[] {
  const c = r.chain;
  const head = c.head ? `Chain head: entry ${c.head.seq}, hash ${c.head.hash}. Keep this line outside Vigil; \`vigil audit verify --expect ${c.head.seq}:${c.head.hash}\` later proves the entries up to it are unchanged.` : 'The audit trail is empty.';
  return c.ok
    ? [`Verified ${c.checked} entries and ${c.checkpoints} checkpoints: the audit trail is intact.`, head]
    : [`The audit trail FAILED verification at entry ${c.firstBad?.seq}: ${c.firstBad?.problem} (${c.firstBad?.detail}). Treat every entry from there on as untrusted and investigate who had database owner access.`];
}

const mdCell = (s: string) => s.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

/** The report as Markdown (GitHub-flavoured tables). */
export function renderMarkdown(r: ComplianceReport): string {
  const out = [
    `# ${reportTitle(r)}`,
    '',
    `Period ${r.period.start} – ${r.period.end} (${r.trigger === 'schedule' ? 'scheduled' : 'on demand'}), generated ${r.generatedAt}.`,
    `Regulations: ${r.regulations.map((x) => REGULATION_LABEL[x] ?? x).join(', ')}. Report id: \`${r.id}\`.`,
    '',
    '## Summary',
    '',
    ...summaryLines(r).map((l) => `- ${l}`),
    '',
    '## Audit trail integrity',
    '',
    ...chainLines(r),
  ];
  for (const s of sections(r)) {
    out.push('', `## ${s.heading}`, '');
    if (s.rows.length === 0) {
      out.push(s.empty);
      continue;
    }
    out.push(`| ${s.columns.join(' | ')} |`, `|${s.columns.map(() => ' --- ').join('|')}|`, ...s.rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`));
  }
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const STATUS_COLOUR = { pass: '#1a7f37', attention: '#9a6700', fail: '#cf222e' } as const;

/** The report as a self-contained HTML page (inline styles, so mail clients render it). */
export function renderHtml(r: ComplianceReport): string {
  const table = (s: Section) =>
    s.rows.length === 0
      ? `<p>${esc(s.empty)}</p>`
      : `<table style="border-collapse:collapse"><thead><tr>${s.columns.map((c) => `<th style="text-align:left;border-bottom:1px solid #999;padding:4px 8px">${esc(c)}</th>`).join('')}</tr></thead><tbody>${s.rows
          .map((row) => `<tr>${row.map((c) => `<td style="border-bottom:1px solid #ddd;padding:4px 8px">${esc(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
  const body = [
    `<h1>${esc(reportTitle(r))}</h1>`,
    `<p><strong style="color:${STATUS_COLOUR[r.status]}">${STATUS_LABEL[r.status]}</strong> · Period ${esc(r.period.start)} – ${esc(r.period.end)} (${r.trigger === 'schedule' ? 'scheduled' : 'on demand'}) · generated ${esc(r.generatedAt)}</p>`,
    `<p>Regulations: ${esc(r.regulations.map((x) => REGULATION_LABEL[x] ?? x).join(', '))}. Report id: <code>${esc(r.id)}</code>.</p>`,
    '<h2>Summary</h2>',
    `<ul>${summaryLines(r).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`,
    '<h2>Audit trail integrity</h2>',
    ...chainLines(r).map((l) => `<p>${esc(l).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`),
    ...sections(r).flatMap((s) => [`<h2>${esc(s.heading)}</h2>`, table(s)]),
  ];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(reportTitle(r))}</title></head><body style="font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em">\n${body.join('\n')}\n</body></html>\n`;
}

/** Everything a channel needs to deliver the report. */
export function renderReport(r: ComplianceReport, url?: string): RenderedReport {
  return { kind: 'compliance', id: r.id, title: reportTitle(r), period: r.period, status: r.status, summary: summaryLines(r), markdown: renderMarkdown(r), html: renderHtml(r), data: r, ...(url ? { url } : {}) };
}
