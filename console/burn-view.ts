// The console's burn-rate figures, from the SLA monitor's own functions (domain/burn-rate.ts) over
// bucketed metric_windows, so the page shows the rates the monitor alerts on, not a one-window ratio.
import { BURN_RULES, burnRates, burnTotals, type BurnBucket, type BurnState } from '../domain/burn-rate';
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
  rules: BurnRuleView[];
}

/** A service's availability burn per rule. Latency burn needs every window's sketch and is not shown here. */
export function availabilityBurn(state: BurnState, now: number, slo: ServiceSla['slo']): BurnView {
  const budget = 1 - slo.availability;
  const firing = new Set(burnRates(state, now, slo).filter((a) => a.dimension.startsWith('availability:')).map((a) => a.dimension.split(':')[1]));
  const rate = (windowMs: number) => {
    const t = burnTotals(state, now, windowMs);
    return t.count > 0 && budget > 0 ? Number((t.errors / t.count / budget).toFixed(4)) : null;
  };
  return { at: now, rules: BURN_RULES.map((r) => ({ rule: r.name, long: rate(r.longMs), short: rate(r.shortMs), threshold: r.threshold, firing: firing.has(r.name) })) };
}

/** Buckets (start ms, requests, errors) as a BurnState holding availability counts only. */
export function burnStateOf(fine: ReadonlyArray<Pick<BurnBucket, 'start' | 'count' | 'errors'>>, coarse: ReadonlyArray<Pick<BurnBucket, 'start' | 'count' | 'errors'>>): BurnState {
  const full = (b: Pick<BurnBucket, 'start' | 'count' | 'errors'>): BurnBucket => ({ start: b.start, count: b.count, errors: b.errors, timed: 0, slow: 0 });
  const sorted = (l: typeof fine) => [...l].sort((a, b) => a.start - b.start).map(full);
  return { fine: sorted(fine), coarse: sorted(coarse) };
}
