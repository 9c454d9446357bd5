// Incidents: a filterable list (status, service, severity, time; kept in the URL so a filter is a link) and MTTA/MTTR per service.
import { api, el, fmtDuration, fmtTime, render, table } from '../lib.js';

const SINCE = { '': 'any time', '24h': 'last 24 h', '7d': 'last 7 days', '30d': 'last 30 days' };
const SINCE_MS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const SEVERITIES = ['', 'critical', 'high', 'medium', 'low', 'info'];

function select(id, label, options, value) {
  return [el('label', { for: id }, label), el('select', { id, name: id }, Object.entries(options).map(([v, text]) => el('option', { value: v, selected: v === value }, text)))];
}

export async function show() {
  const q = new URLSearchParams(location.search);
  const f = { status: q.get('status') ?? 'open', service: q.get('service') ?? '', severity: q.get('severity') ?? '', since: q.get('since') ?? '' };
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter incidents' },
    el('div', {}, ...select('status', 'Status', { open: 'open', resolved: 'resolved', all: 'all' }, f.status)),
    el('div', {}, el('label', { for: 'service' }, 'Service'), el('input', { id: 'service', name: 'service', value: f.service, placeholder: 'any' })),
    el('div', {}, ...select('severity', 'Severity', Object.fromEntries(SEVERITIES.map((s) => [s, s || 'any'])), f.severity)),
    el('div', {}, ...select('since', 'Opened', SINCE, f.since)),
    el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const k of ['status', 'service', 'severity', 'since']) if (form.elements[k].value) next.set(k, form.elements[k].value);
    location.assign(`/incidents?${next}`);
  });
  const params = new URLSearchParams({ status: f.status, limit: '500' });
  if (f.service) params.set('service', f.service);
  const [list, stats] = await Promise.all([api(`/v1/incidents?${params}`), api('/console/data/incident-stats?days=30')]);
  const cutoff = f.since ? Date.now() - SINCE_MS[f.since] : 0;
  const rows = list.incidents.filter((i) => (!f.severity || i.severity === f.severity) && Date.parse(i.opened_at) >= cutoff);
  render(
    form,
    table(`${rows.length} incident${rows.length === 1 ? '' : 's'}`, [
      { label: 'Incident', value: (i) => el('a', { href: `/incidents/${encodeURIComponent(i.fingerprint)}` }, i.title) },
      { label: 'Service', value: (i) => i.service },
      { label: 'Severity', value: (i) => el('span', { class: `badge ${i.severity === 'critical' || i.severity === 'high' ? 'bad' : 'warn'}` }, i.severity) },
      { label: 'Status', value: (i) => i.status },
      { label: 'Opened', value: (i) => fmtTime(i.opened_at) },
      { label: 'Acknowledged by', value: (i) => i.acknowledged_by ?? '—' },
      { label: 'Occurrences', value: (i) => String(i.occurrences), num: true },
    ], rows, (i) => ({ 'data-incident': i.fingerprint })),
    el('h2', {}, `MTTA and MTTR per service (last ${stats.days} days)`),
    table('Mean time to acknowledge and to resolve', [
      { label: 'Service', value: (s) => el('a', { href: `/incidents?status=all&service=${encodeURIComponent(s.service)}` }, s.service) },
      { label: 'Incidents', value: (s) => String(s.incidents), num: true },
      { label: 'Open', value: (s) => String(s.open), num: true },
      { label: 'MTTA', value: (s) => fmtDuration(s.mttaSeconds), num: true },
      { label: 'MTTR', value: (s) => fmtDuration(s.mttrSeconds), num: true },
    ], stats.services),
  );
}
