import { describe, expect, it } from 'vitest';
import { addToBurn, burnRates, burnTotals, emptyBurnState, type BurnState } from '../../domain/burn-rate';
import { addValue, emptySketch, type LatencySketch } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** t=0 of every timeline: 2024-06-01 00:00 UTC. */
const T0 = Date.parse('2024-06-01T00:00:00Z');
/** 99.9 % availability → budget 0.1 %; 99 % of answers under the latency threshold → budget 1 %. */
const SLO = { availability: 0.999, latency: 0.99 };
const THRESHOLD_MS = 2000;

// Sketches are built once per shape: a 10-day timeline adds 86 400 windows.
const sketches = new Map<string, LatencySketch>();
/** `count` latencies: `slow` of them at 3000 ms (over the 2000 ms threshold), the rest at 100 ms. */
function sketch(count: number, slow: number): LatencySketch {
  const key = `${count}/${slow}`;
  let s = sketches.get(key);
  if (!s) {
    s = emptySketch();
    for (let i = 0; i < count; i++) s = addValue(s, i < slow ? 3000 : 100);
    sketches.set(key, s);
  }
  return s;
}

interface Traffic {
  count: number;
  errors?: number;
  slow?: number;
}

function window(start: number, durationMs: number, t: Traffic): WindowSummary {
  return {
    service: 'search',
    start: T0 + start,
    durationMs,
    count: t.count,
    errors: t.errors ?? 0,
    latency: sketch(t.count, t.slow ?? 0),
    qualitySum: 0,
    qualityCount: 0,
    costUsdSum: 0,
    tokensSum: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    dropped: 0,
  };
}

/** One stretch of steady traffic from t=from to t=to, one window every `step` (10 s unless said otherwise). */
interface Segment extends Traffic {
  from: number;
  to: number;
  step?: number;
}

function feed(segments: Segment[], state: BurnState = emptyBurnState()): BurnState {
  for (const seg of segments) {
    const step = seg.step ?? 10 * S;
    for (let t = seg.from; t < seg.to; t += step) state = addToBurn(state, window(t, step, seg), THRESHOLD_MS);
  }
  return state;
}

const dimensions = (state: BurnState, now: number) => burnRates(state, T0 + now, SLO).map((a) => a.dimension);

/** Three clean days before t=0, in 1-minute windows of 600 requests: enough history that the ticket's 3-day window is full. */
const cleanHistory: Segment = { from: -3 * D, to: 0, step: M, count: 600 };

describe('burnRates: timelines', () => {
  const cases: Array<{ name: string; segments: Segment[]; now: number; want: string[] }> = [
    {
      // 2 errors per 100 for an hour: 2 % / 0.1 % = 20× ≥ 14.4 over 1 h and 5 m → fast page;
      // the 6 h and 3 d windows hold only this hour, also 20× → slow page (≥ 6) and ticket (≥ 1).
      name: 'steady 2 % errors for an hour',
      segments: [{ from: 0, to: H, count: 100, errors: 2 }],
      now: H,
      want: ['availability:fast', 'availability:slow', 'availability:ticket'],
    },
    {
      // 5 clean hours, then 1 h at 2 %: 1 h and 5 m at 20× → fast page; 6 h: 2 % · 1/6 = 0.33 % → 3.3× < 6 → no slow page;
      // 3 d (these 6 h) and 6 h: 3.3× ≥ 1 → ticket.
      name: '2 % errors for the last of six hours',
      segments: [{ from: 0, to: 5 * H, count: 100 }, { from: 5 * H, to: 6 * H, count: 100, errors: 2 }],
      now: 6 * H,
      want: ['availability:fast', 'availability:ticket'],
    },
    {
      // 36 of 2500 = 1.44 % → 1.44 / 0.1 = 14.4×, exactly the threshold: fires. 6 h: 1.44 / 6 = 0.24 % → 2.4×: ticket only.
      name: 'exactly 14.4× for the last hour',
      segments: [{ from: 0, to: 5 * H, count: 2500 }, { from: 5 * H, to: 6 * H, count: 2500, errors: 36 }],
      now: 6 * H,
      want: ['availability:fast', 'availability:ticket'],
    },
    {
      // 35 of 2500 = 1.4 % → 14× < 14.4: no fast page; 6 h: 14 / 6 = 2.3× < 6; ticket 2.3× ≥ 1.
      name: 'just under 14.4× for the last hour',
      segments: [{ from: 0, to: 5 * H, count: 2500 }, { from: 5 * H, to: 6 * H, count: 2500, errors: 35 }],
      now: 6 * H,
      want: ['availability:ticket'],
    },
    {
      // After three clean days, 6 h with 7 % errors and 7 % slow answers (100 requests per 10 s = 216 000 requests):
      // availability 7 % / 0.1 % = 70× over 1 h, 5 m, 6 h and 30 m → fast and slow pages; the 3 d window holds about
      // 2.38 M clean + 216 000 requests with 15 120 failed → 0.58 % → 5.8× ≥ 1 → ticket.
      // latency 7 % / 1 % = 7× → slow page (≥ 6, < 14.4); over 3 d 0.58 % / 1 % = 0.58× < 1 → no latency ticket.
      name: 'slow burn on both SLIs',
      segments: [cleanHistory, { from: 0, to: 6 * H, count: 100, errors: 7, slow: 7 }],
      now: 6 * H,
      want: ['availability:fast', 'availability:slow', 'latency:slow', 'availability:ticket'],
    },
    {
      // 15 of 100 answers over 2 s for the last hour: 15 % / 1 % = 15× ≥ 14.4 → latency fast page (high);
      // 6 h: 15 / 6 = 2.5× < 6; ticket 2.5× ≥ 1. No errors, so nothing for availability.
      name: 'latency: 15 % slow answers for the last hour',
      segments: [{ from: 0, to: 5 * H, count: 100 }, { from: 5 * H, to: 6 * H, count: 100, slow: 15 }],
      now: 6 * H,
      want: ['latency:fast', 'latency:ticket'],
    },
    {
      // After three clean days, 3 d at 0.15 % (3 of 2000 per minute) → 1.5×: below 14.4 and 6, at least 1 over 3 d and 6 h → ticket.
      name: 'the 3-day ticket',
      segments: [{ from: 0, to: 3 * D, step: M, count: 2000, errors: 3 }],
      now: 3 * D,
      want: ['availability:ticket'],
    },
    {
      // 1 of 1000 = 0.1 % → exactly 1× (0.001 / (1 − 0.999) is 0.9999999999999991 in floating point): still fires.
      name: 'exactly 1× for three days',
      segments: [{ from: 0, to: 3 * D, step: M, count: 1000, errors: 1 }],
      now: 3 * D,
      want: ['availability:ticket'],
    },
    {
      // 9 of 10000 = 0.09 % → 0.9× < 1: nothing.
      name: 'just under 1× for three days',
      segments: [{ from: 0, to: 3 * D, step: M, count: 10_000, errors: 9 }],
      now: 3 * D,
      want: [],
    },
    {
      // 0.5 % errors for 6 h after three clean days: 5× (< 6) over 6 h and 30 m; 3 d: 0.5 % · 6/78 h = 0.038 % → 0.38× < 1: nothing.
      name: 'a moderate burn that fits the budget',
      segments: [cleanHistory, { from: 0, to: 6 * H, count: 200, errors: 1 }],
      now: 6 * H,
      want: [],
    },
    {
      // No traffic at all: nothing can burn.
      name: 'no traffic',
      segments: [],
      now: 6 * H,
      want: [],
    },
    {
      // Every request failed for an hour, then traffic stopped 10 minutes ago: the 5 m window is empty, so no fast page;
      // 30 m (20 min of 100 %) and 6 h are both 1000× → slow page and ticket stay.
      name: 'traffic stopped: an empty short window does not fire',
      segments: [{ from: 0, to: H, count: 100, errors: 100 }],
      now: H + 10 * M,
      want: ['availability:slow', 'availability:ticket'],
    },
  ];
  it.each(cases)('$name', ({ segments, now, want }) => {
    expect(dimensions(feed(segments), now)).toEqual(want);
  });
});

describe('burnRates: no verdict from too little data', () => {
  it.each([
    // each case: what a brand-new service sent, when it is judged, what may fire
    // 2 s of every answer slow (20 requests): no window holds half its length or enough requests: nothing.
    { name: 'a new service, 2 s of slow answers', segments: [{ from: 0, to: 2 * S, step: S, count: 10, slow: 10 }], now: 2 * S, want: [] },
    // 3 minutes of 600 requests a minute, all failing: 1,800 ≥ 694 requests for the fast page (1 h and its 5 m window) and
    // ≥ 1,667 for the slow page, but the 3 d ticket needs 10,000 (or 1.5 d of history): pages, no ticket yet.
    { name: 'a new busy service failing everything for 3 minutes', segments: [{ from: 0, to: 3 * M, step: M, count: 600, errors: 600 }], now: 3 * M, want: ['availability:fast', 'availability:slow'] },
    // The same 3 minutes at 10 requests a minute: 30 requests prove nothing about a 1-hour budget burn.
    { name: 'a new quiet service failing everything for 3 minutes', segments: [{ from: 0, to: 3 * M, step: M, count: 10, errors: 10 }], now: 3 * M, want: [] },
    // A quiet service watched for 40 minutes (over half of the 1 h window) failing in its last 10: now it is evidence.
    { name: 'a quiet service watched for 40 minutes', segments: [{ from: 0, to: 30 * M, step: M, count: 10 }, { from: 30 * M, to: 40 * M, step: M, count: 10, errors: 10 }], now: 40 * M, want: ['availability:fast'] },
  ])('$name', ({ segments, now, want }) => {
    expect(dimensions(feed(segments), now)).toEqual(want);
  });
});

describe('burnRates: a 10-minute spike', () => {
  // Three clean days, clean traffic to 5h30m, 20 % errors from 5h30m to 5h40m (60 windows × 20 = 1200 failed), clean until 6h.
  const base = feed([cleanHistory, { from: 0, to: 5 * H + 30 * M, count: 100 }, { from: 5 * H + 30 * M, to: 5 * H + 40 * M, count: 100, errors: 20 }]);

  it('pages while it lasts', () => {
    // At 5h40m: 1 h window = 1200 failed of 36 000 → 3.33 % → 33× ≥ 14.4; 5 m window 20 % → 200× → fast page.
    // 6 h: 10/360 · 20 % = 0.56 % → 5.6× < 6; 3 d: 1200 failed of about 2.6 M → 0.046 % → 0.46× < 1: nothing else.
    expect(dimensions(base, 5 * H + 40 * M)).toEqual(['availability:fast']);
  });

  it('does not page 20 minutes after it ended: the 5 m window is clean', () => {
    // At 6h: the 1 h window still burns 33×, but the last 5 minutes are clean (0×), so the fast alert resets.
    const after = feed([{ from: 5 * H + 40 * M, to: 6 * H, count: 100 }], base);
    expect(burnTotals(after, T0 + 6 * H, H)).toEqual({ count: 36_000, errors: 1_200, timed: 36_000, slow: 0 });
    expect(dimensions(after, 6 * H)).toEqual([]);
  });
});

describe('burnRates: alert contents', () => {
  it('reports both burn rates, the threshold, a title and the impact', () => {
    // 1 h of 100 requests per 10 s with 2 errors: 36 000 requests, 720 failed; 20× → the 30-day budget lasts 30 / 20 = 1.5 days.
    const [fast] = burnRates(feed([{ from: 0, to: H, count: 100, errors: 2 }]), T0 + H, SLO);
    expect(fast).toEqual({
      kind: 'error_budget_burn',
      dimension: 'availability:fast',
      severity: 'critical',
      burnLong: 20,
      burnShort: 20,
      threshold: 14.4,
      title: 'availability error budget burning 20× over 1 h and 20× over 5 m (alert at 14.4×)',
      impact: '2 % of requests failed in the last 1 h (720 of 36000) against a budget of 0.1 %; at this rate the 30-day error budget is gone in 1.5 d',
    });
  });

  it('pages latency as high and tickets as low', () => {
    // 15 of 100 slow per 10 s for an hour (5400 of 36 000): 15× → fast page (high), budget gone in 30 / 15 = 2 days;
    // over 6 h 15 / 6 = 2.5× → ticket (low).
    const alerts = burnRates(feed([{ from: 0, to: 5 * H, count: 100 }, { from: 5 * H, to: 6 * H, count: 100, slow: 15 }]), T0 + 6 * H, SLO);
    expect(alerts.map((a) => [a.dimension, a.severity, a.burnLong])).toEqual([
      ['latency:fast', 'high', 15],
      ['latency:ticket', 'low', 2.5],
    ]);
    expect(alerts[0]!.impact).toBe('15 % of answers missed the latency target in the last 1 h (5400 of 36000) against a budget of 1 %; at this rate the 30-day error budget is gone in 2 d');
  });
});

describe('addToBurn', () => {
  it('counts answers over the threshold as slow, and the slowest one exactly at it as not slow', () => {
    const at = (latencies: number[], errors = 0) => ({ ...window(0, 10 * S, { count: latencies.length, errors }), latency: latencies.reduce(addValue, emptySketch()) });
    // 2500 and 3000 are over 2000 ms; 100, 1500 and 1900 are under (all more than the sketch's 1 % away from 2000).
    expect(burnTotals(addToBurn(emptyBurnState(), at([100, 1500, 1900, 2500, 3000], 1), 2000), T0 + M, M)).toEqual({ count: 5, errors: 1, timed: 5, slow: 2 });
    // The slowest answer took exactly 2000 ms: not slow (the sketch is exact at its maximum).
    expect(burnTotals(addToBurn(emptyBurnState(), at([100, 2000]), 2000), T0 + M, M)).toEqual({ count: 2, errors: 0, timed: 2, slow: 0 });
  });

  it('sums windows into 1-minute buckets and reads a window as whole buckets back from now', () => {
    // 10 minutes of 6 windows/minute × 100 requests: 5 m = 5 buckets = 3000 requests; 1 h reaches back before the data.
    const state = feed([{ from: 0, to: 10 * M, count: 100, errors: 1 }]);
    expect(state.fine).toHaveLength(10);
    expect(burnTotals(state, T0 + 10 * M, 5 * M)).toEqual({ count: 3000, errors: 30, timed: 3000, slow: 0 });
    expect(burnTotals(state, T0 + 10 * M, H)).toEqual({ count: 6000, errors: 60, timed: 6000, slow: 0 });
    // The 3-day window reads the 30-minute buckets: one, holding all of it.
    expect(state.coarse).toHaveLength(1);
    expect(burnTotals(state, T0 + 10 * M, 3 * D)).toEqual({ count: 6000, errors: 60, timed: 6000, slow: 0 });
  });

  it('takes a late window into its bucket and ignores one older than any alert window', () => {
    const state = feed([{ from: 0, to: 4 * D, step: M, count: 10 }]);
    // Two minutes late: counted in its minute.
    const late = addToBurn(state, window(4 * D - 2 * M, 10 * S, { count: 5, errors: 5 }), THRESHOLD_MS);
    expect(burnTotals(late, T0 + 4 * D, 5 * M)).toEqual({ count: 55, errors: 5, timed: 55, slow: 0 });
    // Four days late: beyond the 3-day reach, dropped.
    expect(addToBurn(state, window(0, 10 * S, { count: 5, errors: 5 }), THRESHOLD_MS)).toEqual(state);
  });

  it('ignores windows without traffic and never changes the state it was given', () => {
    const state = feed([{ from: 0, to: H, count: 100, errors: 2 }]);
    const copy = structuredClone(state);
    expect(addToBurn(state, window(H, 10 * S, { count: 0 }), THRESHOLD_MS)).toBe(state);
    addToBurn(state, window(H, 10 * S, { count: 100, errors: 100 }), THRESHOLD_MS);
    expect(state).toEqual(copy);
  });

  it('keeps memory bounded: 10 days of 10 s windows hold as many buckets as 4 days', () => {
    // 1-minute buckets: 6 h + 1 spare = 361; 30-minute buckets: 3 d + 1 spare = 145. 86 400 windows in all.
    const day4 = feed([{ from: 0, to: 4 * D, count: 100, errors: 1 }]);
    const day10 = feed([{ from: 4 * D, to: 10 * D, count: 100, errors: 1 }], day4);
    for (const state of [day4, day10]) {
      expect(state.fine).toHaveLength(361);
      expect(state.coarse).toHaveLength(145);
    }
    expect(JSON.stringify(day10).length).toBe(JSON.stringify(day4).length);
    // And the alerts still see the right numbers: 1 % errors = 10×, between 6 and 14.4 → slow page and ticket.
    expect(dimensions(day10, 10 * D)).toEqual(['availability:slow', 'availability:ticket']);
  }, 30_000);
});
