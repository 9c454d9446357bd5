// Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"), over bounded rolling counters.
// Pure, plain JSON and free of zod: the ServiceMonitor workflow carries BurnState across continue-as-new.
import { countBelow } from './latency-sketch';
import { SEVERITY_RANK, type Severity } from './severity';
import type { ServiceSla } from './sla-config';
import { percent, span, trim } from './sla-format';
import type { WindowSummary } from './window-summary';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Requests in one time bucket: all of them, failed ones, ones with a latency, and those slower than the threshold. */
export interface BurnBucket {
  start: number;
  count: number;
  errors: number;
  timed: number;
  slow: number;
}

/**
 * Rolling counters, oldest bucket first: 1-minute buckets covering the last 6 h (windows 5 m … 6 h) and
 * 30-minute buckets covering the last 3 d (the ticket's long window). At most 361 + 145 buckets, whatever the uptime.
 */
export interface BurnState {
  fine: BurnBucket[];
  coarse: BurnBucket[];
}

/** Bucket sizes and how far back each resolution reaches (one spare bucket so an unaligned window is covered). */
export const BURN_RESOLUTIONS = {
  fine: { bucketMs: MINUTE, keepMs: 6 * HOUR + MINUTE },
  coarse: { bucketMs: 30 * MINUTE, keepMs: 3 * DAY + 30 * MINUTE },
} as const;

/** The workbook's three alerts for a 30-day SLO: 2 % of the budget in 1 h, 5 % in 6 h (pages), 10 % in 3 d (ticket). */
export const BURN_RULES = [
  { name: 'fast', longMs: HOUR, shortMs: 5 * MINUTE, threshold: 14.4, page: true },
  { name: 'slow', longMs: 6 * HOUR, shortMs: 30 * MINUTE, threshold: 6, page: true },
  { name: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, threshold: 1, page: false },
] as const;

/** The budget period the burn rates are relative to (burn 1× spends exactly the budget in this time). */
export const SLO_PERIOD_MS = 30 * DAY;

type Sli = 'availability' | 'latency';

/** One firing burn-rate alert; `dimension` names the SLI and the rule, e.g. "availability:fast". */
export interface BurnAlert {
  kind: 'error_budget_burn';
  dimension: `${Sli}:${(typeof BURN_RULES)[number]['name']}`;
  severity: Severity;
  burnLong: number;
  burnShort: number;
  threshold: number;
  title: string;
  impact: string;
}

/** A BurnState with no history. */
export function emptyBurnState(): BurnState {
  return { fine: [], coarse: [] };
}

/** Request counts over some span: what a bucket holds, without its start. */
export type BurnCounts = Omit<BurnBucket, 'start'>;

function record(list: BurnBucket[], res: { bucketMs: number; keepMs: number }, at: number, d: BurnCounts): BurnBucket[] {
  const start = Math.floor(at / res.bucketMs) * res.bucketMs;
  const horizon = Math.max(list[list.length - 1]?.start ?? start, start) - res.keepMs;
  if (start <= horizon) return list; // late data older than anything an alert window can reach
  const out = list.slice();
  let i = out.length - 1;
  while (i >= 0 && out[i]!.start > start) i -= 1;
  const b = out[i];
  if (b && b.start === start) {
    out[i] = { start, count: b.count + d.count, errors: b.errors + d.errors, timed: b.timed + d.timed, slow: b.slow + d.slow };
  } else {
    out.splice(i + 1, 0, { start, ...d });
  }
  let drop = 0;
  while (drop < out.length && out[drop]!.start <= horizon) drop += 1;
  return drop === 0 ? out : out.slice(drop);
}

/** Records one window: its requests, errors, and slow requests (latency sketch count − countBelow(threshold)). */
export function addToBurn(state: BurnState, window: WindowSummary, latencyThresholdMs: number): BurnState {
  const timed = window.latency.count;
  const slow = Math.max(0, timed - Math.round(countBelow(window.latency, latencyThresholdMs)));
  const d: BurnCounts = { count: window.count, errors: window.errors, timed, slow };
  if (d.count === 0 && d.timed === 0) return state;
  return {
    fine: record(state.fine, BURN_RESOLUTIONS.fine, window.start, d),
    coarse: record(state.coarse, BURN_RESOLUTIONS.coarse, window.start, d),
  };
}

/** Totals over the window (now − windowMs, now], from the finest resolution that reaches back far enough. */
export function burnTotals(state: BurnState, now: number, windowMs: number): BurnCounts {
  const fine = windowMs <= 6 * HOUR;
  const { bucketMs } = fine ? BURN_RESOLUTIONS.fine : BURN_RESOLUTIONS.coarse;
  const t: BurnCounts = { count: 0, errors: 0, timed: 0, slow: 0 };
  for (const b of fine ? state.fine : state.coarse) {
    if (b.start + bucketMs <= now - windowMs || b.start >= now) continue;
    t.count += b.count;
    t.errors += b.errors;
    t.timed += b.timed;
    t.slow += b.slow;
  }
  return t;
}

const badAndTotal = (t: BurnCounts, sli: Sli): [number, number] => (sli === 'availability' ? [t.errors, t.count] : [t.slow, t.timed]);

/** Bad requests a window must be able to hold at its rule's threshold before its burn rate is evidence, not noise. */
export const MIN_EXPECTED_BAD = 10;

/**
 * Whether a window holds enough to judge: data reaching back at least half its length (the service has been
 * watched that long), or enough requests that the threshold would mean MIN_EXPECTED_BAD bad ones
 * (total ≥ 10 / (threshold × budget): 694 for the fast page on a 99.9 % SLO, 10,000 for the ticket). Without
 * this a new service's first seconds of slow answers read as a 3-day burn of 100×.
 */
export function windowHasEnough(state: BurnState, now: number, windowMs: number, total: number, threshold: number, budget: number): boolean {
  const list = windowMs <= 6 * HOUR ? state.fine : state.coarse;
  const first = list[0]?.start;
  if (first !== undefined && now - first >= windowMs / 2) return true;
  return total >= MIN_EXPECTED_BAD / (threshold * budget);
}

// (bad/total) / budget lands a hair under the threshold in floating point (0.1 % / (1 − 0.999) = 0.99999…).
const reaches = (burn: number, threshold: number) => burn >= threshold * (1 - 1e-9);

function lasts(burn: number): string {
  const days = SLO_PERIOD_MS / DAY / burn;
  return days >= 1 ? `${trim(days, 1)} d` : `${trim(days * 24, 1)} h`;
}

/**
 * The burn-rate alerts firing at `now` for availability (bad = errors) and latency (bad = slow), most urgent first:
 * an alert fires when both its long and its short window burn at least `threshold` × (1 − SLO target).
 * Each rule is reported on its own (a fast page does not hide the slow one); windows without traffic never fire,
 * nor windows that hold too little of their length or too few requests to judge (windowHasEnough).
 */
export function burnRates(state: BurnState, now: number, slo: ServiceSla['slo']): BurnAlert[] {
  const alerts: BurnAlert[] = [];
  for (const rule of BURN_RULES) {
    const long = burnTotals(state, now, rule.longMs);
    const short = burnTotals(state, now, rule.shortMs);
    for (const sli of ['availability', 'latency'] as const) {
      const budget = 1 - slo[sli];
      const [badL, totalL] = badAndTotal(long, sli);
      const [badS, totalS] = badAndTotal(short, sli);
      if (totalL === 0 || totalS === 0) continue;
      if (!windowHasEnough(state, now, rule.longMs, totalL, rule.threshold, budget) || !windowHasEnough(state, now, rule.shortMs, totalS, rule.threshold, budget)) continue;
      const burnLong = badL / totalL / budget;
      const burnShort = badS / totalS / budget;
      if (!reaches(burnLong, rule.threshold) || !reaches(burnShort, rule.threshold)) continue;
      const what = sli === 'availability' ? 'of requests failed' : 'of answers missed the latency target';
      alerts.push({
        kind: 'error_budget_burn',
        dimension: `${sli}:${rule.name}`,
        severity: !rule.page ? 'low' : sli === 'availability' ? 'critical' : 'high',
        burnLong: Number(burnLong.toFixed(6)),
        burnShort: Number(burnShort.toFixed(6)),
        threshold: rule.threshold,
        title: `${sli} error budget burning ${trim(burnLong, 1)}× over ${span(rule.longMs)} and ${trim(burnShort, 1)}× over ${span(rule.shortMs)} (alert at ${rule.threshold}×)`,
        impact:
          `${percent(badL / totalL)} % ${what} in the last ${span(rule.longMs)} (${badL} of ${totalL}) against a budget of ` +
          `${percent(budget)} %; at this rate the 30-day error budget is gone in ${lasts(burnLong)}`,
      });
    }
  }
  return alerts.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}
