// Many sketches and windows merged at once. latency-sketch.ts merges two at a time, re-sorting the
// bucket keys each time; folding an hour's 360 windows that way costs 360 sorts. Here the counts
// are summed in one pass and sorted once: the result is identical (bucket counts add exactly).
import { emptySketch, type LatencySketch } from '../latency-sketch';
import type { WindowSummary } from '../window-summary';

/** The merge of sketches sharing the first one's accuracy (others are skipped: they cannot merge). */
export function mergeAll(sketches: readonly LatencySketch[]): LatencySketch {
  const first = sketches.find((s) => s.count > 0) ?? sketches[0];
  if (!first) return emptySketch();
  const counts = new Map<number, number>();
  let zeroCount = 0;
  let count = 0;
  let sum = 0;
  let min = 0;
  let max = 0;
  for (const s of sketches) {
    if (s.alpha !== first.alpha || s.count === 0) continue;
    for (const k in s.buckets) {
      const i = Number(k);
      counts.set(i, (counts.get(i) ?? 0) + s.buckets[k]!);
    }
    min = count === 0 ? s.min : Math.min(min, s.min);
    max = count === 0 ? s.max : Math.max(max, s.max);
    zeroCount += s.zeroCount;
    count += s.count;
    sum += s.sum;
  }
  const buckets: Record<string, number> = {};
  for (const i of [...counts.keys()].sort((a, b) => a - b)) if (counts.get(i) !== 0) buckets[String(i)] = counts.get(i)!;
  return { alpha: first.alpha, buckets, zeroCount, count, sum, min, max };
}

/** Windows of one service as one (for a timeslice's SLA check). */
export function mergeWindowList(windows: readonly WindowSummary[]): WindowSummary {
  const w0 = windows[0]!;
  const out: WindowSummary = { ...w0, count: 0, errors: 0, qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0, latency: mergeAll(windows.map((w) => w.latency)) };
  let end = w0.start + w0.durationMs;
  for (const w of windows) {
    out.count += w.count;
    out.errors += w.errors;
    out.qualitySum += w.qualitySum;
    out.qualityCount += w.qualityCount;
    out.costUsdSum += w.costUsdSum;
    out.tokensSum += w.tokensSum;
    out.satisfactionSum += w.satisfactionSum;
    out.satisfactionCount += w.satisfactionCount;
    out.dropped += w.dropped;
    out.start = Math.min(out.start, w.start);
    end = Math.max(end, w.start + w.durationMs);
  }
  out.durationMs = end - out.start;
  return out;
}
