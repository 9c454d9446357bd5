import { SketchAccumulator } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';

/** A window summary as a reporter would send it: n requests at one latency, some failing, an average quality. */
export function windowOf(o: { service: string; start: number; n?: number; latencyMs?: number; errors?: number; quality?: number; durationMs?: number }): WindowSummary {
  const n = o.n ?? 100;
  const acc = new SketchAccumulator();
  for (let i = 0; i < n; i++) acc.add(o.latencyMs ?? 300);
  return {
    service: o.service,
    start: o.start,
    durationMs: o.durationMs ?? 10_000,
    count: n,
    errors: o.errors ?? 0,
    latency: acc.toSketch(),
    qualitySum: (o.quality ?? 0.9) * n,
    qualityCount: n,
    costUsdSum: 0.002 * n,
    tokensSum: 500 * n,
    satisfactionSum: 0,
    satisfactionCount: 0,
    dropped: 0,
  };
}
