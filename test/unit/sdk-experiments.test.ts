import { describe, expect, it } from 'vitest';
import { assignVariant, pointFor, variantPicker } from '../../domain/experiments/assignment';
import type { VariantWindow } from '../../domain/experiments/variant-window';
import { srmTest } from '../../domain/stats/srm';
import { createExperiments, createReporter, type AssignmentView, type Transport } from '../../sdk';
import { FakeClock, settle } from '../support/fake-clock';

const view = (over: Partial<AssignmentView> = {}): AssignmentView => ({
  name: 'rerank',
  salt: 's1',
  unit: 'user',
  primary: 'quality',
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'b', weight: 0.5 },
  ],
  status: 'running',
  stoppedVariants: [],
  ...over,
});

const nowhere: Transport = { maxBatch: 100, send: async () => undefined };

describe('SDK assignment', () => {
  // 1M units over a 3-way 50/30/20 split: each unit always gets the same variant, and the counts fit
  // the weights (the SRM chi-square, not below α = 0.001); the points are uniform over 20 bins too.
  it('is sticky and uniform over 1M units (chi-square)', { timeout: 60_000 }, () => {
    const variants = [
      { name: 'a', weight: 50 },
      { name: 'b', weight: 30 },
      { name: 'c', weight: 20 },
    ];
    const counts = [0, 0, 0];
    const bins = new Array<number>(20).fill(0);
    const pick = variantPicker(variants, 'exp-1', 'salt');
    const point = pointFor('exp-1', 'salt');
    for (let i = 0; i < 1_000_000; i++) {
      const unit = `user-${i}`;
      const v = pick(unit);
      counts[variants.indexOf(v)]!++;
      bins[Math.floor(point(unit) * 20)]!++;
      if (i % 100_000 === 0) expect(assignVariant(variants, 'exp-1', 'salt', unit)).toBe(v);
    }
    expect(srmTest(counts, [50, 30, 20]).p).toBeGreaterThan(0.001);
    expect(srmTest(bins, new Array<number>(20).fill(1)).p).toBeGreaterThan(0.001);
  });

  it('a different salt re-randomises: about half the units change variant', () => {
    const vs = view().variants;
    let changed = 0;
    for (let i = 0; i < 10_000; i++) if (assignVariant(vs, 'e', 'salt-1', `u${i}`).name !== assignVariant(vs, 'e', 'salt-2', `u${i}`).name) changed++;
    expect(changed / 10_000).toBeGreaterThan(0.45);
    expect(changed / 10_000).toBeLessThan(0.55);
  });

  // The SRM gate on a 50.5/49.5 split at 200k units.
  it('a 50.5 / 49.5 split over 200,000 units fails the SRM gate; 50/50 noise does not', () => {
    expect(srmTest([101_000, 99_000], [0.5, 0.5]).mismatch).toBe(true);
    expect(srmTest([100_200, 99_800], [0.5, 0.5]).mismatch).toBe(false);
  });
});

describe('SDK experiments with the reporter', () => {
  it('tags samples per variant, counts first exposures, and honours the kill switch within one window', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 12, 0, 0));
    let current = view();
    const sent: VariantWindow[][] = [];
    const reporter = createReporter({ service: 'rag', source: 'r1', transport: nowhere, clock, windowMs: 10_000, experimentTransport: { send: async (w) => void sent.push([...w]) } });
    const experiments = createExperiments({ source: async () => current, experiments: ['rerank'], clock, refreshMs: 10_000, onExposure: (tag) => reporter.expose(tag) });
    await settle();
    const serve = (unit: string) => {
      const a = experiments.assign('rerank', unit);
      reporter.record({ latencyMs: a.variant === 'b' ? 300 : 200, ok: true, qualityScore: 0.8, experiment: a });
      return a;
    };
    const first = new Map<string, string>();
    for (let i = 0; i < 200; i++) first.set(`u${i}`, serve(`u${i}`).variant);
    for (let i = 0; i < 200; i++) expect(serve(`u${i}`).variant).toBe(first.get(`u${i}`)); // sticky
    await clock.advance(10_000);
    expect(sent).toHaveLength(1);
    const w = Object.fromEntries(sent[0]!.map((x) => [x.variant, x]));
    expect(w.b!.exposures + w.control!.exposures).toBe(200); // each unit once, though each was served twice
    expect(w.b!.requests + w.control!.requests).toBe(400);
    expect(w.b!.latency.count).toBe(w.b!.requests);
    expect(w.b!.quality.n).toBe(w.b!.requests);

    // The workflow stops b; within one refresh (one window) every unit gets control and b gets no samples.
    current = view({ stoppedVariants: ['b'] });
    await clock.advance(10_000);
    for (let i = 0; i < 200; i++) expect(serve(`u${i}`).variant).toBe('control');
    await clock.advance(10_000);
    const last = sent.at(-1)!;
    expect(last.map((x) => x.variant)).toEqual(['control']);
    // Only the control's own units: samples reassigned by the kill switch are not tagged as control.
    expect(last[0]!.requests).toBe([...first.values()].filter((v) => v === 'control').length);

    current = view({ status: 'paused' });
    await clock.advance(10_000);
    expect(experiments.assign('rerank', 'u1')).toMatchObject({ variant: 'control', live: false });
    experiments.stop();
    await reporter.shutdown();
  });
});
