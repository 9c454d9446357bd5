// Production monitor: every service's SLA state, updated from the one live stream as windows arrive.
import { api, el, fmtNum, fmtPct, fmtTime, liveWindows, render } from '../lib.js';

const cell = (text, bad) => el('td', { class: `num${bad ? ' bad' : ''}` }, text);

/** One row; replaced whole when a new window for the service arrives. */
export function serviceRow(s) {
  const breach = (k) => s.breaches.includes(k);
  return el('tr', { 'data-service': s.service, 'data-at': String(s.at) },
    el('td', {}, el('a', { href: `/services/${encodeURIComponent(s.service)}` }, s.service)),
    el('td', {}, s.breaches.length ? el('span', { class: 'badge bad' }, `breach: ${s.breaches.join(', ')}`) : el('span', { class: 'badge ok' }, 'ok')),
    cell(`${fmtNum(s.p95Ms)} / ${fmtNum(s.thresholds.p95LatencyMs)} ms`, breach('latency')),
    cell(`${fmtPct(s.availability)} / ${fmtPct(s.thresholds.availability, 1)}`, breach('availability')),
    cell(`${fmtNum(s.quality, 2)} / ${fmtNum(s.thresholds.minQuality, 2)}`, breach('quality')),
    cell(s.burnRate === null ? '—' : `${s.burnRate.toFixed(1)}×`, s.burnRate !== null && s.burnRate > 1),
    cell(fmtPct(s.budgetRemaining, 1), s.budgetRemaining !== null && s.budgetRemaining < 0.1),
    cell(String(s.openIncidents), s.openIncidents > 0),
    el('td', {}, fmtNum(s.requests)),
    el('td', {}, fmtTime(s.at)));
}

export async function show() {
  const { services } = await api('/console/data/services');
  const status = el('p', { class: 'live', id: 'live-status', role: 'status' }, 'Live: waiting for the next window…');
  const body = el('tbody', { id: 'services-body' }, services.map(serviceRow));
  render(
    status,
    el('div', { class: 'table-wrap', tabindex: '0' }, el('table', {},
      el('caption', { class: 'muted' }, `${services.length} services reporting in the last day; values: current / threshold`),
      el('thead', {}, el('tr', {}, ['Service', 'State', 'p95', 'Availability', 'Quality', 'Burn rate', 'Error budget left', 'Open incidents', 'Requests', 'Window'].map((h) => el('th', { scope: 'col' }, h)))),
      body)),
  );
  liveWindows(({ services: updates, sentAt }) => {
    for (const s of updates) {
      const row = serviceRow(s);
      row.classList.add('flash');
      const old = body.querySelector(`tr[data-service="${CSS.escape(s.service)}"]`);
      if (old) {
        if (Number(old.dataset.at) > s.at) continue; // a late window does not replace a newer one
        old.replaceWith(row);
      } else body.append(row);
    }
    status.textContent = `Live: ${updates.length} service${updates.length === 1 ? '' : 's'} updated at ${fmtTime(Date.now())} (sent ${Date.now() - sentAt} ms ago)`;
    status.dataset.updated = String(Date.now());
  });
}
