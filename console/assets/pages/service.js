// One service: live SLA state (monitor query + the live stream), and charts of latency percentiles,
// availability, quality, cost and traffic with incident, anomaly and deploy markers on the time axis.
import { ApiError, api, el, fmtNum, fmtPct, fmtTime, liveWindows, render } from '../lib.js';
import { chartBox, lineChart } from '../charts.js';
import { SERVICE_COLUMNS, serviceRow } from './services.js';

const RANGES = { '6h': '6 hours', '24h': '24 hours', '7d': '7 days', '90d': '90 days' };

function monitorPanel(m) {
  if (!m) return el('p', { class: 'muted' }, 'No SLA monitor is running for this service (it starts with the first live window).');
  return el('dl', { class: 'facts', id: 'monitor' },
    el('dt', {}, 'SLA compliant'), el('dd', { class: m.sla_compliant ? 'ok' : 'bad' }, m.sla_compliant ? 'yes' : 'no'),
    el('dt', {}, 'Compliance score'), el('dd', {}, fmtPct(m.compliance_score, 1)),
    el('dt', {}, 'Violations'), el('dd', {}, m.violations.length ? m.violations.map((v) => v.title).join('; ') : 'none'),
    el('dt', {}, 'Burn-rate alerts firing'), el('dd', {}, m.burnFiring.length ? m.burnFiring.join(', ') : 'none'),
    el('dt', {}, 'Windows seen'), el('dd', {}, fmtNum(m.windows)));
}

export async function show(params) {
  const service = params.service;
  const q = new URLSearchParams(location.search);
  const range = RANGES[q.get('range')] ? q.get('range') : '6h';
  const picker = el('select', { id: 'range', 'aria-label': 'Time range' }, Object.entries(RANGES).map(([v, t]) => el('option', { value: v, selected: v === range }, t)));
  picker.addEventListener('change', () => location.assign(`?range=${picker.value}`));
  // The monitor's verdict (a Temporal query) fills its panel when it comes; the charts do not wait for it.
  const monitorBox = el('div', { id: 'monitor-box' }, el('p', { class: 'muted' }, 'Asking the SLA monitor…'));
  api(`/v1/services/${encodeURIComponent(service)}/sla`).then(
    (m) => monitorBox.replaceChildren(monitorPanel(m)),
    (err) => monitorBox.replaceChildren(err instanceof ApiError && err.status === 404 ? monitorPanel(null) : el('p', { class: 'error' }, `SLA monitor not reachable: ${err.message}`)),
  );
  const series = await api(`/console/data/services/${encodeURIComponent(service)}?range=${range}`);
  const liveBody = el('tbody', { id: 'live-row' });
  const boxes = { latency: chartBox('chart-latency'), availability: chartBox('chart-availability'), quality: chartBox('chart-quality'), cost: chartBox('chart-cost'), traffic: chartBox('chart-traffic') };
  render(
    el('div', { class: 'filters' }, el('label', { for: 'range' }, 'Range'), picker, el('a', { href: `/incidents?status=all&service=${encodeURIComponent(service)}` }, 'Incidents of this service')),
    el('h2', {}, 'Live state'),
    monitorBox,
    el('div', { class: 'table-wrap', tabindex: '0' }, el('table', {}, el('thead', {}, el('tr', {}, SERVICE_COLUMNS.map((h) => el('th', { scope: 'col' }, h)))), liveBody)),
    el('h2', {}, `Last ${RANGES[range]} (${series.source === 'windows' ? 'per window' : series.source === 'hourly' ? 'per hour' : 'per day'})`),
    series.t.length ? null : el('p', { class: 'muted' }, 'No data in this range.'),
    el('div', { class: 'charts' }, Object.values(boxes)),
  );
  const th = series.thresholds;
  const flat = (v) => series.t.map(() => v);
  const m = [...series.markers, ...series.anomalies.map((a) => ({ t: a.t, kind: 'anomaly', severity: 'anomaly', title: `anomaly (surprise ${fmtNum(a.surprise, 1)}${a.anomalyClass ? `, ${a.anomalyClass}` : ''})` })),
    ...series.deploys.map((d) => ({ t: d.t, kind: 'deploy', severity: 'deploy', version: d.version, title: `deployed ${d.version} at ${fmtTime(d.t * 1000)}${d.description ? ` (${d.description})` : ''}` }))];
  const charts = {
    latency: lineChart(boxes.latency, { title: 'Latency (ms)', x: series.t, markers: m, series: [{ label: 'p50', values: series.p50 }, { label: 'p95', values: series.p95 }, { label: 'p99', values: series.p99 }, { label: 'p95 SLA', values: flat(th.p95LatencyMs), dash: [6, 4] }] }),
    availability: lineChart(boxes.availability, { title: 'Availability', x: series.t, markers: m, series: [{ label: 'availability', values: series.availability }, { label: 'SLA', values: flat(th.availability), dash: [6, 4] }] }),
    quality: lineChart(boxes.quality, { title: 'Quality', x: series.t, markers: m, series: [{ label: 'quality', values: series.quality }, { label: 'minimum', values: flat(th.minQuality), dash: [6, 4] }] }),
    cost: lineChart(boxes.cost, { title: 'Cost (USD)', x: series.t, markers: m, series: [{ label: 'cost', values: series.cost }] }),
    traffic: lineChart(boxes.traffic, { title: 'Traffic (requests)', x: series.t, markers: m, series: [{ label: 'requests', values: series.requests }] }),
  };
  liveWindows(({ services }) => {
    for (const s of services.filter((x) => x.service === service)) {
      liveBody.replaceChildren(serviceRow(s));
      liveBody.dataset.updated = String(Date.now());
      if (series.source !== 'windows') continue;
      const t = s.at / 1000;
      // p50/p99 come with the next full read; the live feed carries the SLA figures.
      charts.latency.append(t, [null, s.p95Ms, null, th.p95LatencyMs]);
      charts.availability.append(t, [s.availability, th.availability]);
      charts.quality.append(t, [s.quality, th.minQuality]);
      charts.cost.append(t, [s.costUsd]);
      charts.traffic.append(t, [s.requests]);
    }
  });
  liveBody.append(el('tr', {}, el('td', { colspan: String(SERVICE_COLUMNS.length), class: 'muted' }, `waiting for the next window of ${service} (as of ${fmtTime(Date.now())})`)));
}
