// Executive view: GET /v1/executive/dashboard (the figures) beside the estate's trend series and the
// traffic forecasts with their 80/95 % bands; the period is in the URL; the same report as Markdown.
import { api, el, fmtDelta, fmtDuration, fmtNum, fmtPct, fmtUsd, render, table } from '../lib.js';
import { chartBox, lineChart } from '../charts.js';

const PERIODS = ['24h', '7d', '30d', '90d'];

function card(label, value, delta, id) {
  return el('div', { class: 'card', id }, el('div', { class: 'muted' }, label), el('div', { class: 'value' }, value), el('div', { class: 'muted' }, delta));
}

function forecastChart(box, f) {
  const series = [{ label: 'forecast', values: f.point }];
  const bands = [];
  for (const b of [...f.bands].sort((a, c) => c.level - a.level)) {
    const pct = Math.round(b.level * 100);
    series.push({ label: `${pct} % upper`, values: b.upper, width: 1, dash: [3, 3] }, { label: `${pct} % lower`, values: b.lower, width: 1, dash: [3, 3] });
    bands.push({ upper: series.length - 2, lower: series.length - 1, alpha: pct >= 95 ? 0.12 : 0.22 });
  }
  return lineChart(box, { title: `Traffic forecast — ${f.service} (${f.method}${f.bands.length ? '' : `; ${f.note ?? 'no intervals'}`})`, x: f.t, series, bands });
}

export async function show() {
  const q = new URLSearchParams(location.search);
  const period = PERIODS.includes(q.get('period')) ? q.get('period') : '7d';
  const picker = el('select', { id: 'period', 'aria-label': 'Period' }, PERIODS.map((p) => el('option', { value: p, selected: p === period }, p)));
  picker.addEventListener('change', () => location.assign(`/exec?period=${picker.value}`));
  // The trend series first (a quick sum in Postgres), then the dashboard (seconds of work for a large
  // estate): asked together, the dashboard's CPU would hold the series' answer back too.
  const seriesP = api(`/console/data/exec-series?period=${period}`);
  const boxes = { satisfaction: chartBox('chart-satisfaction'), cost: chartBox('chart-cost-per-success'), sla: chartBox('chart-sla'), forecast: chartBox('chart-forecast') };
  const forecastPick = el('select', { id: 'forecast-service', 'aria-label': 'Forecast for service' });
  const range = el('span', { class: 'muted' });
  const figures = el('div', { id: 'figures' }, el('p', { class: 'muted' }, 'Computing the dashboard…'));
  render(
    el('div', { class: 'filters' },
      el('label', { for: 'period' }, 'Period'), picker,
      el('a', { href: `/console/data/exec-report.md?period=${period}`, download: `vigil-executive-${period}.md`, id: 'download-md' }, 'Download as Markdown'),
      // The browser's own PDF writer on the print stylesheet (console.css @media print): no PDF library, no CDN.
      el('button', { type: 'button', id: 'save-pdf', class: 'no-print', onclick: () => window.print() }, 'Save as PDF'),
      range),
    el('div', { class: 'cards', id: 'cards' }),
    el('div', { class: 'charts' }, boxes.satisfaction, boxes.cost, boxes.sla, el('div', {}, el('div', { class: 'filters' }, el('label', { for: 'forecast-service' }, 'Forecast for'), forecastPick), boxes.forecast)),
    figures,
  );
  const s = await seriesP;
  lineChart(boxes.satisfaction, { title: 'User satisfaction', x: s.t, series: [{ label: 'satisfaction', values: s.satisfaction }] });
  lineChart(boxes.cost, { title: 'Cost per successful answer (USD)', x: s.t, series: [{ label: 'cost / success', values: s.costPerSuccess }] });
  lineChart(boxes.sla, { title: 'SLA compliance', x: s.t, series: [{ label: 'compliance', values: s.slaCompliance }] });
  forecastPick.replaceChildren(...s.forecasts.map((f, i) => el('option', { value: String(i) }, f.service)));
  if (s.forecasts.length) {
    forecastChart(boxes.forecast, s.forecasts[0]);
    forecastPick.addEventListener('change', () => forecastChart(boxes.forecast, s.forecasts[Number(forecastPick.value)]));
  } else boxes.forecast.replaceChildren(el('h3', {}, 'Traffic forecast'), el('p', { class: 'muted' }, 'No forecast stored yet: the Forecast schedule makes them hourly.'));

  const d = await api(`/v1/executive/dashboard?period=${period}`);
  const e = d.executive_summary;
  const totalCost = d.services.reduce((a, x) => a + x.cost_usd, 0);
  const totalRequests = d.services.reduce((a, x) => a + x.requests, 0);
  range.textContent = `${d.period.from.slice(0, 16)} → ${d.period.to.slice(0, 16)} UTC`;
  document.getElementById('cards').replaceChildren(
    card('Health score', fmtNum(e.overall_health_score.value, 1), fmtDelta(e.overall_health_score.change, 1), 'card-health'),
    card('SLA compliance', fmtPct(e.sla_compliance_rate.value), fmtDelta(e.sla_compliance_rate.change === null ? null : e.sla_compliance_rate.change * 100, 2, ' pp'), 'card-sla'),
    card('Cost per query', fmtUsd(totalRequests ? totalCost / totalRequests : null), `${fmtNum(totalRequests)} queries, ${fmtUsd(totalCost, 2)}`, 'card-cost-query'),
    card('Cost per successful answer', fmtUsd(e.cost_efficiency_trend.value), fmtDelta(e.cost_efficiency_trend.change, 5, ' USD'), 'card-cost-success'),
    card('User satisfaction', fmtNum(e.user_satisfaction.value, 3), fmtDelta(e.user_satisfaction.change, 3), 'card-satisfaction'),
    card('MTTA / MTTR', `${fmtDuration(e.mtta_seconds.value)} / ${fmtDuration(e.mttr_seconds.value)}`, e.overall_health_score.worst_service ? `lowest health: ${e.overall_health_score.worst_service.service}` : '', 'card-mtta'));
  figures.replaceChildren(...[
    el('h2', {}, 'Business impact'),
    d.business_impact.figures.length
      ? el('ul', { id: 'impact' }, d.business_impact.figures.map((f) => el('li', {}, el('strong', {}, `${f.label}: ${fmtUsd(f.valueUsd, 2)}`), ` = ${f.formula}; assumptions: ${Object.entries(f.assumptions).map(([k, v]) => `${k} = ${v}`).join(', ')}`)))
      : el('p', { class: 'muted' }, 'No business assumptions configured (analytics.assumptions).'),
    d.business_impact.not_configured.length ? el('p', { class: 'muted' }, `Not shown: ${d.business_impact.not_configured.join('; ')}`) : null,
    el('h2', {}, 'Predictive insights'),
    d.predictive_insights.length ? el('ul', { id: 'insights' }, d.predictive_insights.map((i) => el('li', {}, `${i.text} `, el('span', { class: 'muted' }, `(${i.method})`)))) : el('p', { class: 'muted' }, 'No insights for this period.'),
    el('h2', {}, 'Recommendations'),
    d.recommendations.length ? el('ol', { id: 'recommendations' }, d.recommendations.map((r) => el('li', {}, el('strong', {}, `[P${r.priority}] ${r.title}`), ` — ${r.detail}`))) : el('p', { class: 'muted' }, 'None: every service is within its SLAs and budgets.'),
    el('h2', {}, 'Services'),
    table('Per service, worst health first', [
      { label: 'Service', value: (x) => el('a', { href: `/services/${encodeURIComponent(x.service)}` }, x.service) },
      { label: 'Health', value: (x) => fmtNum(x.health_score, 1), num: true },
      { label: 'Requests', value: (x) => fmtNum(x.requests), num: true },
      { label: 'Availability', value: (x) => fmtPct(x.availability), num: true },
      { label: 'SLA compliance', value: (x) => fmtPct(x.sla_compliance), num: true },
      { label: 'p95', value: (x) => `${fmtNum(x.p95_ms)} ms`, num: true },
      { label: 'Cost / success', value: (x) => fmtUsd(x.cost_per_successful_answer), num: true },
      { label: 'Budget left', value: (x) => fmtPct(x.error_budget_remaining, 1), num: true },
      { label: 'MTTA', value: (x) => fmtDuration(x.mtta_seconds), num: true },
      { label: 'MTTR', value: (x) => fmtDuration(x.mttr_seconds), num: true },
    ], d.services),
  ].filter(Boolean));
}
