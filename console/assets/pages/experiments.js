// Experiments: the list (/experiments) and one experiment (/experiments/:name) from the stored
// rows (console/experiments-data.ts); Pause / Resume / Stop go through the JSON API's own routes.
import { ApiError, api, el, fmtPct, fmtTime, render, table } from '../lib.js';

const split = (e) => e.variants.map((v) => `${v.name} ${v.percent} %${v.stopped ? ' (stopped)' : ''}`).join(' · ');
const SRM_TEXT = { ok: 'no mismatch', mismatch: 'mismatch: results withheld', unknown: 'not checked yet' };
// An infinite bound is stored as null (JSON has no Infinity): early on an interval can be open-ended.
const bound = (x, inf) => (x === null ? inf : fmtPct(x, 1));
const fmtCi = (ci) => `${bound(ci[0], '−∞')} to ${bound(ci[1], '+∞')}`;
const statusBadge = (status) => el('span', { class: `badge status-${status}`, 'data-status': status }, status);

async function showList() {
  const { experiments } = await api('/console/data/experiments');
  if (!experiments.length) return render(el('p', { class: 'muted' }, 'No experiments yet: `vigil experiments create` or POST /v1/experiments starts one.'));
  render(table(`${experiments.length} experiment${experiments.length === 1 ? '' : 's'}, newest first`, [
    { label: 'Name', value: (e) => el('a', { href: `/experiments/${encodeURIComponent(e.name)}` }, e.name) },
    { label: 'Service', value: (e) => e.service },
    { label: 'Status', value: (e) => statusBadge(e.status) },
    { label: 'Variants (split)', value: split },
    { label: 'Primary metric', value: (e) => e.primary },
    { label: 'Decision', value: (e) => e.decision },
    { label: 'SRM', value: (e) => SRM_TEXT[e.srm] },
  ], experiments, (e) => ({ 'data-experiment': e.name })));
}

/** The buttons an experiments:write user gets; each refusal is shown with the API's reason. */
function actions(e, result, redraw) {
  const over = e.status === 'stopped' || e.status === 'shipped';
  const button = (action, label, enabled) => {
    const b = el('button', { type: 'button', id: `experiment-${action}`, disabled: !enabled }, label);
    b.addEventListener('click', async () => {
      try {
        await api(`/v1/experiments/${encodeURIComponent(e.name)}/${action}`, { method: 'POST', body: {} });
        result.className = 'result ok';
        result.textContent = `${label}: done.`;
        await redraw();
      } catch (err) {
        result.className = 'result error';
        result.textContent = `Refused: ${err instanceof ApiError ? err.message : String(err)}`;
      }
    });
    return b;
  };
  // Buttons stay enabled whenever the experiment is not over, so a refusal (already paused, say) shows its reason.
  return el('p', { class: 'actions' }, button('pause', 'Pause', !over), ' ', button('resume', 'Resume', !over), ' ', button('stop', 'Stop', !over));
}

async function showOne(name) {
  const canWrite = document.body.dataset.canExperiment === 'true';
  const result = el('p', { class: 'result', role: 'status', id: 'experiment-result' });
  const body = el('div');
  async function draw() {
    const e = await api(`/console/data/experiments/${encodeURIComponent(name)}`);
    body.replaceChildren(
      el('dl', { class: 'facts' },
        el('dt', {}, 'Service'), el('dd', {}, e.service),
        el('dt', {}, 'Status'), el('dd', { id: 'experiment-status' }, statusBadge(e.status)),
        el('dt', {}, 'Variants (split)'), el('dd', {}, split(e)),
        el('dt', {}, 'Primary metric'), el('dd', {}, e.primary),
        el('dt', {}, 'Unit'), el('dd', {}, e.unit),
        el('dt', {}, 'Look'), el('dd', {}, String(e.look)),
        el('dt', {}, 'Decision'), el('dd', { id: 'experiment-decision' }, e.decision),
        el('dt', {}, 'Why'), el('dd', {}, e.why),
        el('dt', {}, 'SRM'), el('dd', { id: 'experiment-srm' }, SRM_TEXT[e.srm], e.srmDetail ? ` (χ² ${e.srmDetail.chi2.toFixed(2)}, p ${e.srmDetail.p.toPrecision(3)})` : ''),
        el('dt', {}, 'Created'), el('dd', {}, `${fmtTime(e.createdAt)} by ${e.createdBy}`)),
      canWrite ? actions(e, result, draw) : null,
      el('h2', {}, 'Effects'),
      e.metrics.length
        ? table('Relative change of each treatment against control, with its always-valid confidence interval', [
          { label: 'Variant', value: (m) => m.variant },
          { label: 'Metric', value: (m) => m.metric },
          { label: 'Role', value: (m) => m.role },
          { label: 'Effect', value: (m) => fmtPct(m.relative, 1), num: true },
          { label: 'CI', value: (m) => fmtCi(m.ci), num: true },
          { label: 'p', value: (m) => (m.p === null ? '—' : m.p.toPrecision(3)), num: true },
          { label: 'Significant', value: (m) => (m.significant ? 'yes' : 'no') },
        ], e.metrics, (m) => ({ 'data-metric': `${m.variant}/${m.metric}` }))
        : el('p', { class: 'muted' }, 'No look has produced results yet.'),
      el('h2', {}, 'Guardrails'),
      e.guardrails.length
        ? table('Each guardrail: the worsening tolerated and each treatment’s verdict', [
          { label: 'Metric', value: (g) => g.metric },
          { label: 'Margin', value: (g) => fmtPct(g.margin, 1), num: true },
          { label: 'Verdicts', value: (g) => (g.verdicts.length ? g.verdicts.map((v) => `${v.variant}: ${v.verdict.replace('_', '-')}`).join(', ') : 'no data yet') },
        ], e.guardrails, (g) => ({ 'data-guardrail': g.metric }))
        : el('p', { class: 'muted' }, 'No guardrails.'),
      el('h2', {}, 'Latest report'),
      e.latestReport
        ? el('section', { 'aria-label': 'Latest report' },
          el('p', { class: 'muted' }, `${e.latestReport.kind} report, look ${e.latestReport.look}, ${fmtTime(e.latestReport.createdAt)}`),
          el('pre', { class: 'report', tabindex: '0' }, e.latestReport.markdown))
        : el('p', { class: 'muted', id: 'no-report' }, 'No report yet.'));
  }
  await draw();
  render(el('p', {}, el('a', { href: '/experiments' }, 'All experiments')), result, body);
}

export async function show(params) {
  if (params.name) await showOne(params.name);
  else await showList();
}
