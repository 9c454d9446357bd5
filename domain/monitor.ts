// The ServiceMonitor's decisions, pure and zod-free (the workflow runs them): keep bounded recent
// state, judge every window against the SLA and the error budget, and turn verdicts into incident actions.
import { addToBurn, burnRates, emptyBurnState, type BurnAlert, type BurnState } from './burn-rate';
import { checkKey, stepHysteresis, type HysteresisState } from './hysteresis';
import { evaluateSla, type SlaCheck, type SlaReport } from './sla';
import type { ServiceSla } from './sla-config';
import type { Severity } from './severity';
import type { WindowSummary } from './window-summary';

/** What a violation needs to become an incident (a subset of domain/violation.ts Violation, kept zod-free). */
export interface MonitorViolation {
  service: string;
  kind: string;
  dimension: string;
  severity: Severity;
  title: string;
  current?: number;
  threshold?: number;
  unit?: string;
  impact?: string;
  labels: Record<string, string>;
  occurrenceId: string;
}

/** Raise (open, or add an occurrence to) an incident, or tell it its condition cleared. */
export type MonitorAction =
  | { type: 'raise'; violation: MonitorViolation }
  | { type: 'clear'; service: string; kind: string; dimension: string; reason: string };

/** Everything a monitor keeps: bounded, plain JSON, carried across continue-as-new. */
export interface MonitorState {
  service: string;
  /** Windows inside the evaluation window of the newest one, oldest first. */
  recent: WindowSummary[];
  burn: BurnState;
  hysteresis: HysteresisState;
  /** Burn-rate alert dimensions firing after the last window (so their incidents can be cleared). */
  burnFiring: string[];
  /** Keys (source@start) of recently seen windows: a re-sent window counts once, replicas' windows all count. */
  seen: string[];
  /** Start of the newest window the hysteresis stepped on: one step per time window, however many replicas report it. */
  steppedStart: number;
  lastReport: SlaReport | null;
  windowsTotal: number;
  droppedTotal: number;
  /** The class of the anomaly incident while one is open (its dimension). */
  anomalyClass?: string;
}

/** The seed's `{ sla_compliant, violations, compliance_score }` plus the monitor's view, for query, CLI and API. */
export interface MonitorStatus {
  service: string;
  sla_compliant: boolean;
  violations: SlaCheck[];
  compliance_score: number;
  report: SlaReport | null;
  openChecks: string[];
  burnFiring: string[];
  windows: number;
  droppedSamples: number;
}

const SEEN_LIMIT = 500;
const LABELS = { source: 'sla-monitor' };

/** A monitor that has seen nothing yet. */
export function emptyMonitorState(service: string): MonitorState {
  return { service, recent: [], burn: emptyBurnState(), hysteresis: {}, burnFiring: [], seen: [], steppedStart: -1, lastReport: null, windowsTotal: 0, droppedTotal: 0 };
}

interface Verdict {
  kind: string;
  dimension: string;
  severity: Severity;
  title: string;
  impact: string;
  current?: number | null;
  threshold?: number;
  unit?: string;
}

function toViolation(service: string, c: Verdict, windowStart: number): MonitorViolation {
  return {
    service,
    kind: c.kind,
    dimension: c.dimension,
    severity: c.severity,
    title: c.title,
    ...(c.current !== null && c.current !== undefined ? { current: c.current } : {}),
    ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
    ...(c.unit ? { unit: c.unit } : {}),
    impact: c.impact,
    labels: LABELS,
    // One occurrence per window and check: a replayed activity or a re-sent window counts once.
    occurrenceId: `monitor:${service}:${c.kind}:${c.dimension}:${windowStart}`,
  };
}

function burnViolation(service: string, a: BurnAlert, windowStart: number): MonitorViolation {
  return toViolation(service, { ...a, current: Math.round(a.burnShort * 10) / 10, threshold: a.threshold, unit: '×' }, windowStart);
}

/**
 * Takes one window: updates the rolling state, evaluates the SLA over the evaluation window and the
 * burn rates over theirs, and steps each check's hysteresis. Returns the actions to perform.
 */
export function ingestWindow(state: MonitorState, w: WindowSummary, sla: ServiceSla): { state: MonitorState; actions: MonitorAction[] } {
  const key = `${w.source ?? ''}@${w.start}`;
  if (state.seen.includes(key)) return { state, actions: [] };
  const recentAll = [...state.recent, w].sort((a, b) => a.start - b.start);
  const newest = recentAll[recentAll.length - 1]!;
  const horizon = newest.start + newest.durationMs - sla.evaluationWindow;
  const recent = recentAll.filter((x) => x.start >= horizon);
  const burn = addToBurn(state.burn, w, sla.p95LatencyMs);
  const report = evaluateSla(recent, sla);
  const actions: MonitorAction[] = [];
  let hysteresis = state.hysteresis;
  // Verdicts step once per time window: a second replica's window for the same start (or a late one)
  // only adds its data, or three replicas would open an incident three times as fast.
  const step = w.start > state.steppedStart;
  for (const c of step ? report.checks : []) {
    const step = stepHysteresis(hysteresis, checkKey(c.kind, c.dimension), c.breached, sla);
    hysteresis = step.state;
    if (step.decision === 'open' || step.decision === 'occurrence') actions.push({ type: 'raise', violation: toViolation(state.service, c, w.start) });
    if (step.decision === 'clear') {
      actions.push({ type: 'clear', service: state.service, kind: c.kind, dimension: c.dimension, reason: `${c.title.replace(/ [<>] .*/, '')} back within the SLA for ${sla.resolveAfter} windows` });
    }
  }
  const now = newest.start + newest.durationMs;
  const alerts = sla.burnRateAlerts && step ? burnRates(burn, now, sla.slo) : [];
  for (const a of alerts) actions.push({ type: 'raise', violation: burnViolation(state.service, a, w.start) });
  const firing = step ? alerts.map((a) => a.dimension as string) : state.burnFiring;
  for (const dim of state.burnFiring.filter((d) => !firing.includes(d))) {
    actions.push({ type: 'clear', service: state.service, kind: 'error_budget_burn', dimension: dim, reason: 'error budget no longer burning at this rate' });
  }
  return {
    state: {
      ...state,
      recent,
      burn,
      hysteresis,
      burnFiring: firing,
      seen: [...state.seen, key].slice(-SEEN_LIMIT),
      steppedStart: Math.max(state.steppedStart, w.start),
      lastReport: report,
      windowsTotal: state.windowsTotal + 1,
      droppedTotal: state.droppedTotal + w.dropped,
    },
    actions,
  };
}

/** The status a query, `vigil sla status` and the API show. */
export function monitorStatus(s: MonitorState): MonitorStatus {
  const r = s.lastReport;
  return {
    service: s.service,
    sla_compliant: r ? r.sla_compliant : true,
    violations: r ? r.violations : [],
    compliance_score: r ? r.compliance_score : 1,
    report: r,
    openChecks: Object.entries(s.hysteresis).filter(([, h]) => h.open).map(([k]) => k),
    burnFiring: s.burnFiring,
    windows: s.windowsTotal,
    droppedSamples: s.droppedTotal,
  };
}

/** How model verdicts become incidents (config `anomalyDetection`). */
export interface AnomalySettings {
  enabled: boolean;
  openAfter: number;
  resolveAfter: number;
}

/** A model's verdict on one window, as the monitor needs it (see activities/ml/types.ts). */
export interface ModelVerdict {
  scored: boolean;
  score: number;
  threshold: number;
  anomalous: boolean;
  modelVersion: number | null;
  anomalyClass?: string;
  features?: string[];
  recommendedActions?: string[];
  /** Which detector judged it (e.g. "ensemble (changepoint)"); absent from the earlier per-service model. */
  detector?: string;
}

const ANOMALY_KEY = checkKey('anomaly', 'model');

/**
 * Steps the anomaly check with its own hysteresis: an incident of kind `anomaly` (dimension = the
 * class) opens after `openAfter` anomalous windows in a row and clears after `resolveAfter` normal ones.
 */
export function applyModelVerdict(state: MonitorState, w: WindowSummary, v: ModelVerdict, settings: AnomalySettings): { state: MonitorState; actions: MonitorAction[] } {
  if (!v.scored) return { state, actions: [] };
  const { state: hysteresis, decision } = stepHysteresis(state.hysteresis, ANOMALY_KEY, v.anomalous, settings);
  const next = { ...state, hysteresis, anomalyClass: v.anomalous ? (v.anomalyClass ?? 'performance') : state.anomalyClass };
  const dimension = next.anomalyClass ?? 'performance';
  if (decision === 'open' || decision === 'occurrence') {
    const features = v.features?.length ? v.features.join(', ') : 'several metrics';
    const actions = v.recommendedActions?.length ? ` Recommended: ${v.recommendedActions.slice(0, 3).join('; ')}.` : '';
    return {
      state: next,
      actions: [
        {
          type: 'raise',
          violation: {
            service: state.service,
            kind: 'anomaly',
            dimension,
            severity: 'medium',
            title: `Anomalous behaviour (${dimension.replace('_', ' ')}): ${features} deviate from the learned normal`,
            current: Math.round(v.score * 1000) / 1000,
            threshold: Math.round(v.threshold * 1000) / 1000,
            unit: 'score',
            impact: `${v.detector ? `The ${v.detector}` : `Model v${v.modelVersion ?? '?'}`} scored this window ${v.score.toFixed(3)} (alarm at ${v.threshold.toFixed(3)}).${actions}`,
            labels: { ...LABELS, detector: v.detector ? 'ensemble' : 'isolation-forest' },
            occurrenceId: `monitor:${state.service}:anomaly:${w.source ?? ''}:${w.start}`,
          },
        },
      ],
    };
  }
  if (decision === 'clear') {
    return { state: next, actions: [{ type: 'clear', service: state.service, kind: 'anomaly', dimension, reason: `behaviour back to normal for ${settings.resolveAfter} windows` }] };
  }
  return { state: next, actions: [] };
}
