import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { errorBudget } from '../../domain/analytics/error-budget';
import { planRollups } from '../../domain/analytics/plan';
import { combineRollups, incidentTotals, rollHour, type HourContext } from '../../domain/analytics/rollup';
import { HOUR_MS, lastCompleteSlot, slotsToRoll } from '../../domain/analytics/slots';
import { countTimeslices } from '../../domain/analytics/timeslices';
import { SketchAccumulator } from '../../domain/latency-sketch';
import { SLA_DEFAULTS, serviceSlaSchema } from '../../domain/sla-config';
import type { WindowSummary } from '../../domain/window-summary';

const T0 = Date.UTC(2026, 11, 1, 10);
const sla = serviceSlaSchema.parse({});

/** Windows from raw values we keep, so every rollup figure can be checked against exact computation. */
function generated(seed: number, hours: number) {
  const rng = createRng(seed);
  const latencies: number[] = [];
  const windows: WindowSummary[] = [];
  const raw: number[][] = [];
  let errors = 0;
  let cost = 0;
  for (let t = T0; t < T0 + hours * HOUR_MS; t += 10_000) {
    for (const source of ['a', 'b']) {
      const acc = new SketchAccumulator();
      const n = 5 + rng.int(20);
      const values: number[] = [];
      let e = 0;
      for (let i = 0; i < n; i++) {
        // A slow tail in one hour in three: the quantiles must come from the merged values, not averages.
        const slow = Math.floor((t - T0) / HOUR_MS) % 3 === 2 && rng.next() < 0.2;
        const v = (slow ? 4000 : 200) * Math.exp(0.6 * rng.normal());
        acc.add(v);
        latencies.push(v);
        values.push(v);
        if (rng.next() < 0.001) e++;
      }
      errors += e;
      raw.push(values);
      cost += 0.003 * n;
      windows.push({ service: 's', source, start: t, durationMs: 10_000, count: n, errors: e, latency: acc.toSketch(), qualitySum: 0.8 * n, qualityCount: n, costUsdSum: 0.003 * n, tokensSum: 100 * n, satisfactionSum: n / 2, satisfactionCount: n, dropped: 0 });
    }
  }
  return { windows, raw, latencies: latencies.sort((a, b) => a - b), errors, cost };
}

const nearestRank = (sorted: number[], q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;

function ctx(slotStart: number, over: Partial<HourContext> = {}): HourContext {
  return { service: 's', slotStart, slotMs: HOUR_MS, sla, sliceMs: 300_000, sloWindowMs: 30 * 86_400_000, priorRequests: 0, priorErrors: 0, incidents: [], notificationsByChannel: {}, ...over };
}

describe('hourly rollup', () => {
  it('takes p50/p95/p99 from the merged sketches, within the sketch\'s 1 % of the exact quantiles', () => {
    for (const seed of [1, 2, 3]) {
      const g = generated(seed, 1);
      const r = rollHour(g.windows, ctx(T0));
      for (const [q, got] of [[0.5, r.p50Ms], [0.95, r.p95Ms], [0.99, r.p99Ms]] as const) {
        const exact = nearestRank(g.latencies, q);
        expect(Math.abs(got! - exact) / exact).toBeLessThanOrEqual(0.01);
      }
      expect(r.requests).toBe(g.latencies.length);
      expect(r.errors).toBe(g.errors);
      expect(r.availability).toBeCloseTo(1 - g.errors / g.latencies.length, 12);
      expect(r.costPerQuery).toBeCloseTo(g.cost / g.latencies.length, 12);
      expect(r.costPerSuccess).toBeCloseTo(g.cost / (g.latencies.length - g.errors), 12);
      expect(r.qualityAvg).toBeCloseTo(0.8, 12);
      expect(r.replicas).toBe(2);
    }
  });

  it('differs from the average of window p95s when the tail sits in a few windows (why sketches are merged)', () => {
    const g = generated(4, 3);
    const day = combineRollups('s', T0, [0, 1, 2].map((h) => rollHour(g.windows.filter((w) => w.start >= T0 + h * HOUR_MS && w.start < T0 + (h + 1) * HOUR_MS), ctx(T0 + h * HOUR_MS))));
    const exact = nearestRank(g.latencies, 0.95);
    expect(Math.abs(day.p95Ms! - exact) / exact).toBeLessThanOrEqual(0.01);
    const hourly = [0, 1, 2].map((h) => rollHour(g.windows.filter((w) => w.start >= T0 + h * HOUR_MS && w.start < T0 + (h + 1) * HOUR_MS), ctx(T0 + h * HOUR_MS)).p95Ms!);
    const averaged = hourly.reduce((a, b) => a + b, 0) / 3;
    expect(Math.abs(averaged - exact) / exact).toBeGreaterThan(0.05);
  });

  it('combines hours into exactly the rollup of all their windows at once', () => {
    const g = generated(5, 4);
    const hours = [0, 1, 2, 3].map((h) => rollHour(g.windows.filter((w) => w.start >= T0 + h * HOUR_MS && w.start < T0 + (h + 1) * HOUR_MS), ctx(T0 + h * HOUR_MS)));
    const whole = rollHour(g.windows, ctx(T0, { slotMs: 4 * HOUR_MS }));
    const combined = combineRollups('s', T0, hours);
    for (const k of ['requests', 'errors', 'p50Ms', 'p95Ms', 'p99Ms', 'slicesJudged', 'slicesGood', 'tokens'] as const) expect(combined[k]).toBe(whole[k]);
    expect(combined.costUsd).toBeCloseTo(whole.costUsd, 9);
    expect(combined.sketch.buckets).toEqual(whole.sketch.buckets);
  });
});

describe('SLA timeslices', () => {
  it('counts slices meeting every SLA, as exact computation on the raw values does; too few requests are not judged', () => {
    const g = generated(6, 3);
    // Exact: per 5-minute slice, nearest-rank p95 of its raw values ≤ 2000 ms and availability ≥ 99.5 % (quality is 0.8 throughout).
    const slices = new Map<number, { values: number[]; n: number; errors: number }>();
    g.windows.forEach((w, i) => {
      const k = Math.floor(w.start / 300_000);
      const s = slices.get(k) ?? { values: [], n: 0, errors: 0 };
      s.values.push(...g.raw[i]!);
      s.n += w.count;
      s.errors += w.errors;
      slices.set(k, s);
    });
    let good = 0;
    let ambiguous = 0;
    for (const s of slices.values()) {
      const p95 = nearestRank(s.values.sort((a, b) => a - b), 0.95);
      if (Math.abs(p95 - 2000) / 2000 <= 0.01) ambiguous++; // within the sketch's error either verdict is right
      if (p95 <= 2000 && 1 - s.errors / s.n >= 0.995) good++;
    }
    const got = countTimeslices(g.windows, sla, 300_000);
    expect(got.judged).toBe(36);
    expect(Math.abs(got.good - good)).toBeLessThanOrEqual(ambiguous);
    expect(good).toBeGreaterThan(10); // the data has both kinds of slice, so the check can fail either way
    expect(good).toBeLessThan(30);
    const quiet = countTimeslices([{ ...g.windows[0]!, count: 3, errors: 0, qualityCount: 3, qualitySum: 2.4 }], sla, 300_000);
    expect(quiet).toEqual({ judged: 0, good: 0 });
  });
});

describe('error budget', () => {
  // cases: [window requests, window errors, slot requests, slot errors] → consumed, remaining, exhaustion hours
  const cases: Array<[string, number, number, number, number, number | null, number | null]> = [
    ['half spent, burning at 1: half the 30-day window left', 1_000_000, 500, 10_000, 10, 0.5, 360],
    ['nothing failed: untouched and not burning', 1000, 0, 100, 0, 0, null],
    ['overspent: exhausted now', 1000, 5, 100, 1, 5, 0],
  ];
  for (const [name, wr, we, sr, se, consumed, hours] of cases) {
    it(name, () => {
      const b = errorBudget({ windowRequests: wr, windowErrors: we, slotRequests: sr, slotErrors: se, sloWindowMs: 30 * 86_400_000, objective: 0.999 });
      expect(b.consumed).toBeCloseTo(consumed!, 9);
      if (hours === null) expect(b.exhaustionHours).toBeNull();
      else expect(b.exhaustionHours).toBeCloseTo(hours, 6);
    });
  }
  it('no requests in the window: no figures rather than a division by zero', () => {
    expect(errorBudget({ windowRequests: 0, windowErrors: 0, slotRequests: 0, slotErrors: 0, sloWindowMs: 1, objective: SLA_DEFAULTS.slo.availability })).toEqual({ consumed: null, remaining: null, burnRate: null, exhaustionHours: null });
  });
});

describe('incidents, MTTA and MTTR', () => {
  it('counts incidents opened in the slot by severity and kind; acks and resolves where they happened', () => {
    const m = 60_000;
    const t = incidentTotals(
      [
        { severity: 'high', kind: 'response_time_sla', openedAt: T0 + m, acknowledgedAt: T0 + 5 * m, resolvedAt: T0 + 30 * m },
        { severity: 'critical', kind: 'compliance', openedAt: T0 + 2 * m, acknowledgedAt: T0 + 70 * m, resolvedAt: null },
        { severity: 'high', kind: 'availability_sla', openedAt: T0 - 50 * m, acknowledgedAt: T0 - 40 * m, resolvedAt: T0 + 10 * m },
      ],
      T0,
      T0 + HOUR_MS,
    );
    expect(t).toEqual({
      incidentsBySeverity: { high: 1, critical: 1 },
      incidentsByKind: { response_time_sla: 1, compliance: 1 },
      incidentsOpened: 2,
      acks: 1,
      ackSeconds: 240,
      resolves: 2,
      resolveSeconds: 29 * 60 + 60 * 60,
      complianceViolations: 1,
    });
  });
});

describe('catch-up plan', () => {
  const H = HOUR_MS;
  it('rolls every hour since the watermark, up to the last complete one', () => {
    const asOf = T0 + 6 * H + 5 * 60_000; // the 16:05 run after a worker outage since 10:05
    expect(lastCompleteSlot(asOf, 'hour', 300_000)).toBe(T0 + 5 * H);
    const plan = planRollups({ asOf, period: 'hour', hourWatermark: T0 - H, dayWatermark: null, lateHours: [], maxCatchupMs: 7 * 86_400_000 });
    expect(plan.hours).toEqual([0, 1, 2, 3, 4, 5].map((h) => T0 + h * H));
    expect(plan.days).toEqual([]);
  });
  it('a re-run with the watermark already there rolls nothing', () => {
    expect(planRollups({ asOf: T0 + 5 * 60_000, period: 'hour', hourWatermark: T0 - H, dayWatermark: null, lateHours: [], maxCatchupMs: 86_400_000 }).hours).toEqual([]);
  });
  it('never reaches back further than maxCatchup', () => {
    expect(slotsToRoll(T0 - 100 * H, T0, 'hour', 3 * H)).toEqual([T0 - 2 * H, T0 - H, T0]);
    expect(slotsToRoll(null, T0, 'hour', 2 * H)).toEqual([T0 - H, T0]);
  });
  it('re-rolls late hours first, and the already-rolled days holding them', () => {
    const day = Date.UTC(2026, 11, 1);
    const plan = planRollups({ asOf: T0 + H + 5 * 60_000, period: 'hour', hourWatermark: T0 - H, dayWatermark: day - 86_400_000, lateHours: [day - 3 * H, T0 - 2 * H, day - 3 * H], maxCatchupMs: 86_400_000 });
    expect(plan.hours).toEqual([day - 3 * H, T0 - 2 * H, T0]);
    expect(plan.days).toEqual([day - 86_400_000]);
  });
  it('the daily run at 00:10 rolls the day before, and any days missed', () => {
    const day = Date.UTC(2026, 11, 3);
    const plan = planRollups({ asOf: day + 10 * 60_000, period: 'day', hourWatermark: day - H, dayWatermark: day - 3 * 86_400_000, lateHours: [], maxCatchupMs: 7 * 86_400_000 });
    expect(plan.days).toEqual([day - 2 * 86_400_000, day - 86_400_000]);
  });
});
