// One look of an experiment, as a pure function of its definition, plan and per-variant totals:
// the sample-ratio gate, every metric's always-valid effect, guardrail verdicts and the decision.
// The workflow calls this after every window; the always-valid p-values carried in the state never
// rise, so looking after every window keeps the false-positive rate at alpha.
import { holmAdjust } from '../stats/tests';
import { alwaysValidHalfWidth, alwaysValidP } from '../stats/msprt';
import { quantileRatioSequence, tunedRho } from '../stats/quantile-cs';
import { srmTest, type SrmResult } from '../stats/srm';
import { quantile } from '../latency-sketch';
import type { ExperimentDefinition } from './definition';
import { cupedEstimates, meanEstimate, varianceBasis, type MeanEstimate, type VarianceBasis } from './estimates';
import { METRIC_DIRECTION, type ExperimentMetric } from './metrics';
import { p95DesignEffect } from './p95-design-effect';
import type { ExperimentPlan } from './plan';
import { srmAcrossStops, srmCounts, type SrmPhase, type StopSnapshot } from './srm-stops';
import type { VariantTotals } from './variant-window';

export type MetricRole = 'primary' | 'secondary' | 'guardrail';
export type GuardrailVerdict = 'breach' | 'non_inferior' | 'undetermined';
export type DecisionKind = 'keep_running' | 'ship' | 'stop_harm' | 'stop_futility' | 'withheld';

/** A metric's effect in one treatment against control; relative figures are fractions of control. */
export interface MetricResult {
  metric: ExperimentMetric;
  role: MetricRole;
  control: number;
  treatment: number;
  /** (treatment − control) / control. */
  relative: number;
  /** Always-valid confidence interval of `relative`. */
  ci: [number, number];
  /** Always-valid p-value (running minimum); null for p95 (a confidence sequence, not a p-value). */
  p: number | null;
  /** Holm-adjusted over the secondary metrics. */
  pAdjusted?: number;
  significant: boolean;
  /** Guardrails: whether the worsening is beyond the margin (breach), within it (non-inferior), or not yet known. */
  verdict?: GuardrailVerdict;
  margin?: number;
  cuped?: boolean;
  /** With CUPED: the share of the difference's variance the covariate removed. */
  cupedReduction?: number;
  /** Which variance the test used: per unit (mean metrics by the delta method; p95 through a design effect), or per request. */
  variance?: VarianceBasis['kind'];
  /** p95: each arm's design effect (1: requests taken as independent); absent in looks from before it. */
  designEffect?: { control: number; treatment: number };
}

export interface VariantStop {
  reason: 'harm' | 'futility' | 'guardrail' | 'manual';
  why: string;
  atLook: number;
}

/** What a workflow carries between looks. */
export interface LookState {
  look: number;
  /** variant → metric → running minimum of the always-valid p. */
  pValues: Record<string, Record<string, number>>;
  stopped: Record<string, VariantStop>;
  decision: DecisionKind;
  why: string;
}

export interface LookResult {
  state: LookState;
  srm: SrmResult | null;
  /** After a stop: the SRM phases the gate combined (before it, after it), each with its own weights. */
  srmPhases?: SrmPhase[];
  /** The variance the mean metrics were tested with, and why. */
  variance: VarianceBasis;
  /** variant → its metrics (treatments only). */
  results: Record<string, MetricResult[]>;
  /** Variants stopped at this look for a guardrail breach (each opens an incident). */
  breaches: Array<{ variant: string; metric: ExperimentMetric; why: string }>;
  /** True when this look reached a final decision. */
  final: boolean;
}

export const initialLookState = (): LookState => ({ look: 0, pValues: {}, stopped: {}, decision: 'keep_running', why: 'not enough data yet' });

const MIN_SAMPLES = 20;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Worsening of a relative change for a metric: positive is worse, whichever way the metric points. */
const worsening = (metric: ExperimentMetric, relative: number) => -METRIC_DIRECTION[metric] * relative;

function meanResult(
  metric: Exclude<ExperimentMetric, 'p95_latency'>,
  role: MetricRole,
  c: MeanEstimate,
  t: MeanEstimate,
  tau2: number,
  alpha: number,
  previousP: number,
): MetricResult | null {
  if (c.n < MIN_SAMPLES || t.n < MIN_SAMPLES || !(c.mean !== 0) || !Number.isFinite(c.varianceOfMean + t.varianceOfMean)) return null;
  const v = Math.max(c.varianceOfMean + t.varianceOfMean, 1e-300);
  const delta = t.mean - c.mean;
  const p = alwaysValidP(previousP, delta, v, tau2);
  const h = alwaysValidHalfWidth(v, tau2, alpha);
  const scale = Math.abs(c.mean);
  return { metric, role, control: c.mean, treatment: t.mean, relative: delta / scale, ci: [(delta - h) / scale, (delta + h) / scale], p, significant: p <= alpha };
}

function p95Result(role: MetricRole, c: VariantTotals, t: VariantTotals, alpha: number, plan: ExperimentPlan, basis: VarianceBasis | null): MetricResult | null {
  if (c.latency.count < MIN_SAMPLES || t.latency.count < MIN_SAMPLES) return null;
  const dc = basis ? p95DesignEffect(c, basis) : null;
  const dt = basis ? p95DesignEffect(t, basis) : null;
  const deff = { control: dc?.deff ?? 1, treatment: dt?.deff ?? 1 };
  const r = quantileRatioSequence(c.latency, t.latency, 0.95, alpha, tunedRho(Math.max(plan.perArm, 100), 0.95, alpha / 2), deff);
  const corrected = dc && dt ? { designEffect: deff, variance: dc.kind === 'unit' && dt.kind === 'unit' ? ('unit' as const) : ('request' as const) } : {};
  return {
    metric: 'p95_latency',
    role,
    control: c.latency.count ? quantileOf(c) : Number.NaN,
    treatment: t.latency.count ? quantileOf(t) : Number.NaN,
    relative: r.estimate - 1,
    ci: [r.lower - 1, r.upper - 1],
    p: null,
    significant: r.lower > 1 || r.upper < 1,
    ...corrected,
  };
}

const quantileOf = (t: VariantTotals) => quantile(t.latency, 0.95);

/** The always-valid test of one metric, with CUPED when every sample behind it had a covariate. */
function metricResult(
  metric: ExperimentMetric,
  role: MetricRole,
  c: VariantTotals,
  t: VariantTotals,
  tau2: number,
  alpha: number,
  previousP: number,
  plan: ExperimentPlan,
  basis: VarianceBasis,
  isPrimary: boolean,
  p95Deff: boolean,
): MetricResult | null {
  if (metric === 'p95_latency') return p95Result(role, c, t, alpha, plan, p95Deff ? basis : null);
  const cuped = cupedEstimates(metric, c, t, basis, isPrimary);
  const ce = cuped?.control ?? meanEstimate(metric, c, basis);
  const te = cuped?.treatment ?? meanEstimate(metric, t, basis);
  const out = meanResult(metric, role, ce, te, tau2, alpha, previousP);
  if (!out) return null;
  return cuped ? { ...out, cuped: true, cupedReduction: cuped.reduction, variance: basis.kind } : { ...out, variance: basis.kind };
}

/** How a look runs where histories recorded before a change must replay as they ran. */
export interface LookOptions {
  /** Widen the p95 sequence by each arm's design effect (default true; false for looks from before it). */
  p95DesignEffect?: boolean;
}

/**
 * One look: every active treatment against control (the first variant). `srmStops` (counts at each
 * stop) keeps the SRM gate on after a variant was stopped; without them (histories from before they
 * were kept) the gate is off once a variant is stopped, as it was then.
 */
export function evaluateLook(d: ExperimentDefinition, plan: ExperimentPlan, totals: Record<string, VariantTotals>, prev: LookState, srmStops?: readonly StopSnapshot[], options: LookOptions = {}): LookResult {
  const p95Deff = options.p95DesignEffect ?? true;
  const state: LookState = { ...prev, look: prev.look + 1, pValues: { ...prev.pValues }, stopped: { ...prev.stopped } };
  const names = d.variants.map((v) => v.name);
  const control = names[0]!;
  const ct = totals[control];
  const anyStopped = Object.keys(prev.stopped).length > 0;
  let srm: SrmResult | null = null;
  let srmPhases: SrmPhase[] | undefined;
  if (!anyStopped && names.every((n) => totals[n])) {
    const counts = names.map((n) => (totals[n]!.exposures > 0 ? totals[n]!.exposures : totals[n]!.requests));
    if (counts.every((c) => c > 0)) srm = srmTest(counts, d.variants.map((v) => v.weight));
  } else if (anyStopped && srmStops && Object.keys(prev.stopped).every((v) => srmStops.at(-1)?.stopped.includes(v))) {
    ({ srm, phases: srmPhases } = srmAcrossStops(d.variants, srmCounts(totals), srmStops));
  }
  const results: LookResult['results'] = {};
  const breaches: LookResult['breaches'] = [];
  const variance = varianceBasis(d.unit, names.flatMap((n) => (totals[n] ? [totals[n]] : [])));
  const extra = { ...(srmPhases ? { srmPhases } : {}), variance };
  if (srm?.mismatch) {
    state.decision = 'withheld';
    state.why = `sample-ratio mismatch (χ² ${srm.chi2.toFixed(1)}, p ${srm.p.toExponential(2)} < 0.001${srmPhases ? ', phases split at each stopped variant' : ''}): results withheld until the assignment or logging is fixed`;
    return { state, srm, ...extra, results, breaches, final: false };
  }
  if (!ct) return { state: { ...state, decision: 'keep_running', why: 'no control data yet' }, srm, ...extra, results, breaches, final: false };

  const treatments = names.slice(1);
  const primaryAlpha = d.alpha / treatments.length;
  const baselineMean = plan.baseline.mean;
  const ships: Array<{ variant: string; relative: number }> = [];
  for (const v of treatments) {
    const tt = totals[v];
    if (!tt || state.stopped[v]) continue;
    const prevP = state.pValues[v] ?? {};
    const nextP: Record<string, number> = { ...prevP };
    const list: MetricResult[] = [];
    const controlMean = (m: Exclude<ExperimentMetric, 'p95_latency'>) => {
      const e = meanEstimate(m, ct);
      return Number.isFinite(e.mean) && e.mean !== 0 ? Math.abs(e.mean) : baselineMean;
    };
    const test = (m: ExperimentMetric, role: MetricRole, relEffect: number, alpha: number) => {
      const tau2 = m === 'p95_latency' ? 0 : (relEffect * controlMean(m)) ** 2;
      const r = metricResult(m, role, ct, tt, tau2, alpha, prevP[`${role}:${m}`] ?? 1, plan, variance, role === 'primary', p95Deff);
      if (r?.p != null) nextP[`${role}:${m}`] = r.p;
      return r;
    };
    const primary = test(d.primary, 'primary', d.mde, primaryAlpha);
    if (primary) list.push(primary);
    const secondary = d.secondary.map((m) => test(m, 'secondary', d.mde, d.alpha)).filter((r): r is MetricResult => r !== null);
    const adjusted = holmAdjust(secondary.map((r) => r.p ?? 1));
    secondary.forEach((r, i) => list.push({ ...r, pAdjusted: adjusted[i]!, significant: r.p === null ? r.significant : adjusted[i]! <= d.alpha }));
    let breach: { metric: ExperimentMetric; why: string } | undefined;
    let allNonInferior = true;
    for (const g of d.guardrails) {
      const r = test(g.metric, 'guardrail', g.margin, d.alpha);
      if (!r) {
        allNonInferior = false;
        continue;
      }
      const [lo, hi] = [worsening(g.metric, r.ci[0]), worsening(g.metric, r.ci[1])].sort((a, b) => a - b) as [number, number];
      const verdict: GuardrailVerdict = lo > g.margin ? 'breach' : hi < g.margin ? 'non_inferior' : 'undetermined';
      if (verdict !== 'non_inferior') allNonInferior = false;
      if (verdict === 'breach' && !breach) {
        breach = { metric: g.metric, why: `${g.metric} is worse by ${pct(worsening(g.metric, r.relative))} (always-valid ${pct(1 - d.alpha)} interval ${pct(lo)} to ${pct(hi)}), beyond its ${pct(g.margin)} non-inferiority margin` };
      }
      list.push({ ...r, verdict, margin: g.margin });
    }
    state.pValues[v] = nextP;
    results[v] = list;
    const stop = (reason: VariantStop['reason'], why: string) => {
      state.stopped[v] = { reason, why, atLook: state.look };
    };
    if (breach) {
      stop('guardrail', `${v}: ${breach.why}`);
      breaches.push({ variant: v, metric: breach.metric, why: `${v}: ${breach.why}` });
      continue;
    }
    if (!primary) continue;
    const gain = -worsening(d.primary, primary.relative);
    const gainCi = [-worsening(d.primary, primary.ci[1]), -worsening(d.primary, primary.ci[0])].sort((a, b) => a - b) as [number, number];
    if (primary.significant && gain < 0) stop('harm', `${v}: ${d.primary} is worse by ${pct(-gain)} (interval ${pct(gainCi[0])} to ${pct(gainCi[1])} of improvement)`);
    else if (primary.significant && gain > 0 && allNonInferior) ships.push({ variant: v, relative: gain });
    else if (d.stopForFutility && gainCi[1] < d.mde) stop('futility', `${v}: ${d.primary} cannot reach the ${pct(d.mde)} MDE (improvement at most ${pct(gainCi[1])})`);
    // The plan counts units: per unit, the first exposures are the units (requests would stop a user experiment far too early).
    // Per request (and for windows from before per-unit sums, so their replay is unchanged) requests.
    else if (d.stopForFutility && (variance.kind === 'unit' ? Math.min(ct.exposures, tt.exposures) : Math.min(ct.requests, tt.requests)) >= 2 * plan.perArm) stop('futility', `${v}: no decision after twice the planned ${plan.perArm} units per arm`);
  }
  if (ships.length > 0) {
    const best = ships.reduce((a, b) => (b.relative > a.relative ? b : a));
    const guards = d.guardrails.length ? `, every guardrail non-inferior (${d.guardrails.map((g) => g.metric).join(', ')})` : '';
    return { state: { ...state, decision: 'ship', why: `ship ${best.variant}: ${d.primary} better by ${pct(best.relative)}${guards}` }, srm, ...extra, results, breaches, final: true };
  }
  const active = treatments.filter((v) => !state.stopped[v]);
  if (active.length === 0) {
    const stops = treatments.map((v) => state.stopped[v]!);
    const harmed = stops.some((s) => s.reason === 'harm' || s.reason === 'guardrail');
    return { state: { ...state, decision: harmed ? 'stop_harm' : 'stop_futility', why: stops.map((s) => s.why).join('; ') }, srm, ...extra, results, breaches, final: true };
  }
  const note = Object.values(state.stopped).map((s) => s.why);
  return { state: { ...state, decision: 'keep_running', why: ['no decision yet: the always-valid tests have not crossed', ...note].join('; ') }, srm, ...extra, results, breaches, final: false };
}
