// Additive Holt–Winters with a damped trend and two seasonal cycles (Taylor 2003's double seasonal
// exponential smoothing): hourly RAG traffic has a daily and a weekly rhythm. Smoothing parameters
// are chosen by day-ahead squared error over a small grid, which is robust and fast enough
// for hundreds of series; the grid is what makes a fit take milliseconds instead of an optimiser's seconds.

export interface HwParams {
  alpha: number;
  beta: number;
  gamma1: number;
  gamma2: number;
  /** Trend damping; 1 = undamped. */
  phi: number;
}

export interface HwModel {
  params: HwParams;
  m1: number;
  m2: number;
  level: number;
  trend: number;
  /** The last m1 / m2 seasonal terms, oldest first. */
  s1: number[];
  s2: number[];
  sse: number;
}

/**
 * Initial state from every full long season of the training data (classical decomposition):
 * level and trend from the first and last seasons' means, the short cycle as the average daily
 * profile, the long one as what remains by position in the week. Estimating the seasons from one
 * week only would bake that week's noise into every forecast.
 */
function initialState(y: readonly number[], m1: number, m2: number) {
  const seasons = Math.floor(y.length / m2);
  const means = Array.from({ length: seasons }, (_, w) => y.slice(w * m2, (w + 1) * m2).reduce((a, b) => a + b, 0) / m2);
  const trend = seasons > 1 ? (means[seasons - 1]! - means[0]!) / ((seasons - 1) * m2) : 0;
  // Deviation of each point from its season's mean, corrected for the trend within the season.
  const dev = (t: number) => y[t]! - means[Math.floor(t / m2)]! - trend * ((t % m2) - (m2 - 1) / 2);
  const s1 = new Array<number>(m1).fill(0);
  const n1 = new Array<number>(m1).fill(0);
  for (let t = 0; t < seasons * m2; t++) {
    s1[t % m1]! += dev(t);
    n1[t % m1]!++;
  }
  for (let i = 0; i < m1; i++) s1[i] = s1[i]! / Math.max(1, n1[i]!);
  const s2 = new Array<number>(m2).fill(0);
  for (let t = 0; t < seasons * m2; t++) s2[t % m2]! += (dev(t) - s1[t % m1]!) / seasons;
  // The smoother starts after the first season: its level is that season's mean carried to its end.
  return { level: means[0]! + trend * (m2 - 1) / 2, trend, s1, s2 };
}

/** Runs the smoother over y; returns the final state and the day-ahead squared error (after the first long season). */
export function runHoltWinters(y: readonly number[], m1: number, m2: number, p: HwParams): HwModel {
  const init = initialState(y, m1, m2);
  let level = init.level;
  let trend = init.trend;
  // Ring buffers indexed by t mod m: the seasonal term for time t was last updated at t − m.
  const s1 = [...init.s1];
  const s2 = [...init.s2];
  let sse = 0;
  // The criterion is the error at lead m1 (a day ahead), not one step: with persistent noise the
  // one-step error rewards chasing it, which ruins week-ahead forecasts. The seasonal terms used
  // at t are exactly those a forecast made m1 steps earlier would use, so only level and trend
  // need remembering.
  const pastLevel = new Array<number>(m1).fill(level);
  const pastTrend = new Array<number>(m1).fill(trend);
  let dampSum = 0;
  for (let k = 1, f = 1; k <= m1; k++) dampSum += (f *= p.phi);
  for (let t = m2; t < y.length; t++) {
    const i1 = t % m1;
    const i2 = t % m2;
    const lead = pastLevel[i1]! + dampSum * pastTrend[i1]! + s1[i1]! + s2[i2]!;
    const e = y[t]! - lead;
    sse += e * e;
    const prevLevel = level;
    level = p.alpha * (y[t]! - s1[i1]! - s2[i2]!) + (1 - p.alpha) * (level + p.phi * trend);
    trend = p.beta * (level - prevLevel) + (1 - p.beta) * p.phi * trend;
    const newS1 = p.gamma1 * (y[t]! - level - s2[i2]!) + (1 - p.gamma1) * s1[i1]!;
    s2[i2] = p.gamma2 * (y[t]! - level - s1[i1]!) + (1 - p.gamma2) * s2[i2]!;
    s1[i1] = newS1;
    pastLevel[i1] = level;
    pastTrend[i1] = trend;
  }
  const n = y.length;
  // Rotate so index 0 is the term for time n (the first forecast step).
  const rot = (s: number[], m: number) => s.map((_, k) => s[(n + k) % m]!);
  return { params: p, m1, m2, level, trend, s1: rot(s1, m1), s2: rot(s2, m2), sse };
}

/** h-step forecasts from a fitted model. */
export function forecastHoltWinters(model: HwModel, h: number): number[] {
  const out: number[] = [];
  let damp = 0;
  let phiK = 1;
  for (let k = 1; k <= h; k++) {
    phiK *= model.params.phi;
    damp += phiK;
    out.push(model.level + damp * model.trend + model.s1[(k - 1) % model.m1]! + model.s2[(k - 1) % model.m2]!);
  }
  return out;
}

const GRID = {
  alpha: [0.01, 0.02, 0.05, 0.1, 0.2, 0.4],
  beta: [0, 0.005, 0.02],
  gamma1: [0.02, 0.05, 0.15],
  gamma2: [0.02, 0.05, 0.15],
};

/** Fits the parameters by grid search on one-step SSE; `phi` fixed by the caller (damped or not). */
export function fitHoltWinters(y: readonly number[], m1: number, m2: number, phi: number): HwModel {
  let best: HwModel | null = null;
  for (const alpha of GRID.alpha) for (const beta of GRID.beta) for (const gamma1 of GRID.gamma1) for (const gamma2 of GRID.gamma2) {
    const model = runHoltWinters(y, m1, m2, { alpha, beta, gamma1, gamma2, phi });
    if (!best || model.sse < best.sse) best = model;
  }
  return best!;
}
