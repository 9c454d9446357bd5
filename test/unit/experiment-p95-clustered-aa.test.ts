import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookResult, type LookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateUserWindow, type UserTraffic, type VariantTruth } from '../../domain/experiments/simulate';
import { VariantAccumulator } from '../../domain/experiments/variant-accumulator';
import { addTotals, emptyTotals, totalsOf, type VariantTotals } from '../../domain/experiments/variant-window';

// The p95 as the primary, per user: a look after every window with the per-request sequence (the
// workflow before the design effect) and with each arm's design effect.
const definition = experimentDefinitionSchema.parse({
  name: 'p95',
  service: 'rag',
  unit: 'user',
  variants: [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.5 }],
  primary: 'p95_latency',
  mde: 0.1,
  stopForFutility: false,
  baseline: { mean: 400, sd: 0.5 },
});
const plan = planExperiment(definition, null);

/** The window (1-based) at which "p95 differs" first held, per sequence; 0: never. */
interface Run {
  naive: number;
  deff: number;
  /** The design effects at the last look with them (control, b). */
  last: [number, number];
}

const p95Of = (r: LookResult) => r.results.b?.find((m) => m.metric === 'p95_latency');

function run(seed: number, truths: Record<string, VariantTruth>, traffic: Omit<UserTraffic, 'prefix'>, windows: number): Run {
  const rng = createRng(seed);
  const users = new Map<string, { point: number; effect: number }>();
  const userOf = (id: string) => users.get(id) ?? users.set(id, { point: rng.next(), effect: rng.normal() }).get(id)!;
  // Kept across windows, as the SDK keeps them: returning users stay one cluster, and the threshold is the closed windows' p95.
  const accs = new Map<string, VariantAccumulator>();
  const totals: Record<string, VariantTotals> = { control: emptyTotals(), b: emptyTotals() };
  let sn: LookState = initialLookState();
  let sd: LookState = initialLookState();
  const out: Run = { naive: 0, deff: 0, last: [1, 1] };
  for (let w = 0; w < windows && !(out.naive && out.deff); w++) {
    for (const win of simulateUserWindow(rng, 'p95', truths, { ...traffic, prefix: 'u', latency: true }, w * 10_000, userOf, accs)) totals[win.variant] = addTotals(totals[win.variant]!, totalsOf(win));
    if (!out.naive) {
      const r = evaluateLook(definition, plan, totals, sn, undefined, { p95DesignEffect: false });
      sn = r.state;
      if (p95Of(r)?.significant) out.naive = w + 1;
    }
    if (!out.deff) {
      const r = evaluateLook(definition, plan, totals, sd);
      sd = r.state;
      const p = p95Of(r);
      if (p?.designEffect) out.last = [p.designEffect.control, p.designEffect.treatment];
      if (p?.significant) out.deff = w + 1;
    }
  }
  return out;
}

// Each window 40 users from a pool of 300 (most return several times), 20–50 requests each; a
// user's effect on log latency (σ 0.5) as large as a request's own (σ 0.5): intra-user correlation
// 0.5 on the log scale.
const AA: Omit<UserTraffic, 'prefix'> = { users: 40, requests: [20, 50], userSd: 0, latencyUserSd: 0.5, pool: 300 };
const EXPERIMENTS = 500;
const WINDOWS = 20;

describe('p95 with user-correlated latencies (a look after every window)', () => {
  // Per request the sequence's Kearns–Saul proxy (0.153 against p(1 − p) = 0.0475) absorbs part of
  // the clustering, so the excess is smaller than the mean metrics' but still beyond alpha; with the
  // design effect on top of that proxy the sequence is conservative.
  it(`A/A, ${EXPERIMENTS} experiments × ${WINDOWS} looks: per request above alpha, with the design effect within alpha + 1 pt`, { timeout: 60_000 }, () => {
    let naive = 0;
    let deff = 0;
    const deffs: number[] = [];
    for (let i = 0; i < EXPERIMENTS; i++) {
      const r = run(31_000 + i, { control: DEFAULT_TRUTH, b: DEFAULT_TRUTH }, AA, WINDOWS);
      if (r.naive) naive++;
      if (r.deff) deff++;
      deffs.push(...r.last);
    }
    deffs.sort((a, b) => a - b);
    console.log(`p95 A/A per user: "p95 differs" per request ${naive} / ${EXPERIMENTS}, with the design effect ${deff} / ${EXPERIMENTS}; deff at the last look median ${deffs[deffs.length >> 1]!.toFixed(1)} (${deffs[0]!.toFixed(1)}–${deffs.at(-1)!.toFixed(1)})`);
    expect(naive / EXPERIMENTS).toBeGreaterThan(definition.alpha + 0.02);
    expect(deff / EXPERIMENTS).toBeLessThanOrEqual(definition.alpha + 0.01);
  });

  // A 10 % slower variant (every latency × 1.1, so its p95 too), with a milder user effect (σ 0.25
  // against 0.43 per request: deff ≈ 3.7 for 20–50 requests, golden case 2) and more traffic: 600
  // users a window, drawn from ten million ids, so almost none return.
  it('a 10 % p95 rise on user-correlated latencies is still caught, later than per request', { timeout: 60_000 }, () => {
    const traffic: Omit<UserTraffic, 'prefix'> = { users: 600, requests: [20, 50], userSd: 0, latencyUserSd: 0.25, pool: 10_000_000 };
    const truth = { ...DEFAULT_TRUTH, latencyLogSd: 0.43 };
    const runs = 20;
    const windows = 30;
    const caught: number[] = [];
    const naive: number[] = [];
    const deffs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = run(55_000 + i, { control: truth, b: { ...truth, latencyMedianMs: truth.latencyMedianMs * 1.1 } }, traffic, windows);
      if (r.deff) caught.push(r.deff);
      if (r.naive) naive.push(r.naive);
      deffs.push(...r.last);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`p95 +10 % per user: caught with the design effect in ${caught.length} / ${runs} within ${windows} windows (on average at window ${mean(caught).toFixed(1)}, ~${Math.round((mean(caught) * 600 * 35) / 2)} requests per arm; plan at deff 1: ${plan.perArm}); per request ${naive.length} / ${runs} at ${mean(naive).toFixed(1)}; deff when caught ${Math.min(...deffs).toFixed(2)}–${Math.max(...deffs).toFixed(2)}`);
    expect(caught.length / runs).toBeGreaterThanOrEqual(0.8);
  });
});
