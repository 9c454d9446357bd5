// One service's rollup for one slot, from its metric windows and incident facts. Pure: the
// activity reads rows, this computes, the activity writes; the tests check this against exact
// computation on generated windows.
import { quantile, type LatencySketch } from '../latency-sketch';
import { mergeAll } from './merge';
import type { ServiceSla } from '../sla-config';
import type { WindowSummary } from '../window-summary';
import { errorBudget } from './error-budget';
import { countTimeslices } from './timeslices';

/** Everything a rollup row holds (rollups_hourly / rollups_daily). */
export interface ServiceRollup {
  service: string;
  slotStart: number;
  requests: number;
  errors: number;
  availability: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  qualitySum: number;
  qualityCount: number;
  qualityAvg: number | null;
  satisfactionSum: number;
  satisfactionCount: number;
  satisfactionAvg: number | null;
  costUsd: number;
  tokens: number;
  costPerQuery: number | null;
  costPerSuccess: number | null;
  slicesJudged: number;
  slicesGood: number;
  slaCompliance: number | null;
  budgetConsumed: number | null;
  budgetRemaining: number | null;
  exhaustionHours: number | null;
  incidentsBySeverity: Record<string, number>;
  incidentsByKind: Record<string, number>;
  incidentsOpened: number;
  acks: number;
  ackSeconds: number;
  resolves: number;
  resolveSeconds: number;
  notificationsByChannel: Record<string, number>;
  complianceViolations: number;
  replicas: number;
  /** Metric windows rolled in (with requests, how a late window is recognised). */
  windows: number;
  sketch: LatencySketch;
}

/** What the projections know of one incident (epoch ms). */
export interface IncidentFact {
  severity: string;
  kind: string;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
}

/** The incident kind compliance violations are raised as (api/routes/processing-events.ts). */
export const COMPLIANCE_KIND = 'compliance';

/** Traffic and quality figures of a set of windows, with every sketch merged into one. */
export function windowTotals(windows: readonly WindowSummary[]) {
  const t = { requests: 0, errors: 0, qualitySum: 0, qualityCount: 0, satisfactionSum: 0, satisfactionCount: 0, costUsd: 0, tokens: 0 };
  const sources = new Set<string>();
  for (const w of windows) {
    t.requests += w.count;
    t.errors += w.errors;
    t.qualitySum += w.qualitySum;
    t.qualityCount += w.qualityCount;
    t.satisfactionSum += w.satisfactionSum;
    t.satisfactionCount += w.satisfactionCount;
    t.costUsd += w.costUsdSum;
    t.tokens += w.tokensSum;
    sources.add(w.source ?? '');
  }
  // Sketches of another accuracy cannot merge (mergeAll skips them); such a window still counts in the totals.
  return { ...t, sketch: mergeAll(windows.map((w) => w.latency)), replicas: windows.length ? sources.size : 0, windows: windows.length };
}

const ratio = (num: number, den: number) => (den > 0 ? num / den : null);
const finite = (n: number) => (Number.isFinite(n) ? n : null);

/** Derived figures (means, quantiles, unit costs) from sums; shared by hourly rows and combined periods. */
export function derive<T extends { requests: number; errors: number; qualitySum: number; qualityCount: number; satisfactionSum: number; satisfactionCount: number; costUsd: number; sketch: LatencySketch; slicesJudged: number; slicesGood: number }>(t: T) {
  return {
    availability: t.requests > 0 ? 1 - t.errors / t.requests : null,
    p50Ms: finite(quantile(t.sketch, 0.5)),
    p95Ms: finite(quantile(t.sketch, 0.95)),
    p99Ms: finite(quantile(t.sketch, 0.99)),
    qualityAvg: ratio(t.qualitySum, t.qualityCount),
    satisfactionAvg: ratio(t.satisfactionSum, t.satisfactionCount),
    costPerQuery: ratio(t.costUsd, t.requests),
    costPerSuccess: ratio(t.costUsd, t.requests - t.errors),
    slaCompliance: ratio(t.slicesGood, t.slicesJudged),
  };
}

/** Incidents opened in the slot by severity and kind, acks and resolutions that happened in it (MTTA/MTTR sums). */
export function incidentTotals(incidents: readonly IncidentFact[], slotStart: number, slotEnd: number) {
  const inSlot = (t: number | null) => t !== null && t >= slotStart && t < slotEnd;
  const out = { incidentsBySeverity: {} as Record<string, number>, incidentsByKind: {} as Record<string, number>, incidentsOpened: 0, acks: 0, ackSeconds: 0, resolves: 0, resolveSeconds: 0, complianceViolations: 0 };
  for (const i of incidents) {
    if (inSlot(i.openedAt)) {
      out.incidentsOpened++;
      out.incidentsBySeverity[i.severity] = (out.incidentsBySeverity[i.severity] ?? 0) + 1;
      out.incidentsByKind[i.kind] = (out.incidentsByKind[i.kind] ?? 0) + 1;
      if (i.kind === COMPLIANCE_KIND) out.complianceViolations++;
    }
    // Counted where the ack/resolve happened, so a closed hour's figures never change later.
    if (inSlot(i.acknowledgedAt)) {
      out.acks++;
      out.ackSeconds += (i.acknowledgedAt! - i.openedAt) / 1000;
    }
    if (inSlot(i.resolvedAt)) {
      out.resolves++;
      out.resolveSeconds += (i.resolvedAt! - i.openedAt) / 1000;
    }
  }
  return out;
}

/** What rolling one service's hour needs besides its windows. */
export interface HourContext {
  service: string;
  slotStart: number;
  slotMs: number;
  sla: ServiceSla;
  sliceMs: number;
  sloWindowMs: number;
  /** Requests and errors of the SLO window before this slot (from earlier hourly rollups). */
  priorRequests: number;
  priorErrors: number;
  incidents: readonly IncidentFact[];
  notificationsByChannel: Record<string, number>;
}

/** The hourly rollup of one service. */
export function rollHour(windows: readonly WindowSummary[], ctx: HourContext): ServiceRollup {
  const t = windowTotals(windows);
  const slices = countTimeslices(windows, ctx.sla, ctx.sliceMs);
  const budget = errorBudget({
    windowRequests: ctx.priorRequests + t.requests,
    windowErrors: ctx.priorErrors + t.errors,
    slotRequests: t.requests,
    slotErrors: t.errors,
    sloWindowMs: ctx.sloWindowMs,
    objective: ctx.sla.slo.availability,
  });
  const base = { ...t, slicesJudged: slices.judged, slicesGood: slices.good };
  return {
    service: ctx.service,
    slotStart: ctx.slotStart,
    ...base,
    ...derive(base),
    budgetConsumed: budget.consumed,
    budgetRemaining: budget.remaining,
    exhaustionHours: budget.exhaustionHours,
    ...incidentTotals(ctx.incidents, ctx.slotStart, ctx.slotStart + ctx.slotMs),
    notificationsByChannel: ctx.notificationsByChannel,
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/**
 * Rollups of consecutive slots as one (hours into a day, days into a period): sums add, sketches
 * merge, means and quantiles are recomputed; the budget is the latest slot's (it is "as of" a time).
 */
export function combineRollups(service: string, slotStart: number, parts: readonly ServiceRollup[]): ServiceRollup {
  const sorted = [...parts].sort((a, b) => a.slotStart - b.slotStart);
  const sums = { requests: 0, errors: 0, qualitySum: 0, qualityCount: 0, satisfactionSum: 0, satisfactionCount: 0, costUsd: 0, tokens: 0, slicesJudged: 0, slicesGood: 0, incidentsOpened: 0, acks: 0, ackSeconds: 0, resolves: 0, resolveSeconds: 0, complianceViolations: 0, windows: 0 };
  const bySeverity: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const byChannel: Record<string, number> = {};
  let replicas = 0;
  for (const p of sorted) {
    for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += p[k];
    addCounts(bySeverity, p.incidentsBySeverity);
    addCounts(byKind, p.incidentsByKind);
    addCounts(byChannel, p.notificationsByChannel);
    replicas = Math.max(replicas, p.replicas);
  }
  const base = { ...sums, sketch: mergeAll(sorted.map((p) => p.sketch)) };
  const last = sorted.at(-1);
  return {
    service,
    slotStart,
    ...base,
    ...derive(base),
    budgetConsumed: last?.budgetConsumed ?? null,
    budgetRemaining: last?.budgetRemaining ?? null,
    exhaustionHours: last?.exhaustionHours ?? null,
    incidentsBySeverity: bySeverity,
    incidentsByKind: byKind,
    notificationsByChannel: byChannel,
    replicas,
  };
}
