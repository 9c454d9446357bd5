import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema, type ExperimentDefinition } from '../../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookState } from '../../domain/experiments/evaluate';
import { planExperiment } from '../../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateUserWindow, type UserTraffic } from '../../domain/experiments/simulate';
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
function run(seed: number, returning: boolean): { user: boolean; request: boolean } {
  const rng: Rng = createRng(seed);
  const users = new Map<string, { point: number; effect: number }>();
  const draw = () => ({ point: rng.next(), effect: rng.normal() });
  const userOf = (id: string) => (returning ? (users.get(id) ?? users.set(id, draw()).get(id)!) : draw());
  const totals: Record<string, VariantTotals> = { control: emptyTotals(), b: emptyTotals() };
  let su: LookState = initialLookState();
  let sr: LookState = initialLookState();
  const out = { user: false, request: false };
  for (let w = 0; w < WINDOWS; w++) {
    const prefix = returning ? 'u' : `w${w}`;
    for (const win of simulateUserWindow(rng, 'aa', { control: TRUTH, b: TRUTH }, { ...TRAFFIC, prefix }, w * 10_000, userOf)) totals[win.variant] = addTotals(totals[win.variant]!, totalsOf(win));
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

  // The stated limit: a user active in several windows is a separate cluster in each, so the
  // correlation across windows is missed and the rate rises again (measured, not a guarantee).
  it('the same users returning every window: the per-window clusters understate the variance (the documented limit)', { timeout: 120_000 }, () => {
    let user = 0;
    const runs = 200;
    for (let i = 0; i < runs; i++) if (run(90_000 + i, true).user) user++;
    console.log(`A/A, the same 40 users every window: false positives per user (clusters per window) ${user} / ${runs}`);
    expect(user / runs).toBeGreaterThan(perUser.alpha + 0.01);
  });
});
