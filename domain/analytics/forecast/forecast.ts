// Per-series forecasting: candidates fitted, compared by rolling-origin backtest on MASE, the best
// one refitted on everything, intervals from conformal prediction on its backtest residuals.
import { conformalHalfWidth } from './conformal';
import { fitHoltWinters, forecastHoltWinters } from './holt-winters';
import { naiveScale, seasonalNaive } from './seasonal-naive';

export type ForecastMethod = 'seasonal_naive' | 'holt_winters' | 'holt_winters_damped';

export interface ForecastOptions {
  /** Short and long season in steps (hourly data: 24 and 168). */
  m1: number;
  m2: number;
  horizon: number;
  /** Backtest origins (each forecasts `horizon` steps from a point further back). */
  origins: number;
  levels: readonly number[];
}

export interface Forecast {
  method: ForecastMethod;
  /** Backtest MASE per candidate (lower is better; < 1 beats the seasonal naive baseline). */
  mase: Partial<Record<ForecastMethod, number>>;
  point: number[];
  intervals: Array<{ level: number; lower: number[]; upper: number[] }>;
  /**
   * Coverage measured out of sample: intervals calibrated on all backtest origins but the last,
   * checked against the last origin's actual values. What the stored intervals can be trusted for.
   */
  coverage: Record<string, number>;
  /** Why the baseline was used without a contest, when it was. */
  note?: string;
}

const predict = (method: ForecastMethod, train: readonly number[], o: ForecastOptions): number[] =>
  method === 'seasonal_naive' ? seasonalNaive(train, o.m2, o.horizon) : forecastHoltWinters(fitHoltWinters(train, o.m1, o.m2, method === 'holt_winters_damped' ? 0.98 : 1), o.horizon);

/** Forecasts y; NaNs (gaps) or fewer than three long seasons plus the backtest get the seasonal naive baseline. */
export function forecastSeries(y: readonly number[], o: ForecastOptions): Forecast {
  const needed = 2 * o.m2 + o.origins * o.horizon;
  const gappy = y.some((v) => !Number.isFinite(v));
  if (gappy || y.length < needed) {
    const clean = y.filter((v) => Number.isFinite(v));
    const m = clean.length >= o.m2 ? o.m2 : clean.length >= o.m1 ? o.m1 : 1;
    const point = clean.length ? seasonalNaive(clean, m, o.horizon) : [];
    return { method: 'seasonal_naive', mase: {}, point, intervals: [], coverage: {}, note: gappy ? 'series has gaps: seasonal naive baseline, no intervals' : `only ${y.length} points (${needed} needed to fit and backtest): seasonal naive baseline, no intervals` };
  }
  const scale = naiveScale(y.slice(0, y.length - o.origins * o.horizon), o.m2);
  const candidates: ForecastMethod[] = ['seasonal_naive', 'holt_winters', 'holt_winters_damped'];
  const residuals: Record<string, number[]> = {};
  const mase: Partial<Record<ForecastMethod, number>> = {};
  for (const method of candidates) {
    const errs: number[] = [];
    // Rolling origin: each origin trains on everything before it and forecasts the next `horizon` steps.
    for (let k = o.origins; k >= 1; k--) {
      const cut = y.length - k * o.horizon;
      const f = predict(method, y.slice(0, cut), o);
      for (let i = 0; i < o.horizon; i++) errs.push(y[cut + i]! - f[i]!);
    }
    residuals[method] = errs;
    mase[method] = errs.reduce((a, e) => a + Math.abs(e), 0) / errs.length / scale;
  }
  const method = candidates.reduce((a, b) => (mase[b]! < mase[a]! ? b : a));
  const point = predict(method, y, o);
  const abs = residuals[method]!.map(Math.abs);
  const intervals = o.levels.map((level) => {
    const w = conformalHalfWidth(abs, level);
    return { level, lower: point.map((p) => p - w), upper: point.map((p) => p + w) };
  });
  // The last origin's residuals are the held-out check of intervals calibrated on the others.
  const calibration = abs.slice(0, abs.length - o.horizon);
  const held = residuals[method]!.slice(abs.length - o.horizon);
  const measured: Record<string, number> = {};
  for (const level of o.levels) {
    const w = conformalHalfWidth(calibration, level);
    measured[String(level)] = held.filter((e) => Math.abs(e) <= w).length / held.length;
  }
  return { method, mase, point, intervals, coverage: measured };
}
