// Production monitor: every service's SLA state, updated from the one live stream as windows arrive.
import { api, el, fmtNum, fmtPct, fmtTime, liveWindows, render } from '../lib.js';

const cell = (text, bad) => el('td', { class: `num${bad ? ' bad' : ''}` }, text);
const rate = (x) => (x === null ? '—' : `${x.toFixed(1)}×`);

/**
 * The monitor's burn rules for one SLI as "long / short" per rule; a rule the monitor would fire now is marked.
 * `attr` names the firing rules (data-burn for availability, data-latency-burn for latency) for tests and styling.
 */
function burnCell(rules, attr, what) {
  if (!rules) return el('td', { class: 'num' }, '—');
  const firing = rules.filter((r) => r.firing);
  return el('td', { class: `num${firing.length ? ' bad' : ''}`, [attr]: firing.map((r) => r.rule).join(' ') || 'none', title: `${what}: long / short window burn per rule (fast 1 h/5 m, slow 6 h/30 m, ticket 3 d/6 h); alert when both reach the threshold` },
    rules.map((r, i) => el('span', { class: 'burn' }, `${i ? ' · ' : ''}${r.rule} ${rate(r.long)}/${rate(r.short)}${r.firing ? ' ≥ ' + r.threshold + '×' : ''}`)));
}

/** The anomaly monitor's latest verdict: its surprise (decades) and whether it called the window anomalous. */
function anomalyCell(a) {
  if (!a) return el('td', { class: 'muted' }, '—');
  if (!a.scored) return el('td', { class: 'muted', 'data-anomaly': 'unscored' }, 'not scored');
  const text = `${a.anomalous ? 'anomalous' : 'normal'} · surprise ${fmtNum(a.surprise, 1)}`;
  return el('td', { class: a.anomalous ? 'bad' : undefined, 'data-anomaly': a.anomalous ? 'anomalous' : 'normal', title: `${a.detector ?? ''} at ${fmtTime(a.at)}${a.anomalyClass ? ` (${a.anomalyClass})` : ''}` },
    a.anomalous ? el('span', { class: 'badge bad' }, text) : text);
}

export const SERVICE_COLUMNS = ['Service', 'State', 'p95', 'Availability', 'Quality', 'Availability burn (long/short)', 'Latency burn (long/short)', 'Error budget left', 'Anomaly', 'Open incidents', 'Requests', 'Window'];

/** One row; replaced whole when a new window for the service arrives. */
export function serviceRow(s) {
  const breach = (k) => s.breaches.includes(k);
  return el('tr', { 'data-service': s.service, 'data-at': String(s.at) },
    el('td', {}, el('a', { href: `/services/${encodeURIComponent(s.service)}` }, s.service)),
    el('td', {}, s.breaches.length ? el('span', { class: 'badge bad' }, `breach: ${s.breaches.join(', ')}`) : el('span', { class: 'badge ok' }, 'ok')),
    cell(`${fmtNum(s.p95Ms)} / ${fmtNum(s.thresholds.p95LatencyMs)} ms`, breach('latency')),
    cell(`${fmtPct(s.availability)} / ${fmtPct(s.thresholds.availability, 1)}`, breach('availability')),
    cell(`${fmtNum(s.quality, 2)} / ${fmtNum(s.thresholds.minQuality, 2)}`, breach('quality')),
    burnCell(s.burn?.rules, 'data-burn', 'failed requests'),
    burnCell(s.burn?.latency, 'data-latency-burn', 'answers over the p95 threshold'),
    cell(fmtPct(s.budgetRemaining, 1), s.budgetRemaining !== null && s.budgetRemaining < 0.1),
    anomalyCell(s.anomaly),
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
      el('thead', {}, el('tr', {}, SERVICE_COLUMNS.map((h) => el('th', { scope: 'col' }, h)))),
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
