// Unit ids as real traffic repeats them: a few heavy users, a long tail (Zipf), reproducible by seed.
import { createRng } from '../../domain/anomaly/rng';

/** n ids `user-<rank>` over `users` distinct ones, rank r drawn with weight 1 / (r + 1)^s. */
export function zipfIds(n: number, users: number, s: number, seed: number): string[] {
  const cdf = new Float64Array(users);
  let sum = 0;
  for (let r = 0; r < users; r++) cdf[r] = sum += 1 / (r + 1) ** s;
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const x = rng.next() * sum;
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return `user-${lo}`;
  });
}
