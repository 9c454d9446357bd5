import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema, type ExperimentDefinitionInput } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateWindow, type VariantTruth } from '../../domain/experiments/simulate';
import { addTotals, emptyTotals, totalsOf, type VariantTotals } from '../../domain/experiments/variant-window';

const base: ExperimentDefinitionInput = {
  name: 'sim',
  service: 'rag',
  unit: 'request',
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'b', weight: 0.5 },
  ],
  primary: 'quality',
  mde: 0.05,
  alpha: 0.05,
  power: 0.8,
  baseline: { mean: 0.7, sd: 0.2 },
};

/** Runs one simulated experiment, a look after every window, until a final decision or maxPerArm. */
function run(seed: number, truths: Record<string, VariantTruth>, perWindow: number, maxPerArm: number, extra: Partial<ExperimentDefinitionInput> = {}) {
  const d = experimentDefinitionSchema.parse({ ...base, ...extra });
  const plan = planExperiment(d, null);
  const rng = createRng(seed);
  const totals: Record<string, VariantTotals> = { control: emptyTotals(), b: emptyTotals() };
  let state: LookState = initialLookState();
  for (let w = 0; ; w++) {
    for (const win of simulateWindow(rng, 'sim', truths, perWindow, w * 10_000, { latency: false })) totals[win.variant] = addTotals(totals[win.variant]!, totalsOf(win));
    const r = evaluateLook(d, plan, totals, state);
    state = r.state;
    const n = Math.min(totals.control!.requests, totals.b!.requests);
    if (r.final || n >= maxPerArm) return { decision: state.decision, n, looks: state.look };
  }
}

describe('always-valid decisions on simulated traffic', () => {
  // 1,000 A/A experiments, a look after every 100-request window, 60 looks each (futility stops
  // off, so every experiment is watched to the end): the false-positive rate (any ship or
  // stop-for-harm) stays within alpha + 1 point.
  // CPU-bound (about 2 s alone): a loaded shared machine gets a minute.
  it('A/A: false positives at most alpha + 1 pt with a look after every window', { timeout: 60_000 }, () => {
    let falsePositives = 0;
    let looks = 0;
    for (let i = 0; i < 1000; i++) {
      const r = run(1000 + i, { control: DEFAULT_TRUTH, b: DEFAULT_TRUTH }, 100, 3000, { stopForFutility: false });
      looks += r.looks;
      if (r.decision === 'ship' || r.decision === 'stop_harm') falsePositives++;
    }
    console.log(`A/A: ${falsePositives} / 1000 false positives, ${(looks / 1000).toFixed(1)} looks per experiment`);
    expect(looks / 1000).toBeGreaterThan(55);
    expect(falsePositives / 1000).toBeLessThanOrEqual(0.05 + 0.01);
  });

  // The true effect is the MDE: the share shipped by the planned units per arm is the achieved power.
  it('an effect of exactly the MDE ships by the planned size at least as often as planned (less 3 pts)', { timeout: 60_000 }, () => {
    const plan = planExperiment(experimentDefinitionSchema.parse(base), null);
    let shipped = 0;
    const runs = 400;
    for (let i = 0; i < runs; i++) {
      const r = run(50_000 + i, { control: DEFAULT_TRUTH, b: { ...DEFAULT_TRUTH, qualityMean: 0.7 * 1.05 } }, 200, plan.perArm);
      if (r.decision === 'ship') shipped++;
    }
    console.log(`power: ${shipped} / ${runs} shipped by ${plan.perArm} per arm (plan 0.8; fixed horizon would need ${plan.fixedHorizonPerArm})`);
    expect(shipped / runs).toBeGreaterThanOrEqual(0.8 - 0.03);
  });
});
