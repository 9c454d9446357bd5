// Gunther's Universal Scalability Law: throughput at concurrency N is
//   X(N) = λN / (1 + σ(N−1) + κN(N−1))
// λ: throughput of one unit of concurrency, σ: contention (serialisation), κ: coherency (crosstalk).
// Throughput peaks at N* = √((1−σ)/κ) and falls beyond it, which is what a capacity plan must not cross.

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslFit extends UslParams {
  /** Concurrency of peak throughput (Infinity when κ = 0). */
  peakConcurrency: number;
  /** The highest throughput the fit allows. */
  peakThroughput: number;
  /** Root mean squared error of the fit in throughput units. */
  rmse: number;
  points: number;
}

export const uslThroughput = (p: UslParams, n: number) => (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));

/** For a fixed λ the model is linear in σ and κ: λN/X − 1 = σ(N−1) + κN(N−1). Least squares, clamped at 0. */
function fitGivenLambda(n: readonly number[], x: readonly number[], lambda: number): UslParams {
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let b1 = 0;
  let b2 = 0;
  n.forEach((ni, i) => {
    const y = (lambda * ni) / x[i]! - 1;
    const a1 = ni - 1;
    const a2 = ni * (ni - 1);
    s11 += a1 * a1;
    s12 += a1 * a2;
    s22 += a2 * a2;
    b1 += a1 * y;
    b2 += a2 * y;
  });
  const det = s11 * s22 - s12 * s12;
  let sigma = det !== 0 ? (b1 * s22 - b2 * s12) / det : 0;
  let kappa = det !== 0 ? (s11 * b2 - s12 * b1) / det : 0;
  // A negative coefficient has no physical meaning: refit the other alone.
  if (kappa < 0) {
    kappa = 0;
    sigma = s11 > 0 ? b1 / s11 : 0;
  }
  if (sigma < 0) {
    sigma = 0;
    kappa = s22 > 0 ? Math.max(0, b2 / s22) : 0;
  }
  return { lambda, sigma, kappa };
}

function sse(n: readonly number[], x: readonly number[], p: UslParams): number {
  return n.reduce((a, ni, i) => a + (x[i]! - uslThroughput(p, ni)) ** 2, 0);
}

/** Fits the USL to (concurrency, throughput) points: golden-section search on λ, linear least squares inside. */
export function fitUsl(n: readonly number[], x: readonly number[]): UslFit | null {
  const pts = n.map((ni, i) => [ni, x[i]!] as const).filter(([ni, xi]) => ni > 0 && xi > 0 && Number.isFinite(ni) && Number.isFinite(xi));
  if (pts.length < 4) return null;
  const N = pts.map((p) => p[0]);
  const X = pts.map((p) => p[1]);
  // λ is at least the best throughput per unit of concurrency seen, and at most a few times it.
  const perUnit = Math.max(...X.map((xi, i) => xi / N[i]!));
  let lo = perUnit * 0.5;
  let hi = perUnit * 4;
  const phi = (Math.sqrt(5) - 1) / 2;
  const cost = (lambda: number) => sse(N, X, fitGivenLambda(N, X, lambda));
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = cost(a);
  let fb = cost(b);
  for (let i = 0; i < 100 && hi - lo > perUnit * 1e-9; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = cost(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = cost(b);
    }
  }
  const p = fitGivenLambda(N, X, (lo + hi) / 2);
  const peakConcurrency = p.kappa > 0 ? Math.sqrt((1 - p.sigma) / p.kappa) : Number.POSITIVE_INFINITY;
  const peakThroughput = Number.isFinite(peakConcurrency) ? uslThroughput(p, peakConcurrency) : p.sigma > 0 ? p.lambda / p.sigma : Number.POSITIVE_INFINITY;
  return { ...p, peakConcurrency, peakThroughput, rmse: Math.sqrt(sse(N, X, p) / N.length), points: N.length };
}
