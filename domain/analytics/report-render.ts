// The executive dashboard as a Markdown or HTML report (`vigil exec report`, the weekly report).
import type { Delta, ExecutiveDashboard } from './dashboard';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (x: number | null, digits = 1, suffix = '') => (x === null ? '—' : `${x.toFixed(digits)}${suffix}`);
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const usd = (x: number | null, digits = 4) => (x === null ? '—' : `$${x.toFixed(digits)}`);
const signed = (x: number | null, f: (v: number) => string) => (x === null ? 'n/a' : `${x >= 0 ? '+' : '−'}${f(Math.abs(x))}`);
const dur = (s: number | null) => (s === null ? '—' : s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

/** Rows of the summary table: label, value, change vs the period before. */
function summaryRows(d: ExecutiveDashboard): Array<[string, string, string]> {
  const s = d.executive_summary;
  const sat = s.user_satisfaction.trend;
  const cost = s.cost_efficiency_trend.trend;
  const row = (label: string, v: Delta, show: (x: number | null) => string, change: (x: number) => string): [string, string, string] => [label, show(v.value), signed(v.change, change)];
  return [
    row('Overall health score', s.overall_health_score, (x) => num(x, 1, ' / 100'), (x) => x.toFixed(1)),
    row('SLA compliance (timeslices)', s.sla_compliance_rate, pct, (x) => `${(x * 100).toFixed(2)} pp`),
    row('Cost per successful answer', s.cost_efficiency_trend, (x) => usd(x), (x) => `$${x.toFixed(4)}`),
    row('User satisfaction', s.user_satisfaction, (x) => num(x, 3), (x) => x.toFixed(3)),
    row('Requests', s.requests, (x) => (x === null ? '—' : x.toLocaleString('en-US')), (x) => x.toLocaleString('en-US')),
    row('MTTA', s.mtta_seconds, dur, (x) => dur(x)),
    row('MTTR', s.mttr_seconds, dur, (x) => dur(x)),
    ['Satisfaction trend', sat ? `${sat.verdict} (${signed(sat.slope, (x) => x.toFixed(4))}/step, 95 % CI ${sat.low.toFixed(4)} … ${sat.high.toFixed(4)}, p = ${sat.mannKendall.p.toFixed(3)})` : 'too few points', ''],
    ['Cost per answer trend', cost ? `${cost.verdict} (${signed(cost.slope, (x) => `$${x.toFixed(5)}`)}/step, p = ${cost.mannKendall.p.toFixed(3)})` : 'too few points', ''],
  ];
}

export function renderMarkdown(d: ExecutiveDashboard): string {
  const lines = [`# Executive report — ${d.period.name}`, '', `${d.period.from} → ${d.period.to} (generated ${d.period.generated_at})`, '', '## Summary', '', '| | value | vs previous period |', '|---|---|---|'];
  for (const [a, b, c] of summaryRows(d)) lines.push(`| ${a} | ${b} | ${c} |`);
  const worst = d.executive_summary.overall_health_score.worst_service;
  if (worst) lines.push('', `Lowest health score: **${worst.service}** (${worst.score.toFixed(1)}).`);
  lines.push('', '## Business impact', '');
  if (!d.business_impact.figures.length) lines.push('No business assumptions configured (analytics.assumptions), so no impact figures are shown.');
  for (const f of d.business_impact.figures) lines.push(`- **${f.label}: $${f.valueUsd.toFixed(2)}** = ${f.formula}; assumptions ${JSON.stringify(f.assumptions)}; inputs ${JSON.stringify(f.inputs)}`);
  for (const n of d.business_impact.not_configured) lines.push(`- not shown: ${n}`);
  lines.push('', '## Recommendations', '');
  if (!d.recommendations.length) lines.push('None: every service is within its SLAs and budgets.');
  for (const r of d.recommendations) lines.push(`${r.priority}. **${r.title}** — ${r.detail}`);
  if (d.capacity.length) {
    lines.push('', '## Capacity (latest forecast run, ranked)', '', '| # | service | plan | replicas now → needed | peak (80 % bound) | per replica | from | cost / month |', '|---|---|---|---|---|---|---|---|');
    for (const c of d.capacity) lines.push(`| ${c.rank} | ${c.service} | ${c.kind.replace('_', ' ')} | ${c.currentReplicas} → ${c.replicasNeeded} | ${c.forecastPeakRps.toFixed(1)} req/s | ${c.perReplicaRps.toFixed(1)} req/s (${c.capacitySource === 'config' ? 'configured' : 'USL fit'}) | ${c.from ? c.from.slice(0, 10) : '—'} | ${c.monthlyCostDeltaUsd === null ? '—' : signed(c.monthlyCostDeltaUsd, (x) => `$${x.toFixed(2)}`)} |`);
  }
  if (d.predictive_insights.length) {
    lines.push('', '## Predictive insights', '');
    for (const i of d.predictive_insights) lines.push(`- ${i.text} (${i.method})`);
  }
  lines.push('', '## Services', '', '| service | health | requests | availability | SLA compliance | p95 | quality | cost / success | budget left | incidents |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const s of d.services) {
    lines.push(`| ${s.service} | ${num(s.health_score)} | ${s.requests.toLocaleString('en-US')} | ${pct(s.availability)} | ${pct(s.sla_compliance)} | ${num(s.p95_ms, 0, ' ms')} | ${num(s.quality, 3)} | ${usd(s.cost_per_successful_answer)} | ${pct(s.error_budget_remaining)} | ${s.incidents_opened} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderHtml(d: ExecutiveDashboard): string {
  const rows = summaryRows(d).map(([a, b, c]) => `<tr><th>${esc(a)}</th><td>${esc(b)}</td><td>${esc(c)}</td></tr>`).join('');
  const figures = d.business_impact.figures.map((f) => `<li><b>${esc(f.label)}: $${f.valueUsd.toFixed(2)}</b> = ${esc(f.formula)}; assumptions ${esc(JSON.stringify(f.assumptions))}</li>`).join('');
  const missing = d.business_impact.not_configured.map((n) => `<li>not shown: ${esc(n)}</li>`).join('');
  const recs = d.recommendations.map((r) => `<li><b>${esc(r.title)}</b> — ${esc(r.detail)}</li>`).join('') || '<li>None: every service is within its SLAs and budgets.</li>';
  const capacity = d.capacity
    .map((c) => `<tr><td>${c.rank}</td><td>${esc(c.service)}</td><td>${esc(c.kind.replace('_', ' '))}</td><td>${c.currentReplicas} → ${c.replicasNeeded}</td><td>${c.forecastPeakRps.toFixed(1)} req/s</td><td>${c.perReplicaRps.toFixed(1)} req/s (${c.capacitySource === 'config' ? 'configured' : 'USL fit'})</td><td>${c.from ? esc(c.from.slice(0, 10)) : '—'}</td></tr>`)
    .join('');
  const insights = d.predictive_insights.map((i) => `<li>${esc(i.text)} <small>(${esc(i.method)})</small></li>`).join('');
  const services = d.services
    .map((s) => `<tr><td>${esc(s.service)}</td><td>${num(s.health_score)}</td><td>${s.requests}</td><td>${pct(s.availability)}</td><td>${pct(s.sla_compliance)}</td><td>${num(s.p95_ms, 0, ' ms')}</td><td>${usd(s.cost_per_successful_answer)}</td><td>${pct(s.error_budget_remaining)}</td></tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Executive report — ${esc(d.period.name)}</title></head><body>
<h1>Executive report — ${esc(d.period.name)}</h1><p>${esc(d.period.from)} → ${esc(d.period.to)}</p>
<h2>Summary</h2><table><tr><th></th><th>value</th><th>vs previous period</th></tr>${rows}</table>
<h2>Business impact</h2><ul>${figures}${missing}</ul>
<h2>Recommendations</h2><ol>${recs}</ol>
${capacity ? `<h2>Capacity (latest forecast run, ranked)</h2><table><tr><th>#</th><th>service</th><th>plan</th><th>replicas now → needed</th><th>peak (80 % bound)</th><th>per replica</th><th>from</th></tr>${capacity}</table>` : ''}
${insights ? `<h2>Predictive insights</h2><ul>${insights}</ul>` : ''}
<h2>Services</h2><table><tr><th>service</th><th>health</th><th>requests</th><th>availability</th><th>SLA compliance</th><th>p95</th><th>cost / success</th><th>budget left</th></tr>${services}</table>
</body></html>
`;
}
