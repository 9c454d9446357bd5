import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema, type ExperimentDefinition } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateUserWindow, type UserTraffic } from '../../domain/experiments/simulate';
import { VariantAccumulator } from '../../domain/experiments/variant-accumulator';
import { addTotals, emptyTotals, totalsOf, type VariantTotals } from '../../domain/experiments/variant-window';

const definition = (unit: 'user' | 'request'): ExperimentDefinition =>
  experimentDefinitionSchema.parse({
    name: 'aa',
    service: 'rag',
    unit,
    variants: [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.5 }],
    primary: 'quality',
    mde: 0.05,
    stopForFutility: false,
    baseline: { mean: 0.7, sd: 0.2 },
  });
const perUser = definition('user');
// The same windows tested as if every request were independent: what the workflow did before per-unit sums.
const perRequest = definition('request');
const plan = planExperiment(perUser, null);

const EXPERIMENTS = 500;
const WINDOWS = 20;
// 40 users a window, 20–50 requests each; a user's effect (σ 0.15) outweighs a request's noise (σ 0.1 here): intra-user correlation 0.69.
const TRAFFIC: Omit<UserTraffic, 'prefix'> = { users: 40, requests: [20, 50], userSd: 0.15 };
const TRUTH = { ...DEFAULT_TRUTH, qualitySd: 0.1 };

/** One A/A experiment, a look after every window under both variances; true where each reached a (false) decision. */
function run(seed: number, returning: boolean, cumulative = true): { user: boolean; request: boolean } {
  const rng: Rng = createRng(seed);
  const users = new Map<string, { point: number; effect: number }>();
  const draw = () => ({ point: rng.next(), effect: rng.normal() });
  const userOf = (id: string) => (returning ? (users.get(id) ?? users.set(id, draw()).get(id)!) : draw());
  // Kept across windows, as the SDK keeps them.
  const accs = new Map<string, VariantAccumulator>();
  const totals: Record<string, VariantTotals> = { control: emptyTotals(), b: emptyTotals() };
  let su: LookState = initialLookState();
  let sr: LookState = initialLookState();
  const out = { user: false, request: false };
  for (let w = 0; w < WINDOWS; w++) {
    // Returning: each window's 40 users drawn from 300, so most come back several times and new ones keep arriving.
    const traffic = returning ? { ...TRAFFIC, prefix: 'u', pool: 300 } : { ...TRAFFIC, prefix: `w${w}` };
    for (const win of simulateUserWindow(rng, 'aa', { control: TRUTH, b: TRUTH }, traffic, w * 10_000, userOf, cumulative ? accs : undefined)) totals[win.variant] = addTotals(totals[win.variant]!, totalsOf(win));
    if (!out.user) {
      const r = evaluateLook(perUser, plan, totals, su);
      su = r.state;
      expect(r.variance.kind).toBe('unit');
      if (r.final) out.user = true;
    }
    if (!out.request) {
      const r = evaluateLook(perRequest, plan, totals, sr);
      sr = r.state;
      if (r.final) out.request = true;
    }
  }
  return out;
}

describe('A/A with correlated requests per user (a look after every window)', () => {
  // Each window brings new users (the case per-window clusters describe exactly). Any ship or
  // stop-for-harm is a false positive: per request far above alpha, per user within alpha + 1 pt.
  it(`${EXPERIMENTS} experiments × ${WINDOWS} looks: the per-user variance holds alpha, the per-request one does not`, { timeout: 120_000 }, () => {
    let user = 0;
    let request = 0;
    for (let i = 0; i < EXPERIMENTS; i++) {
      const r = run(7_000 + i, false);
      if (r.user) user++;
      if (r.request) request++;
    }
    console.log(`A/A, new users every window: false positives per request ${request} / ${EXPERIMENTS}, per user (delta method) ${user} / ${EXPERIMENTS}`);
    expect(request / EXPERIMENTS).toBeGreaterThan(0.2);
    expect(user / EXPERIMENTS).toBeLessThanOrEqual(perUser.alpha + 0.01);
  });

  // Users drawn from a pool of 300 every window, each keeping its variant and its effect: the slots
  // are cumulative, so a user is one cluster across windows and alpha still holds.
  it(`users returning across windows (${EXPERIMENTS} experiments): one cluster per user across windows, alpha holds`, { timeout: 120_000 }, () => {
    let user = 0;
    let request = 0;
    for (let i = 0; i < EXPERIMENTS; i++) {
      const r = run(90_000 + i, true);
      if (r.user) user++;
      if (r.request) request++;
    }
    console.log(`A/A, 40 users a window from a pool of 300: false positives per request ${request} / ${EXPERIMENTS}, per user ${user} / ${EXPERIMENTS}`);
    expect(request / EXPERIMENTS).toBeGreaterThan(0.2);
    expect(user / EXPERIMENTS).toBeLessThanOrEqual(perUser.alpha + 0.01);
  });

  // What per-window clusters (a fresh accumulator every window) would give with returning users:
  // the correlation across windows is missed. Measured to show why the slots are cumulative.
  it('returning users with clusters cut at every window: far above alpha', { timeout: 120_000 }, () => {
    let user = 0;
    for (let i = 0; i < EXPERIMENTS; i++) if (run(90_000 + i, true, false).user) user++;
    console.log(`A/A, 40 users a window from a pool of 300, clusters cut at every window: false positives per user ${user} / ${EXPERIMENTS}`);
    expect(user / EXPERIMENTS).toBeGreaterThan(perUser.alpha + 0.02);
  });
});
