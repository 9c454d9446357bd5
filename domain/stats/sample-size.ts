// How many units each arm needs before a test can see the minimum detectable effect.
import { normalCdf, normalQuantile } from './normal';

/** Power of the two-sided two-sample z test at n per arm for a standardized effect (MDE / σ). */
export function twoSampleZPower(effect: number, nPerArm: number, alpha: number): number {
  const z = normalQuantile(1 - alpha / 2);
  const shift = Math.abs(effect) * Math.sqrt(nPerArm / 2);
  return normalCdf(shift - z) + normalCdf(-shift - z);
}

/** Units per arm (fractional, round up to use) for `power` at two-sided `alpha` and a standardized effect. */
export function sampleSizePerArm(effect: number, alpha: number, power: number): number {
  // Start from the usual closed form (which ignores the far tail), then solve the power equation exactly.
  const guess = 2 * ((normalQuantile(1 - alpha / 2) + normalQuantile(power)) / effect) ** 2;
  let lo = guess / 2;
  let hi = guess * 2;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * guess; i++) {
    const mid = (lo + hi) / 2;
    if (twoSampleZPower(effect, mid, alpha) < power) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
