import { describe, expect, it } from 'vitest';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { noteStops, srmAcrossStops, type StopSnapshot } from '../../domain/experiments/srm-stops';
import { emptyTotals, type VariantTotals } from '../../domain/experiments/variant-window';
import { srmTest } from '../../domain/stats/srm';

const three = [
  { name: 'control', weight: 0.4 },
  { name: 'b', weight: 0.3 },
  { name: 'c', weight: 0.3 },
];
// b stopped at look 5 with these counts (a fair 40/30/30 split so far).
const stopB: StopSnapshot = { atLook: 5, stopped: ['b'], counts: { control: 40_000, b: 30_000, c: 30_000 } };

describe('sample-ratio mismatch after a variant is stopped', () => {
  it.each([
    // After the stop b's units are counted nowhere (assign() gives them control with live: false), so
    // control and c split what is counted 40:30; b's few late windows (assigned before the refresh) say nothing.
    { case: 'a fair split after the stop passes', after: { control: 20_000, b: 150, c: 15_000 }, mismatch: false },
    // c loses 10 % of its units after the stop (40 % of what is counted instead of 3/7): a broken assignment, caught.
    { case: 'a real mismatch after the stop is caught', after: { control: 20_000, b: 0, c: 13_500 }, mismatch: true },
    // The phase before the stop is still checked: 1 % of units lost from c before the stop.
    { case: 'a mismatch before the stop still fails', after: { control: 20_000, b: 0, c: 15_000 }, before: { control: 40_000, b: 30_000, c: 29_000 }, mismatch: true },
  ])('$case', ({ after, before, mismatch }) => {
    const stop: StopSnapshot = { ...stopB, counts: before ?? stopB.counts };
    const current = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round(v) + stop.counts[k]!]));
    const r = srmAcrossStops(three, current, [stop]);
    expect(r.srm!.mismatch).toBe(mismatch);
    expect(r.phases.map((p) => p.running)).toEqual([['control', 'b', 'c'], ['control', 'c']]);
    expect(r.srm!.df).toBe(2 + 1);
  });

  it('the old test against the original weights would raise a false mismatch after the stop', () => {
    const current = { control: 60_000, b: 30_150, c: 45_000 };
    expect(srmTest([current.control, current.b, current.c], [0.4, 0.3, 0.3]).mismatch).toBe(true);
    expect(srmAcrossStops(three, current, [stopB]).srm!.mismatch).toBe(false);
  });

  it('two variants: nothing left to compare after the stop, the phase before it is still tested', () => {
    const two = [three[0]!, { name: 'b', weight: 0.6 }];
    const r = srmAcrossStops(two, { control: 9_000, b: 6_000 }, [{ atLook: 3, stopped: ['b'], counts: { control: 4_000, b: 6_000 } }]);
    expect(r.phases[1]!.result).toBeNull();
    expect(r.srm).toEqual(srmTest([4_000, 6_000], [0.4, 0.6]));
  });

  it('a second stop cuts a third phase with its own weights', () => {
    const four = [...three, { name: 'd', weight: 0.3 }];
    const s1: StopSnapshot = { atLook: 2, stopped: ['b'], counts: { control: 400, b: 300, c: 300, d: 300 } };
    const s2: StopSnapshot = { atLook: 4, stopped: ['b', 'c'], counts: { control: 800, b: 300, c: 600, d: 600 } };
    const r = srmAcrossStops(four, { control: 1_200, b: 300, c: 610, d: 900 }, [s1, s2]);
    expect(r.phases.map((p) => [p.running, p.counts])).toEqual([
      [['control', 'b', 'c', 'd'], [400, 300, 300, 300]],
      [['control', 'c', 'd'], [400, 300, 300]],
      [['control', 'd'], [400, 300]],
    ]);
    expect(r.srm!.mismatch).toBe(false);
  });

  it('a snapshot is taken only at a look that stopped a variant, and not over stops that have none', () => {
    const counts = { control: 10, b: 10 };
    expect(noteStops([], {}, {}, 1, counts)).toEqual([]);
    expect(noteStops([], {}, { b: {} }, 2, counts)).toEqual([{ atLook: 2, stopped: ['b'], counts }]);
    // b was stopped before snapshots were kept: its phases cannot be cut, so none is added for c.
    expect(noteStops([], { b: {} }, { b: {}, c: {} }, 3, counts)).toEqual([]);
  });

  it('the look keeps the gate on after a guardrail stop and withholds results on a mismatch; without snapshots it is off as before', () => {
    const d = experimentDefinitionSchema.parse({ name: 'srm', service: 'rag', variants: three, primary: 'quality', mde: 0.05 });
    const plan = planExperiment(d, null);
    const totals = (counts: Record<string, number>): Record<string, VariantTotals> =>
      Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, { ...emptyTotals(), exposures: n, requests: n, ok: n, quality: { n, sum: 0.7 * n, sumSq: 0.5 * n } }]));
    const prev: LookState = { ...initialLookState(), look: 5, stopped: { b: { reason: 'guardrail', why: 'b: p95', atLook: 5 } } };
    const fair = evaluateLook(d, plan, totals({ control: 60_000, b: 30_000, c: 45_000 }), prev, [stopB]);
    expect(fair.srm?.mismatch).toBe(false);
    expect(fair.srmPhases).toHaveLength(2);
    const starved = evaluateLook(d, plan, totals({ control: 60_000, b: 30_000, c: 41_000 }), prev, [stopB]);
    expect(starved.state.decision).toBe('withheld');
    expect(starved.state.why).toMatch(/phases split at each stopped variant/);
    expect(evaluateLook(d, plan, totals({ control: 60_000, b: 30_000, c: 41_000 }), prev).srm).toBeNull();
  });
});
