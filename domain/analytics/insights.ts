// Predictive insights read off forecast intervals, each with a date range and the probability the
// intervals give it: if the 80 % interval's upper bound first crosses a line at A and its lower
// bound at B, the value crosses between A and B with about 80 % probability (10 % it crosses
// earlier than A could show, 10 % later than B).
import type { Forecast } from './forecast/forecast';

export interface Insight {
  service: string;
  kind: 'sla_crossing' | 'traffic_peak' | 'budget_crossing' | 'error_budget_exhaustion';
  text: string;
  from: string | null;
  to: string | null;
  probability: number | null;
  method: string;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** When a forecast series crosses above `threshold`, from its interval at `level`; null when it does not within the horizon. */
export function crossing(f: Forecast, threshold: number, level: number, start: number, stepMs: number): { from: number; to: number | null } | null {
  const band = f.intervals.find((i) => i.level === level);
  if (!band) return null;
  const a = band.upper.findIndex((u) => u > threshold);
  if (a < 0) return null;
  const b = band.lower.findIndex((l) => l > threshold);
  return { from: start + a * stepMs, to: b < 0 ? null : start + b * stepMs };
}

/** "p95 of X crosses its 2 s SLA between 12 and 19 Dec (80 %)". */
export function slaCrossingInsight(service: string, f: Forecast, thresholdMs: number, start: number, stepMs: number): Insight | null {
  const c = crossing(f, thresholdMs, 0.8, start, stepMs);
  if (!c) return null;
  const end = start + f.point.length * stepMs;
  const range = c.to === null ? `from ${day(c.from)} (possibly after ${day(end)})` : `between ${day(c.from)} and ${day(c.to)}`;
  return {
    service,
    kind: 'sla_crossing',
    text: `p95 of ${service} crosses its ${thresholdMs} ms SLA ${range} (80 %)`,
    from: new Date(c.from).toISOString(),
    to: c.to === null ? null : new Date(c.to).toISOString(),
    probability: 0.8,
    method: `${f.method} forecast, conformal 80 % interval (measured coverage ${f.coverage['0.8']?.toFixed(2) ?? 'n/a'})`,
  };
}

/** "traffic peak next Monday ≈ N req/s" from hourly request forecasts. */
export function trafficPeakInsight(service: string, f: Forecast, start: number, stepMs: number): Insight | null {
  // The first Monday (UTC) after the forecast starts.
  const firstDay = Math.ceil(start / 86_400_000) * 86_400_000;
  const monday = firstDay + (((8 - new Date(firstDay).getUTCDay()) % 7) * 86_400_000);
  const i0 = Math.round((monday - start) / stepMs);
  const slice = f.point.slice(i0, i0 + Math.round(86_400_000 / stepMs));
  if (!slice.length) return null;
  const peak = Math.max(...slice);
  const at = i0 + slice.indexOf(peak);
  const band = f.intervals.find((i) => i.level === 0.8);
  const perSec = (v: number) => v / (stepMs / 1000);
  const range = band ? ` (80 %: ${perSec(band.lower[at]!).toFixed(1)}–${perSec(band.upper[at]!).toFixed(1)})` : '';
  return {
    service,
    kind: 'traffic_peak',
    text: `traffic peak of ${service} on Monday ${day(monday)} ≈ ${perSec(peak).toFixed(1)} req/s${range}`,
    from: new Date(start + at * stepMs).toISOString(),
    to: new Date(start + (at + 1) * stepMs).toISOString(),
    probability: band ? 0.8 : null,
    method: `${f.method} forecast of hourly requests`,
  };
}

/**
 * "monthly cost exceeds the configured budget on …": spend so far this month plus the estate's
 * forecast hourly cost, accumulated. Summing per-hour interval bounds gives a band at least as wide
 * as the true one, so the date range holds with at least the stated probability. Null when the
 * crossing is not within the forecast (or the month ends first).
 */
export function budgetCrossingInsight(
  costForecasts: ReadonlyArray<{ forecast: Forecast; start: number; stepMs: number }>,
  spentThisMonthUsd: number,
  monthlyBudgetUsd: number,
  monthEnd: number,
): Insight | null {
  const first = costForecasts[0];
  if (!first) return null;
  const steps = Math.min(...costForecasts.map((c) => c.forecast.point.length));
  const sumAt = (pick: (f: Forecast, k: number) => number | undefined, k: number) => costForecasts.reduce((a, c) => a + (pick(c.forecast, k) ?? 0), 0);
  let upper = spentThisMonthUsd;
  let lower = spentThisMonthUsd;
  let from: number | null = null;
  let to: number | null = null;
  for (let k = 0; k < steps; k++) {
    const t = first.start + (k + 1) * first.stepMs;
    if (t > monthEnd) break;
    upper += Math.max(0, sumAt((f, i) => f.intervals.find((b) => b.level === 0.8)?.upper[i], k));
    lower += Math.max(0, sumAt((f, i) => f.intervals.find((b) => b.level === 0.8)?.lower[i], k));
    if (from === null && upper > monthlyBudgetUsd) from = t;
    if (to === null && lower > monthlyBudgetUsd) to = t;
  }
  if (from === null) return null;
  const range = to === null ? `from ${day(from)}` : `between ${day(from)} and ${day(to)}`;
  return {
    service: '*',
    kind: 'budget_crossing',
    text: `monthly cost exceeds the $${monthlyBudgetUsd.toFixed(0)} budget ${range} (≥ 80 %)`,
    from: new Date(from).toISOString(),
    to: to === null ? null : new Date(to).toISOString(),
    probability: 0.8,
    method: 'spend so far this month + forecast hourly cost of every service, accumulated (summed 80 % bounds: a conservative band)',
  };
}

/**
 * "error budget of X exhausted between D1 and D2 (80 %)": the errors the SLO window may still take
 * (remaining share × (1 − objective) × the window's requests) against the service's forecast hourly
 * errors, accumulated. The upper 80 % bound spends it first (D1), the lower one last (D2); summing
 * per-hour bounds widens the band, so the range holds with at least 80 %. The window's traffic is
 * held fixed and errors leaving the rolling window are not credited back, so the range errs early.
 * Null when the budget lasts the horizon, is already spent (a recommendation says so), or the
 * forecast has no intervals.
 */
export function errorBudgetInsight(service: string, errors: Forecast, budget: { remainingShare: number; allowedErrors: number }, start: number, stepMs: number): Insight | null {
  const band = errors.intervals.find((i) => i.level === 0.8);
  const left = budget.remainingShare * budget.allowedErrors;
  if (!band || !(left > 0)) return null;
  let upper = 0;
  let lower = 0;
  let from: number | null = null;
  let to: number | null = null;
  for (let k = 0; k < errors.point.length && to === null; k++) {
    const t = start + (k + 1) * stepMs;
    upper += Math.max(0, band.upper[k] ?? 0);
    lower += Math.max(0, band.lower[k] ?? 0);
    if (from === null && upper >= left) from = t;
    if (lower >= left) to = t;
  }
  if (from === null) return null;
  const end = start + errors.point.length * stepMs;
  const range = to === null ? `from ${day(from)} (possibly after ${day(end)})` : `between ${day(from)} and ${day(to)}`;
  return {
    service,
    kind: 'error_budget_exhaustion',
    text: `error budget of ${service} (${(budget.remainingShare * 100).toFixed(1)} % left, ${Math.round(left)} errors) exhausted ${range} (80 %)`,
    from: new Date(from).toISOString(),
    to: to === null ? null : new Date(to).toISOString(),
    probability: 0.8,
    method: `${errors.method} forecast of hourly errors, conformal 80 % interval accumulated (measured coverage ${errors.coverage['0.8']?.toFixed(2) ?? 'n/a'})`,
  };
}
