// Seeded traffic for experiments: per-variant windows drawn from known truths, for the A/A and
// power simulations, the benchmark and `vigil experiments demo`. Samples go through the same
// accumulator the SDK uses, so what is tested is what services send.
import type { Rng } from '../anomaly/rng';
import { VariantAccumulator } from './variant-accumulator';
import type { VariantWindow } from './variant-window';

/** One variant's true behaviour. */
export interface VariantTruth {
  qualityMean: number;
  qualitySd: number;
  successRate: number;
  costMean: number;
  /** Log-normal latency: median ms and σ of log latency. */
  latencyMedianMs: number;
  latencyLogSd: number;
  /** Share of traffic (relative). */
  weight: number;
}

export const DEFAULT_TRUTH: VariantTruth = { qualityMean: 0.7, qualitySd: 0.2, successRate: 0.98, costMean: 0.002, latencyMedianMs: 400, latencyLogSd: 0.5, weight: 1 };

/**
 * One window of `requests` requests split over the variants by weight (each request its own unit),
 * as one VariantWindow per variant. `latency: false` skips the sketch (the A/A runs need no p95).
 */
export function simulateWindow(rng: Rng, experiment: string, truths: Record<string, VariantTruth>, requests: number, start: number, opts: { latency?: boolean } = {}): VariantWindow[] {
  const names = Object.keys(truths);
  const total = names.reduce((s, n) => s + truths[n]!.weight, 0);
  const acc = new Map(names.map((n) => [n, new VariantAccumulator()]));
  for (let i = 0; i < requests; i++) {
    let point = rng.next() * total;
    let name = names[names.length - 1]!;
    for (const n of names) {
      point -= truths[n]!.weight;
      if (point < 0) {
        name = n;
        break;
      }
    }
    const t = truths[name]!;
    const a = acc.get(name)!;
    a.exposures++;
    a.add(
      {
        latencyMs: opts.latency === false ? 1 : t.latencyMedianMs * Math.exp(t.latencyLogSd * rng.normal()),
        ok: rng.next() < t.successRate,
        qualityScore: t.qualityMean + t.qualitySd * rng.normal(),
        costUsd: t.costMean * (0.5 + rng.next()),
      },
      opts.latency !== false,
    );
  }
  return names.map((n) => ({ experiment, variant: n, start, durationMs: 10_000, ...acc.get(n)!.toTotals() }));
}

/** Users whose requests share a per-user random effect on quality (what makes them correlated). */
export interface UserTraffic {
  users: number;
  /** Requests per user in the window, uniform in [min, max]. */
  requests: [number, number];
  /** σ of the per-user effect on quality; the per-request σ is the truth's qualitySd. */
  userSd: number;
  /** Ids of this window's users: the same prefix in every window means the same users return. */
  prefix: string;
  /** Draw each window's users at random from this many ids (so some return, some are new); default: ids 0 … users − 1. */
  pool?: number;
  /** Draw log-normal latencies into the sketch (the A/A runs need no p95). */
  latency?: boolean;
  /** σ of the user's effect on log latency (a user on a slow network is slow on every request); default 0. */
  latencyUserSd?: number;
}

/**
 * One window of users, each assigned by weight and sending its requests tagged with its id, so the
 * windows carry per-unit sums. `userOf` gives each id its point in [0, 1) (its variant, as sticky
 * assignment would) and its standard-normal effect; the caller memoises it when users return. Pass
 * the same `accs` every window, as the SDK keeps its accumulators, so returning users stay one cluster.
 */
export function simulateUserWindow(
  rng: Rng,
  experiment: string,
  truths: Record<string, VariantTruth>,
  traffic: UserTraffic,
  start: number,
  userOf: (id: string) => { point: number; effect: number },
  accs = new Map<string, VariantAccumulator>(),
): VariantWindow[] {
  const names = Object.keys(truths);
  const total = names.reduce((s, n) => s + truths[n]!.weight, 0);
  for (const n of names) if (!accs.has(n)) accs.set(n, new VariantAccumulator());
  const acc = accs;
  for (let u = 0; u < traffic.users; u++) {
    const id = `${traffic.prefix}-${traffic.pool ? Math.floor(rng.next() * traffic.pool) : u}`;
    const user = userOf(id);
    let point = user.point * total;
    const name = names.find((n) => (point -= truths[n]!.weight) < 0) ?? names[names.length - 1]!;
    const t = truths[name]!;
    const a = acc.get(name)!;
    a.exposures++;
    const effect = traffic.userSd * user.effect;
    const slowness = (traffic.latencyUserSd ?? 0) * user.effect;
    const [lo, hi] = traffic.requests;
    const k = lo + Math.floor(rng.next() * (hi - lo + 1));
    for (let i = 0; i < k; i++) {
      const latencyMs = traffic.latency ? t.latencyMedianMs * Math.exp(slowness + t.latencyLogSd * rng.normal()) : 1;
      a.add({ latencyMs, ok: rng.next() < t.successRate, qualityScore: t.qualityMean + effect + t.qualitySd * rng.normal(), costUsd: t.costMean * (0.5 + rng.next()) }, traffic.latency === true, id);
    }
  }
  return names.map((n) => {
    const a = acc.get(n)!;
    const w = { experiment, variant: n, start, durationMs: 10_000, ...a.toTotals() };
    a.reset();
    return w;
  });
}
