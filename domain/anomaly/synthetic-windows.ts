// Clean, seeded window summaries of a few service shapes, as the SDK would report them every 10 s:
// the traffic on which the monitor's anomaly scoring must stay quiet (its false-page rate is measured
// on these: bench/false-pages.ts). Per request: a log-normal latency, a failure with a small
// probability, a quality score; per window: a request count that follows the shape's load curve.
// Nothing anomalous is planted; what varies is the normal: steady, daily and weekly cycles, bursty
// load, and low traffic where a window holds a handful of requests. Pure and deterministic.
import { SketchAccumulator } from '../latency-sketch';
import type { WindowSummary } from '../window-summary';
import { createRng, type Rng } from './rng';

/** A service's normal behaviour. */
export interface ServiceShape {
  name: string;
  /** Mean requests per second at the load curve's average. */
  rate: number;
  /** Load (multiple of `rate`) at time t. */
  load(t: number, rng: Rng): number;
  /** Median latency (ms) at a load multiple. */
  latencyMs(load: number): number;
  /** Log-normal σ of a request's latency. */
  sigma: number;
  errorRate: number;
  quality: number;
}

const DAY = 86_400_000;
const dayPhase = (t: number) => Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2); // −1 at midnight UTC, +1 at noon
const weekend = (t: number) => {
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
};

/** The shapes the false-page measurement runs: each a common kind of RAG service. */
export const SERVICE_SHAPES: readonly ServiceShape[] = [
  { name: 'steady', rate: 20, load: () => 1, latencyMs: () => 300, sigma: 0.35, errorRate: 0.005, quality: 0.85 },
  {
    name: 'daily-cycle',
    rate: 15,
    // Busy afternoons, quiet nights, lighter weekends; latency climbs with load.
    load: (t) => (1 + 0.7 * dayPhase(t)) * (weekend(t) ? 0.6 : 1),
    latencyMs: (load) => 250 + 120 * load,
    sigma: 0.4,
    errorRate: 0.01,
    quality: 0.82,
  },
  {
    name: 'bursty',
    rate: 8,
    // Batch jobs and retries: most windows near the mean, one in fifty a burst of 2–6× the load.
    load: (_t, rng) => (rng.next() < 0.02 ? 2 + 4 * rng.next() : 0.8 + 0.4 * rng.next()),
    latencyMs: (load) => 400 + 60 * load,
    sigma: 0.6,
    errorRate: 0.02,
    quality: 0.8,
  },
  { name: 'low-traffic', rate: 0.4, load: (t) => 1 + 0.5 * dayPhase(t), latencyMs: () => 900, sigma: 0.5, errorRate: 0.03, quality: 0.78 },
];

/** A Poisson draw (Knuth for small means, a rounded normal for large ones). */
function poisson(mean: number, rng: Rng): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** `count` consecutive clean windows of `shape` from `start`, `windowMs` apart, for one service. */
export function* cleanWindows(shape: ServiceShape, o: { service: string; start: number; count: number; seed: number; windowMs?: number }): Generator<WindowSummary> {
  const rng = createRng(o.seed);
  const windowMs = o.windowMs ?? 10_000;
  for (let i = 0; i < o.count; i++) {
    const start = o.start + i * windowMs;
    const load = shape.load(start, rng);
    const n = poisson(shape.rate * load * (windowMs / 1000), rng);
    const median = shape.latencyMs(load);
    const sketch = new SketchAccumulator();
    let errors = 0;
    let qualitySum = 0;
    for (let r = 0; r < n; r++) {
      sketch.add(median * Math.exp(shape.sigma * rng.normal()));
      if (rng.next() < shape.errorRate) errors++;
      qualitySum += Math.min(1, Math.max(0, shape.quality + 0.08 * rng.normal()));
    }
    yield {
      service: o.service,
      start,
      durationMs: windowMs,
      count: n,
      errors,
      latency: sketch.toSketch(),
      qualitySum,
      qualityCount: n,
      costUsdSum: n * 0.002 * (1 + 0.1 * rng.normal() ** 2),
      tokensSum: n * 900,
      satisfactionSum: 0,
      satisfactionCount: 0,
      dropped: 0,
    };
  }
}
