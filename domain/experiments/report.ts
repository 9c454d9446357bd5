// The experiment report: per variant, each metric's effect with its always-valid interval and a
// window-bootstrap interval (p95 included), guardrail verdicts, the SRM check, the power achieved so
// far per metric, and the decision with its reason. Built from what the workflow holds; rendered as Markdown for people.
import { bootstrapCi } from '../stats/bootstrap';
import { normalCdf, normalQuantile } from '../stats/normal';
import { twoSampleZPower } from '../stats/sample-size';
import { quantile } from '../latency-sketch';
import type { SrmResult } from '../stats/srm';
import type { ExperimentDefinition } from './definition';
import { meanEstimate, varianceBasis, type VarianceBasis } from './estimates';
import { p95DesignEffect } from './p95-design-effect';
import type { DecisionKind, LookState, MetricResult } from './evaluate';
import type { ExperimentMetric } from './metrics';
import type { ExperimentPlan } from './plan';
import type { VariantTotals } from './variant-window';

/** One window of one variant, reduced to what the bootstrap resamples (no sketch). */
export interface WindowPoint {
  /**
   * The window's own p95 latency (ms), one number instead of its sketch: the workflow keeps 1,000
   * windows per variant and a sketch is hundreds of buckets. Absent in windows kept before it existed.
   */
  p95?: number;
  requests: number;
  ok: number;
  qSum: number;
  qN: number;
  sSum: number;
  sN: number;
  cSum: number;
  cN: number;
}

export const windowPoint = (t: VariantTotals): WindowPoint => ({
  requests: t.requests,
  ok: t.ok,
  qSum: t.quality.sum,
  qN: t.quality.n,
  sSum: t.satisfaction.sum,
  sN: t.satisfaction.n,
  cSum: t.cost.sum,
  cN: t.cost.n,
  ...(t.latency.count > 0 ? { p95: quantile(t.latency, 0.95) } : {}),
});

export type ReportKind = 'start' | 'decision' | 'weekly' | 'manual';

export interface ReportMetric extends MetricResult {
  /**
   * Percentile bootstrap over windows of the relative effect (null with fewer than 5 windows a side).
   * For p95_latency the resampled statistic is the request-weighted mean of the windows' p95s (the
   * windows keep no sketch), so it brackets the typical window's p95 change, not the pooled p95's.
   */
  bootstrapCi: [number, number] | null;
  /**
   * Fixed-horizon power, at the units so far, to see the MDE (relative to control) on this metric at
   * the design's alpha: observed σ for mean metrics; for p95 the standard error read off the
   * bootstrap interval's width (normal approximation). Null when neither is available.
   */
  achievedPower: number | null;
}

export interface ExperimentReport {
  experiment: string;
  service: string;
  kind: ReportKind;
  look: number;
  decision: DecisionKind | 'stopped';
  why: string;
  srm: SrmResult | null;
  /** Which variance the mean metrics were tested with, and why (per unit by the delta method, or per request). */
  variance: string;
  /**
   * How the p95 sequence took a unit's correlated requests: per arm its design effect and why, or
   * per request; null without a p95 result.
   */
  p95Variance: string | null;
  plan: { perArm: number; total: number; expectedDays: number | null };
  /** Fixed-horizon power the units so far give for the MDE on the primary (observed σ); null for p95. */
  achievedPower: number | null;
  variants: Array<{ name: string; requests: number; exposures: number; stopped: string | null; metrics: ReportMetric[] }>;
}

/** The request-weighted mean of the windows' p95s (NaN when none has one). */
function meanWindowP95(ws: WindowPoint[]): number {
  let num = 0;
  let den = 0;
  for (const w of ws) {
    if (w.p95 === undefined || !(w.requests > 0)) continue;
    num += w.p95 * w.requests;
    den += w.requests;
  }
  return num / den;
}

/** Power to see a relative effect `mde` when the relative effect's standard error is `se` (two-sided z). */
export function powerFromSe(mde: number, se: number, alpha: number): number | null {
  if (!(se > 0) || !Number.isFinite(se)) return null;
  const z = normalQuantile(1 - alpha / 2);
  return normalCdf(mde / se - z) + normalCdf(-mde / se - z);
}

/** σ of a metric per sample behind it (per unit on a unit basis, so the clustering counts). */
const perSampleSd = (metric: Exclude<ExperimentMetric, 'p95_latency'>, e: { n: number; mean: number; varianceOfMean: number }, basis: VarianceBasis) =>
  metric === 'success_rate' && basis.kind === 'request' ? Math.sqrt(e.mean * (1 - e.mean)) : Math.sqrt(e.varianceOfMean * e.n);

/** Mean metric's achieved power: σ from control, n the smaller arm's samples (units on a unit basis) behind the metric. */
function meanMetricPower(metric: Exclude<ExperimentMetric, 'p95_latency'>, c: VariantTotals, t: VariantTotals, mde: number, alpha: number, basis: VarianceBasis): number | null {
  const ec = meanEstimate(metric, c, basis);
  const et = meanEstimate(metric, t, basis);
  const sd = perSampleSd(metric, ec, basis);
  const n = Math.min(ec.n, et.n);
  if (!(sd > 0) || !(n > 1) || !Number.isFinite(ec.mean)) return null;
  return twoSampleZPower((mde * Math.abs(ec.mean)) / sd, n, alpha);
}

/** The ratio statistic of a mean metric over resampled windows. */
function pointMean(metric: ExperimentMetric, ws: WindowPoint[]): number {
  let num = 0;
  let den = 0;
  for (const w of ws) {
    if (metric === 'quality') [num, den] = [num + w.qSum, den + w.qN];
    else if (metric === 'satisfaction') [num, den] = [num + w.sSum, den + w.sN];
    else if (metric === 'success_rate') [num, den] = [num + w.ok, den + w.requests];
    else if (metric === 'cost_per_query') [num, den] = [num + w.cSum, den + w.cN];
    else if (metric === 'cost_per_success') [num, den] = [num + w.cSum, den + w.ok];
  }
  return num / den;
}

export interface ReportInput {
  definition: ExperimentDefinition;
  plan: ExperimentPlan;
  kind: ReportKind;
  state: LookState;
  srm: SrmResult | null;
  results: Record<string, MetricResult[]>;
  totals: Record<string, VariantTotals>;
  windows: Record<string, WindowPoint[]>;
  /** Set when a person stopped the experiment. */
  stoppedBy?: string;
}

export function buildExperimentReport(i: ReportInput): ExperimentReport {
  const d = i.definition;
  const control = d.variants[0]!.name;
  const cw = i.windows[control] ?? [];
  const ct = i.totals[control];
  const basis = varianceBasis(d.unit, d.variants.flatMap((v) => (i.totals[v.name] ? [i.totals[v.name]!] : [])));
  let achievedPower: number | null = null;
  if (ct && d.primary !== 'p95_latency') {
    const primary = d.primary;
    const e = meanEstimate(primary, ct, basis);
    const sd = perSampleSd(primary, e, basis);
    const n = Math.min(...d.variants.map((v) => (i.totals[v.name] ? meanEstimate(primary, i.totals[v.name]!, basis).n : 0)));
    if (sd > 0 && n > 1) achievedPower = twoSampleZPower((d.mde * Math.abs(e.mean)) / sd, n, d.alpha);
  }
  const variants = d.variants.map((v) => {
    const t = i.totals[v.name];
    const tw = i.windows[v.name] ?? [];
    const metrics: ReportMetric[] = (i.results[v.name] ?? []).map((m) => {
      const metric = m.metric;
      let ci: [number, number] | null = null;
      if (cw.length >= 5 && tw.length >= 5) {
        const stat = metric === 'p95_latency' ? meanWindowP95 : (ws: WindowPoint[]) => pointMean(metric, ws);
        ci = bootstrapCi([tw, cw], ([rt, rc]) => stat(rt!) / stat(rc!) - 1, { resamples: 1000, seed: i.state.look });
        if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) ci = null;
      }
      let power: number | null = null;
      if (metric !== 'p95_latency') power = ct && t ? meanMetricPower(metric, ct, t, d.mde, d.alpha, basis) : null;
      else if (ci) power = powerFromSe(d.mde, (ci[1] - ci[0]) / (2 * normalQuantile(0.975)), d.alpha);
      return { ...m, bootstrapCi: ci, achievedPower: power };
    });
    return { name: v.name, requests: t?.requests ?? 0, exposures: t?.exposures ?? 0, stopped: i.state.stopped[v.name]?.why ?? null, metrics };
  });
  return {
    experiment: d.name,
    service: d.service,
    kind: i.kind,
    look: i.state.look,
    decision: i.stoppedBy ? 'stopped' : i.state.decision,
    why: i.stoppedBy ? `stopped by ${i.stoppedBy}: ${i.state.why}` : i.state.why,
    srm: i.srm,
    variance: basis.why,
    p95Variance: p95VarianceLine(i, basis),
    plan: { perArm: i.plan.perArm, total: i.plan.total, expectedDays: i.plan.expectedDays },
    achievedPower,
    variants,
  };
}

/**
 * The p95 line: what the last look used (results from before the design effect have none: per
 * request), with each arm's reason read off the same totals.
 */
function p95VarianceLine(i: ReportInput, basis: VarianceBasis): string | null {
  const control = i.definition.variants[0]!.name;
  const rows = Object.entries(i.results).flatMap(([v, ms]) => ms.filter((m) => m.metric === 'p95_latency').map((m) => ({ v, m })));
  if (rows.length === 0) return null;
  const corrected = rows.filter((r) => r.m.designEffect);
  if (corrected.length === 0) return 'per request (design effect 1: requests taken as independent)';
  const perUnit = corrected.every((r) => r.m.variance === 'unit');
  const arm = (name: string, deff: number) => {
    const t = i.totals[name];
    return `${name} ${deff.toFixed(2)}${t ? ` (${p95DesignEffect(t, basis).why})` : ''}`;
  };
  const arms = [arm(control, corrected[0]!.m.designEffect!.control), ...corrected.map((r) => arm(r.v, r.m.designEffect!.treatment))];
  return `${perUnit ? `per ${i.definition.unit}` : 'per request'}, design effect ${arms.join('; ')}`;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : '∞');
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** The report as Markdown (Slack, email, the CLI). */
export function renderExperimentMarkdown(r: ExperimentReport): string {
  const lines = [`# Experiment ${r.experiment} (${r.service}): ${r.decision.replace('_', ' ')}`, '', r.why, ''];
  const stopped = r.variants.some((v) => v.stopped);
  const phases = stopped ? `, df ${r.srm?.df ?? 0}: before and after each stop, each against the weights then in force` : '';
  lines.push(r.srm ? `Sample ratio: χ² ${r.srm.chi2.toFixed(2)}${phases}, p ${r.srm.p.toPrecision(3)}${r.srm.mismatch ? ' — MISMATCH, results withheld' : ' (ok)'}` : 'Sample ratio: not checked yet (too few units, or a variant stopped before the phases were kept)');
  lines.push(`Variance: ${r.variance}`);
  if (r.p95Variance) lines.push(`p95 variance: ${r.p95Variance}`);
  lines.push(`Plan: ${r.plan.perArm} units per arm, ${r.plan.total} in all${r.plan.expectedDays === null ? '' : `, about ${r.plan.expectedDays.toFixed(1)} days`}; look ${r.look}; achieved power ${r.achievedPower === null ? 'n/a' : pct(r.achievedPower)}`, '');
  if (r.srm?.mismatch) return lines.join('\n');
  for (const v of r.variants.slice(1)) {
    lines.push(`## ${v.name} vs ${r.variants[0]!.name} (${v.requests} vs ${r.variants[0]!.requests} requests)${v.stopped ? ` — stopped: ${v.stopped}` : ''}`, '');
    lines.push('| metric | role | control | variant | effect | always-valid CI | bootstrap CI | p | power | verdict |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const m of v.metrics) {
      const b = m.bootstrapCi ? `${pct(m.bootstrapCi[0])} … ${pct(m.bootstrapCi[1])}` : '—';
      const p = m.p === null ? '—' : (m.pAdjusted ?? m.p).toPrecision(3);
      const verdict = m.verdict ? `${m.verdict.replace('_', '-')} (margin ${pct(m.margin ?? 0)})` : m.significant ? 'significant' : '';
      const cuped = m.cuped ? ` (CUPED${m.cupedReduction === undefined ? '' : `, −${(m.cupedReduction * 100).toFixed(0)} % variance`})` : '';
      lines.push(`| ${m.metric}${cuped} | ${m.role} | ${fmt(m.control)} | ${fmt(m.treatment)} | ${pct(m.relative)} | ${pct(m.ci[0])} … ${pct(m.ci[1])} | ${b} | ${p} | ${m.achievedPower === null ? '—' : pct(m.achievedPower)} | ${verdict} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

