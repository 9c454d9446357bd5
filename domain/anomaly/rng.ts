// A seeded PRNG for the anomaly detectors and their synthetic test data: mulberry32 (a 32-bit
// counter stepped by an odd constant, then mixed), small, fast and identical on every platform,
// since it uses only 32-bit integer arithmetic. Not for anything that needs to be unpredictable.
import { VigilError } from '../errors';

/** A deterministic stream of pseudo-random numbers; two instances with the same state agree forever. */
export interface Rng {
  /** Uniform in [0, 1), a multiple of 2^-32. */
  next(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32. */
  int(n: number): number;
  /** Standard normal (Box–Muller, one draw per pair: keeps the state a single integer). */
  normal(): number;
  /** The current 32-bit state: `rngFromState(state)` continues the very same sequence. */
  state(): number;
}

// The murmur3 finaliser: spreads nearby seeds (1, 2, 3…) to unrelated starting states.
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The 32-bit starting state for an integer seed (any safe integer, negative ones included). */
export function seedState(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new VigilError('invalid_input', `rng seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0; // two's complement low word, so -1 and 2^32-1 differ through `hi`
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi + 0x9e3779b9));
}

/** A seed for the k-th derived stream of `seed` (one per tree batch, per retrain…), itself a safe integer. */
export function deriveSeed(seed: number, k: number): number {
  return mix32(seedState(seed) ^ mix32(k + 0x7f4a7c15));
}

/** Continues a sequence from a state captured with `rng.state()`. */
export function rngFromState(state: number): Rng {
  if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
    throw new VigilError('invalid_input', `rng state must be an unsigned 32-bit integer, got ${state}`);
  }
  let a = state >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next(); // (0, 1]: log stays finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    state: () => a,
  };
}

/** A generator seeded from an integer: same seed → same sequence. */
export function createRng(seed: number): Rng {
  return rngFromState(seedState(seed));
}
