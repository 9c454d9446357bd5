// The console's burn-rate figures, from the SLA monitor's own functions (domain/burn-rate.ts) over
// bucketed metric_windows, so the page shows the rates the monitor alerts on, not a one-window ratio.
import { addToBurn, BURN_RESOLUTIONS, BURN_RULES, burnRates, burnTotals, emptyBurnState, type BurnBucket, type BurnState } from '../domain/burn-rate';
import type { LatencySketch } from '../domain/latency-sketch';
import type { ServiceSla } from '../domain/sla-config';

/** One rule's long and short window burn (errors / requests / (1 − SLO)); null for a window without traffic. */
export interface BurnRuleView {
  rule: (typeof BURN_RULES)[number]['name'];
  long: number | null;
  short: number | null;
  threshold: number;
  /** Whether the monitor would fire this rule now (both windows at the threshold, enough data). */
  firing: boolean;
}

export interface BurnView {
  /** End of the newest window, epoch ms: the "now" the rates are taken at, as the monitor takes it. */
  at: number;
  /** Availability: errors / requests / (1 − availability SLO). */
  rules: BurnRuleView[];
  /** Latency: slow / timed requests / (1 − latency SLO); absent when the caller built the state without sketches. */
  latency?: BurnRuleView[];
}

type Sli = 'availability' | 'latency';

function sliRules(state: BurnState, now: number, slo: ServiceSla['slo'], sli: Sli): BurnRuleView[] {
  const budget = 1 - slo[sli];
  const firing = new Set(burnRates(state, now, slo).filter((a) => a.dimension.startsWith(`${sli}:`)).map((a) => a.dimension.split(':')[1]));
  const rate = (windowMs: number) => {
    const t = burnTotals(state, now, windowMs);
    const [bad, total] = sli === 'availability' ? [t.errors, t.count] : [t.slow, t.timed];
    return total > 0 && budget > 0 ? Number((bad / total / budget).toFixed(4)) : null;
  };
  return BURN_RULES.map((r) => ({ rule: r.name, long: rate(r.longMs), short: rate(r.shortMs), threshold: r.threshold, firing: firing.has(r.name) }));
}

/** A service's availability burn per rule. */
export function availabilityBurn(state: BurnState, now: number, slo: ServiceSla['slo']): BurnView {
  return { at: now, rules: sliRules(state, now, slo, 'availability') };
}

/** A service's availability and latency burn per rule, from a state holding both SLIs' counts. */
export function burnView(state: BurnState, now: number, slo: ServiceSla['slo']): BurnView {
  return { at: now, rules: sliRules(state, now, slo, 'availability'), latency: sliRules(state, now, slo, 'latency') };
}

/** One stored window's latency counts: requests with a latency, and those slower than the SLA threshold. */
export interface WindowLatency {
  start: number;
  timed: number;
  slow: number;
}

/**
 * A window's timed and slow counts exactly as the monitor records them: through addToBurn itself, so the
 * console's slow count cannot drift from the monitor's (count − countBelow(threshold), rounded).
 */
export function windowLatency(start: number, sketch: LatencySketch, thresholdMs: number): WindowLatency {
  const w = { service: '', start, durationMs: 1, count: 0, errors: 0, latency: sketch, qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 };
  const b = addToBurn(emptyBurnState(), w, thresholdMs).fine[0];
  return { start, timed: b?.timed ?? 0, slow: b?.slow ?? 0 };
}

/**
 * Adds windows' latency counts to a state's buckets. Only windows inside each resolution's span (the spans
 * burnViews reads availability over: fine > now − 6 h 2 m, coarse > now − 3 d 1 h, both < now) are added, so the
 * buckets the state holds, and with them the monitor's "watched long enough" test, stay as the counts made them.
 */
export function withLatency(state: BurnState, windows: Iterable<WindowLatency>, now: number, fineSpanMs: number, coarseSpanMs: number): BurnState {
  const add = (list: BurnBucket[], bucketMs: number, spanMs: number, ws: WindowLatency[]) => {
    const by = new Map(list.map((b) => [b.start, { ...b }]));
    for (const w of ws) {
      if (w.start >= now || w.start <= now - spanMs) continue;
      const start = Math.floor(w.start / bucketMs) * bucketMs;
      const b = by.get(start) ?? { start, count: 0, errors: 0, timed: 0, slow: 0 };
      b.timed += w.timed;
      b.slow += w.slow;
      by.set(start, b);
    }
    return [...by.values()].sort((a, b) => a.start - b.start);
  };
  const ws = [...windows];
  return { fine: add(state.fine, BURN_RESOLUTIONS.fine.bucketMs, fineSpanMs, ws), coarse: add(state.coarse, BURN_RESOLUTIONS.coarse.bucketMs, coarseSpanMs, ws) };
}

/** Buckets (start ms, requests, errors) as a BurnState holding availability counts only. */
export function burnStateOf(fine: ReadonlyArray<Pick<BurnBucket, 'start' | 'count' | 'errors'>>, coarse: ReadonlyArray<Pick<BurnBucket, 'start' | 'count' | 'errors'>>): BurnState {
  const full = (b: Pick<BurnBucket, 'start' | 'count' | 'errors'>): BurnBucket => ({ start: b.start, count: b.count, errors: b.errors, timed: 0, slow: 0 });
  const sorted = (l: typeof fine) => [...l].sort((a, b) => a.start - b.start).map(full);
  return { fine: sorted(fine), coarse: sorted(coarse) };
}
