// The mixture sequential probability ratio test (mSPRT) for a difference in means: an always-valid
// p-value that may be looked at after every window without inflating false positives (Johari,
// Pekelis and Walsh, "Always valid inference", 2017). Normal approximation of the estimate; the
// mixing distribution over the true difference is N(0, tau²).

/**
 * The mixture likelihood ratio Λ of an observed difference `delta` (minus the null value) whose
 * estimate has variance `variance` (σ²_a/n_a + σ²_b/n_b), under the mixture N(0, tau2).
 * Closed form of ∫ φ(Δ; θ, V) / φ(Δ; 0, V) dN(θ; 0, τ²).
 */
export function mixtureLikelihoodRatio(delta: number, variance: number, tau2: number): number {
  const v = variance;
  return Math.sqrt(v / (v + tau2)) * Math.exp((tau2 * delta * delta) / (2 * v * (v + tau2)));
}

/**
 * One look of the sequential test: the always-valid p-value never rises (p_n = min(p_{n−1}, 1/Λ_n)),
 * so a decision made when it first drops below alpha holds at level alpha however often one looks.
 */
export function alwaysValidP(previous: number, delta: number, variance: number, tau2: number): number {
  return Math.min(previous, 1 / mixtureLikelihoodRatio(delta, variance, tau2));
}

/**
 * Half-width of the always-valid (1 − alpha) confidence sequence for the difference: the set of
 * nulls θ with Λ(Δ − θ) < 1/alpha is Δ ± this, solving the closed form above for Δ − θ.
 */
export function alwaysValidHalfWidth(variance: number, tau2: number, alpha: number): number {
  const v = variance;
  return Math.sqrt(((v * (v + tau2)) / tau2) * Math.log((v + tau2) / (v * alpha * alpha)));
}
