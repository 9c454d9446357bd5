// Realistic synthetic history for `vigil seed` and the analytics tests: traffic with daily and
// weekly seasonality, a slow p95 drift, a cost step, and noisy quality/satisfaction. Deterministic
// for a seed, so tests and demos see the same numbers every time.
import { createRng, deriveSeed, type Rng } from '../anomaly/rng';
import { SketchAccumulator } from '../latency-sketch';
import type { WindowSummary } from '../window-summary';
import { DAY_MS } from './slots';

/** How one synthetic service behaves. */
export interface SyntheticService {
  service: string;
  /** Mean requests per second at the daily peak on a weekday. */
  peakRps: number;
  /** Median latency at the start (ms); p95 ≈ 2.5 × this. */
  baseLatencyMs: number;
  /** Relative latency growth per day (0.01: +1 %/day): the slow drift forecasts should see. */
  latencyDriftPerDay: number;
  errorRate: number;
  quality: number;
  satisfaction: number;
  costPerRequestUsd: number;
  /** From this time (epoch ms) cost per request is multiplied by costStepFactor (a model change). */
  costStepAt?: number;
  costStepFactor?: number;
  /** Replicas reporting (sources replica-0…). */
  replicas: number;
}

/** A default cast of services for `vigil seed --services n`. */
export function syntheticServices(n: number, from: number, days: number): SyntheticService[] {
  const names = ['checkout-rag', 'support-rag', 'search-rag', 'docs-rag', 'sales-rag', 'legal-rag', 'hr-rag', 'ops-rag'];
  return Array.from({ length: n }, (_, i) => ({
    service: i < names.length ? names[i]! : `service-${i + 1}-rag`,
    peakRps: 2 + 3 * ((i * 7) % 5),
    baseLatencyMs: 300 + 120 * (i % 4),
    latencyDriftPerDay: i === 0 ? 0.02 : 0.003 * (i % 3),
    errorRate: 0.0005 + 0.0005 * (i % 3),
    quality: 0.82 - 0.03 * (i % 4),
    satisfaction: 0.78 - 0.02 * (i % 3),
    costPerRequestUsd: 0.002 + 0.001 * (i % 3),
    costStepAt: from + Math.floor(days * 0.6) * DAY_MS,
    costStepFactor: i % 2 === 0 ? 1.3 : 1,
    replicas: 1 + (i % 3),
  }));
}

/** Traffic shape: a daily curve peaking mid-afternoon UTC, and weekends at 55 %. */
export function trafficFactor(t: number): number {
  const hour = (t % DAY_MS) / 3_600_000;
  const daily = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)) ** 1.5;
  const weekday = new Date(t).getUTCDay();
  return daily * (weekday === 0 || weekday === 6 ? 0.55 : 1);
}

function poisson(rng: Rng, mean: number): number {
  // Normal approximation above 30 keeps generation fast for busy windows; exact below.
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const l = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > l; p *= rng.next()) k++;
  return k;
}

/** One service's windows over [from, to), every windowMs, per replica (requests split between replicas). */
export function* syntheticWindows(s: SyntheticService, from: number, to: number, seed: number, windowMs = 10_000): Generator<WindowSummary> {
  const rng = createRng(deriveSeed(seed, [...s.service].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7)));
  const acc = new SketchAccumulator();
  for (let t = from; t < to; t += windowMs) {
    const days = (t - from) / DAY_MS;
    const median = s.baseLatencyMs * (1 + s.latencyDriftPerDay * days) * (1 + 0.25 * trafficFactor(t));
    const costPer = s.costPerRequestUsd * (s.costStepAt !== undefined && t >= s.costStepAt ? (s.costStepFactor ?? 1) : 1);
    for (let r = 0; r < s.replicas; r++) {
      const n = poisson(rng, (s.peakRps * trafficFactor(t) * windowMs) / 1000 / s.replicas);
      acc.reset();
      let errors = 0;
      let quality = 0;
      let satisfaction = 0;
      let satisfactionCount = 0;
      for (let i = 0; i < n; i++) {
        // Log-normal latency: σ = 0.55 puts p95 at about 2.5 × the median.
        acc.add(median * Math.exp(0.55 * rng.normal()));
        if (rng.next() < s.errorRate) errors++;
        quality += Math.min(1, Math.max(0, s.quality + 0.08 * rng.normal()));
        if (rng.next() < 0.1) {
          satisfactionCount++;
          satisfaction += rng.next() < s.satisfaction ? 1 : 0;
        }
      }
      yield {
        service: s.service,
        source: `replica-${r}`,
        start: t,
        durationMs: windowMs,
        count: n,
        errors,
        latency: acc.toSketch(),
        qualitySum: quality,
        qualityCount: n,
        costUsdSum: costPer * n,
        tokensSum: n * 900,
        satisfactionSum: satisfaction,
        satisfactionCount,
        dropped: 0,
      };
    }
  }
}

/** A synthetic incident: what a projection row holds, for the seeded history. */
export interface SyntheticIncident {
  id: string;
  service: string;
  kind: string;
  severity: string;
  title: string;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
}

/** About one incident per service every three days, acked within minutes and resolved within hours. */
export function syntheticIncidents(services: readonly SyntheticService[], from: number, to: number, seed: number): SyntheticIncident[] {
  const rng = createRng(deriveSeed(seed, 99));
  const kinds: Array<[kind: string, severity: string, title: string]> = [
    ['response_time_sla', 'high', 'p95 response time above its SLA'],
    ['availability_sla', 'critical', 'availability below its SLA'],
    ['quality_sla', 'medium', 'average quality below its SLA'],
    ['anomaly', 'low', 'anomalous latency'],
  ];
  const out: SyntheticIncident[] = [];
  for (const s of services) {
    for (let t = from + rng.int(3 * DAY_MS); t < to; t += DAY_MS + rng.int(4 * DAY_MS)) {
      const [kind, severity, title] = kinds[rng.int(kinds.length)]!;
      const ack = t + 60_000 * (2 + rng.int(20));
      const resolve = ack + 60_000 * (15 + rng.int(180));
      out.push({
        id: `seed-${s.service}-${t}`,
        service: s.service,
        kind,
        severity,
        title: `${s.service}: ${title}`,
        openedAt: t,
        acknowledgedAt: ack < to ? ack : null,
        resolvedAt: resolve < to ? resolve : null,
      });
    }
  }
  return out;
}
