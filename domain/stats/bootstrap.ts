// Percentile bootstrap confidence intervals for reports. Windows, not requests, are resampled: the
// samples inside a window are not kept, and resampling whole windows keeps whatever correlation
// they share (a block bootstrap). Seeded, so a report rebuilt from the same windows is the same.
import { createRng } from '../anomaly/rng';

/**
 * The (1 − alpha) percentile interval of `statistic` over `resamples` resamples of each group
 * (groups resampled independently, each with replacement at its own size).
 */
export function bootstrapCi<T>(groups: ReadonlyArray<readonly T[]>, statistic: (resampled: T[][]) => number, opts: { resamples?: number; alpha?: number; seed?: number } = {}): [number, number] {
  const resamples = opts.resamples ?? 2000;
  const alpha = opts.alpha ?? 0.05;
  const rng = createRng(opts.seed ?? 17);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const drawn = groups.map((g) => Array.from({ length: g.length }, () => g[rng.int(g.length)]!));
    const v = statistic(drawn);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return [Number.NaN, Number.NaN];
  values.sort((a, b) => a - b);
  return [percentile(values, alpha / 2), percentile(values, 1 - alpha / 2)];
}

/** Linear interpolation between order statistics (numpy's default, as scipy's percentile bootstrap uses). */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
