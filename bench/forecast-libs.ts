// `BENCH_ONLY=forecast-libs npm run bench` (or `tsx bench/forecast-libs.ts`): the hand-written
// forecaster (domain/analytics/forecast: seasonal naive / Holt–Winters / damped, chosen by
// rolling-origin backtest on MASE, split-conformal intervals) against @bsull/augurs (Grafana's
// augurs, Rust compiled to WASM: MSTL with an AutoETS trend over 24 h + 168 h seasons, and AutoETS
// with a 24 h season) on the same series, the same held-out horizon and the same MASE scale.
// Also augurs' MSTL point forecasts inside our backtest + conformal pipeline, to separate "better
// points" from "better intervals". Writes bench/results/forecast-libs.{json,md}.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { coverage, conformalHalfWidth } from '../domain/analytics/forecast/conformal';
import { forecastSeries } from '../domain/analytics/forecast/forecast';
import { naiveScale } from '../domain/analytics/forecast/seasonal-naive';
import { createRng } from '../domain/anomaly/rng';
import { trafficFactor } from '../domain/analytics/synthetic';
import { HOUR_MS } from '../domain/analytics/slots';
import { machineInfo, RESULTS_DIR } from './results-file';

const log = (s: string) => process.stderr.write(`${s}\n`);
const WEEK = 168;
const LEVELS = [0.8, 0.95] as const;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Hourly traffic with daily and weekly rhythm, a trend and AR(1) noise (the analytics bench's series). */
function series(seed: number, hours: number): number[] {
  const rng = createRng(seed);
  const base = 2000 + 500 * (seed % 5);
  let ar = 0;
  return Array.from({ length: hours }, (_, t) => {
    ar = 0.6 * ar + 0.04 * base * rng.normal();
    return base * trafficFactor(Date.UTC(2026, 9, 5) + t * HOUR_MS) * (1 + 0.002 * (t / 24)) + ar;
  });
}

interface Prediction {
  point: number[];
  intervals: Array<{ level: number; lower: number[]; upper: number[] }>;
}
type Method = (train: number[], horizon: number) => Prediction;

/** Loads the WASM modules synchronously from the installed package (no network; Node has no fetch of file URLs for wasm-bindgen's default init). */
async function loadAugurs(): Promise<{ mstl: Method; ets: Method; mstlConformal: Method } | { error: string }> {
  try {
    const mstlMod = await import('@bsull/augurs/mstl');
    const etsMod = await import('@bsull/augurs/ets');
    const dir = path.dirname(require.resolve('@bsull/augurs/mstl'));
    mstlMod.initSync({ module: fs.readFileSync(path.join(dir, 'mstl_bg.wasm')) });
    etsMod.initSync({ module: fs.readFileSync(path.join(dir, 'ets_bg.wasm')) });
    const own = (fit: (y: number[]) => { predict(h: number, level?: number | null): { point: number[]; intervals?: { lower: number[]; upper: number[] } } }): Method => (train, horizon) => {
      const m = fit(train);
      const intervals = LEVELS.map((level) => {
        const f = m.predict(horizon, level);
        return { level, lower: f.intervals?.lower ?? [], upper: f.intervals?.upper ?? [] };
      });
      return { point: m.predict(horizon).point, intervals };
    };
    const mstlFit = (y: number[]) => {
      const m = mstlMod.MSTL.ets([24, WEEK]);
      m.fit(y);
      return m;
    };
    const etsFit = (y: number[]) => {
      const m = new etsMod.AutoETS(24, 'ZZZ');
      m.fit(y);
      return m;
    };
    // augurs' points, our calibration: two rolling origins of the horizon give the residuals.
    const mstlConformal: Method = (train, horizon) => {
      const abs: number[] = [];
      for (let k = 2; k >= 1; k--) {
        const cut = train.length - k * horizon;
        const f = mstlFit(train.slice(0, cut)).predict(horizon).point;
        for (let i = 0; i < horizon; i++) abs.push(Math.abs(train[cut + i]! - f[i]!));
      }
      const point = mstlFit(train).predict(horizon).point;
      return { point, intervals: LEVELS.map((level) => ({ level, lower: point.map((p) => p - conformalHalfWidth(abs, level)), upper: point.map((p) => p + conformalHalfWidth(abs, level)) })) };
    };
    return { mstl: own(mstlFit), ets: own(etsFit), mstlConformal };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

interface Score {
  mase: number;
  coverage80: number;
  coverage95: number;
  msPerSeries: number;
  failures: number;
}

function score(method: Method, sets: Array<{ train: number[]; held: number[] }>, horizon: number): Score {
  let mase = 0;
  let c80 = 0;
  let c95 = 0;
  let ms = 0;
  let ok = 0;
  let failures = 0;
  for (const { train, held } of sets) {
    try {
      const t = performance.now();
      const f = method(train, horizon);
      ms += performance.now() - t;
      const scale = naiveScale(train, WEEK);
      mase += held.reduce((a, v, i) => a + Math.abs(v - f.point[i]!), 0) / held.length / scale;
      const [i80, i95] = f.intervals;
      c80 += coverage(held, i80!.lower, i80!.upper);
      c95 += coverage(held, i95!.lower, i95!.upper);
      ok++;
    } catch {
      failures++;
    }
  }
  return { mase: r3(mase / ok), coverage80: r3(c80 / ok), coverage95: r3(c95 / ok), msPerSeries: Math.round(ms / ok), failures };
}

const vigil: Method = (train, horizon) => forecastSeries(train, { m1: 24, m2: WEEK, horizon, origins: 2, levels: [...LEVELS] });

export async function runForecastLibsBench(): Promise<void> {
  const augurs = await loadAugurs();
  const results: Record<string, unknown> = { benchmark: 'forecast-libs', date: new Date().toISOString(), machine: machineInfo(), package: '@bsull/augurs 0.10.2' };
  const rows: string[] = [];
  // 7 days: 12 series, 6 weeks to train, the 7th held out. 30 days: 6 series, 2 weeks + 2 backtest months to train, a month held out.
  for (const [name, horizon, n, trainHours] of [['7d', WEEK, 12, 6 * WEEK], ['30d', 720, 6, 2 * WEEK + 2 * 720 + 24]] as const) {
    const sets = Array.from({ length: n }, (_, k) => {
      const y = series(k + 1, trainHours + horizon);
      return { train: y.slice(0, trainHours), held: y.slice(trainHours) };
    });
    const out: Record<string, Score | string> = { vigil: score(vigil, sets, horizon) };
    log(`forecast-libs ${name}: vigil ${JSON.stringify(out.vigil)}`);
    if ('error' in augurs) out.augurs = `not loaded: ${augurs.error}`;
    else {
      for (const [label, m] of [['augurs_mstl_ets', augurs.mstl], ['augurs_autoets_24', augurs.ets], ['augurs_mstl_points_vigil_conformal', augurs.mstlConformal]] as const) {
        out[label] = score(m, sets, horizon);
        log(`forecast-libs ${name}: ${label} ${JSON.stringify(out[label])}`);
      }
    }
    results[name] = { series: n, trainHours, horizon, ...out };
    for (const [label, s] of Object.entries(out)) {
      rows.push(typeof s === 'string' ? `| ${name} | ${label} | ${s} | | | | |` : `| ${name} | ${label} | ${s.mase} | ${s.coverage80} | ${s.coverage95} | ${s.msPerSeries} | ${s.failures} |`);
    }
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'forecast-libs.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = [
    '# Forecasts: hand-written Holt–Winters vs @bsull/augurs (same series, same held-out horizon)',
    '',
    `${results.date as string}, ${JSON.stringify(results.machine)}. Generated by \`BENCH_ONLY=forecast-libs npm run bench\` (bench/forecast-libs.ts).`,
    'MASE: mean absolute error on the held-out horizon ÷ in-sample seasonal-naive (168 h) error; < 1 beats the baseline. Coverage: share of held-out values inside the 80 % / 95 % intervals. Time: fit + intervals per series, ours including the backtest of three candidates.',
    '',
    '| horizon | method | MASE | 80 % coverage | 95 % coverage | ms / series | failures |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'forecast-libs.md'), md);
  process.stdout.write(md);
}

if (require.main === module) {
  runForecastLibsBench().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench forecast-libs failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
