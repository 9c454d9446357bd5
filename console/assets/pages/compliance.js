// Compliance: the audit chain (head, last verification), open compliance incidents, latest reports.
import { api, el, fmtTime, render, table } from '../lib.js';

export async function show() {
  const [audit, { reports }] = await Promise.all([api('/console/data/audit'), api('/v1/compliance/reports?limit=20')]);
  const v = audit.lastVerify;
  render(
    el('h2', {}, 'Audit chain'),
    el('dl', { class: 'facts', id: 'audit' },
      el('dt', {}, 'Head'), el('dd', {}, audit.head ? `#${audit.head.seq} ${audit.head.hash}` : 'empty trail'),
      el('dt', {}, 'Last verification'),
      el('dd', { class: v ? (v.ok ? 'ok' : 'bad') : 'muted' }, v ? `${v.ok ? 'intact' : `TAMPERED at entry ${v.firstBad?.seq}`}: ${v.checked} entries checked, ${fmtTime(v.generatedAt)} (report ${v.reportId})` : 'not verified yet (the ComplianceAudit schedule verifies it)')),
    el('h2', {}, 'Open compliance incidents'),
    audit.openComplianceIncidents.length
      ? table('Open compliance incidents', [
          { label: 'Incident', value: (i) => el('a', { href: `/incidents/${encodeURIComponent(i.id)}` }, i.title) },
          { label: 'Service', value: (i) => i.service },
          { label: 'Severity', value: (i) => i.severity },
          { label: 'Opened', value: (i) => fmtTime(i.openedAt) },
        ], audit.openComplianceIncidents)
      : el('p', { class: 'muted' }, 'None open.'),
    el('h2', {}, 'Reports'),
    reports.length
      ? table('Latest compliance reports', [
          { label: 'Report', value: (r) => el('a', { href: `/v1/compliance/reports/${encodeURIComponent(r.id)}.html` }, r.id) },
          { label: 'Status', value: (r) => el('span', { class: r.status === 'pass' ? 'ok' : 'bad' }, r.status) },
          { label: 'Generated', value: (r) => fmtTime(r.generatedAt) },
          { label: 'Markdown', value: (r) => el('a', { href: `/v1/compliance/reports/${encodeURIComponent(r.id)}.md` }, 'md') },
        ], reports)
      : el('p', { class: 'muted' }, 'No reports yet.'),
  );
}
