// `BENCH_ONLY=analytics npm run bench` (or `tsx bench/analytics.ts`): the hourly rollup over many
// services' 10 s windows (time, windows/s, Postgres CPU), the executive dashboard over 90 days of
// rollups (p50/p95), and forecast fit + backtest per series, side by side with Nixtla statsforecast
// (AutoETS, MSTL; pip, bench only) on the same series. Sizes from BENCH_ANALYTICS_SERVICES (200)
// and BENCH_ANALYTICS_HOURS (2 hours of windows; an hour's rollup reads only its hour).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { rollOneHour } from '../activities/analytics/rollups';
import { parseConfig } from '../app/config-file';
import { freePort } from '../cli/stack/ports';
import { loadDashboard } from '../db/analytics/dashboard';
import { readRollups, storeRollups } from '../db/analytics/rollups';
import { startEmbeddedPostgres } from '../db/embedded';
import { storeWindows } from '../db/metric-windows';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createRng } from '../domain/anomaly/rng';
import { coverage } from '../domain/analytics/forecast/conformal';
import { forecastSeries } from '../domain/analytics/forecast/forecast';
import { naiveScale } from '../domain/analytics/forecast/seasonal-naive';
import { DAY_MS, HOUR_MS, slotOf } from '../domain/analytics/slots';
import { trafficFactor } from '../domain/analytics/synthetic';
import { SketchAccumulator } from '../domain/latency-sketch';
import type { WindowSummary } from '../domain/window-summary';
import { positiveInt } from './env';
import { treeCpu, treeCpuPct } from './proc-cpu';
import { machineInfo, RESULTS_DIR } from './results-file';

const log = (s: string) => process.stderr.write(`${s}\n`);
const WEEK = 168;
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function rollupPhase(pool: Pool, services: number, hours: number) {
  const config = parseConfig({}, 'bench', {});
  const start = slotOf(Date.now() - (hours + 1) * HOUR_MS, 'hour');
  const rng = createRng(1);
  const acc = new SketchAccumulator();
  let inserted = 0;
  const t0 = performance.now();
  for (let h = 0; h < hours; h++) {
    for (let s = 0; s < services; s += 10) {
      const batch: WindowSummary[] = [];
      for (let k = s; k < Math.min(services, s + 10); k++) {
        for (let t = start + h * HOUR_MS; t < start + (h + 1) * HOUR_MS; t += 10_000) {
          acc.reset();
          for (let i = 0; i < 20; i++) acc.add(300 * Math.exp(0.5 * rng.normal()));
          batch.push({ service: `svc-${k}`, start: t, durationMs: 10_000, count: 20, errors: rng.next() < 0.01 ? 1 : 0, latency: acc.toSketch(), qualitySum: 16, qualityCount: 20, costUsdSum: 0.04, tokensSum: 18_000, satisfactionSum: 1, satisfactionCount: 2, dropped: 0 });
        }
      }
      inserted += (await storeWindows(pool, { reported: batch, sampled: [] }, async () => undefined)).stored.length;
    }
  }
  log(`bench analytics: ${inserted} windows inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const runs = [];
  for (let h = 0; h < hours; h++) {
    const cpu0 = treeCpu();
    const own0 = process.cpuUsage();
    const t = performance.now();
    const rows = await rollOneHour({ pool, config }, start + h * HOUR_MS);
    const ms = performance.now() - t;
    const cpu = treeCpuPct(cpu0, treeCpu(), ms);
    // This process's own CPU (the rollup math) from Node itself: its name in /proc varies with how it was started.
    const own = process.cpuUsage(own0);
    const windows = inserted / hours;
    runs.push({ ms: Math.round(ms), services: rows, windows, windowsPerSecond: Math.round(windows / (ms / 1000)), postgresCpuPct: Math.round(cpu.postgres ?? 0), nodeCpuPct: Math.round(((own.user + own.system) / 1000 / ms) * 100) });
    log(`bench analytics: hour ${h + 1}: ${rows} services, ${windows} windows in ${Math.round(ms)} ms`);
  }
  return { services, windowsPerHour: inserted / hours, runs, lastHour: start + (hours - 1) * HOUR_MS };
}

async function dashboardPhase(pool: Pool, lastHour: number) {
  const config = parseConfig({}, 'bench', {});
  const template = await readRollups(pool, 'hour', lastHour, lastHour + HOUR_MS);
  const firstDay = slotOf(lastHour, 'day') - 90 * DAY_MS;
  const t0 = performance.now();
  for (let d = firstDay; d < slotOf(lastHour, 'day'); d += DAY_MS) {
    await storeRollups(pool, 'day', d, template.map((r) => ({ ...r, slotStart: d, requests: r.requests * 24, errors: r.errors * 24, costUsd: r.costUsd * 24 })));
  }
  log(`bench analytics: 90 days × ${template.length} services of daily rollups written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const out: Record<string, { p50: number; p95: number; n: number }> = {};
  for (const period of ['7d', '90d'] as const) {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await loadDashboard(pool, config, period);
      ms.push(performance.now() - t);
    }
    out[period] = { p50: Math.round(pct(ms, 0.5)), p95: Math.round(pct(ms, 0.95)), n: ms.length };
  }
  return { services: template.length, ...out };
}

/** Hourly traffic with daily and weekly rhythm, a trend and persistent noise; one per seed. */
function benchSeries(seed: number, weeks: number): number[] {
  const rng = createRng(seed);
  const base = 2000 + 500 * (seed % 5);
  let ar = 0;
  return Array.from({ length: weeks * WEEK }, (_, t) => {
    ar = 0.6 * ar + 0.04 * base * rng.normal();
    return base * trafficFactor(Date.UTC(2026, 9, 5) + t * HOUR_MS) * (1 + 0.002 * (t / 24)) + ar;
  });
}

function forecastPhase(python: string) {
  const n = 12;
  const series = Array.from({ length: n }, (_, k) => benchSeries(k + 1, 7));
  const train = series.map((y) => y.slice(0, 6 * WEEK));
  const held = series.map((y) => y.slice(6 * WEEK));
  const ms: number[] = [];
  let mase = 0;
  let c80 = 0;
  let c95 = 0;
  const methods: Record<string, number> = {};
  train.forEach((y, k) => {
    const t = performance.now();
    const f = forecastSeries(y, { m1: 24, m2: WEEK, horizon: WEEK, origins: 2, levels: [0.8, 0.95] });
    ms.push(performance.now() - t);
    methods[f.method] = (methods[f.method] ?? 0) + 1;
    mase += held[k]!.reduce((a, v, i) => a + Math.abs(v - f.point[i]!), 0) / WEEK / naiveScale(y, WEEK) / n;
    c80 += coverage(held[k]!, f.intervals[0]!.lower, f.intervals[0]!.upper) / n;
    c95 += coverage(held[k]!, f.intervals[1]!.lower, f.intervals[1]!.upper) / n;
  });
  const vigil = { mase: r3(mase), coverage80: r3(c80), coverage95: r3(c95), msPerSeries: Math.round(ms.reduce((a, b) => a + b, 0) / n), methods };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-fc-'));
  const file = path.join(dir, 'series.json');
  fs.writeFileSync(file, JSON.stringify({ series: train, held, horizon: WEEK }));
  const run = spawnSync(python, [path.join(__dirname, 'analytics-statsforecast.py'), file], { encoding: 'utf8', timeout: 15 * 60_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const last = run.stdout?.trim().split('\n').at(-1) ?? '';
  const statsforecast = run.status === 0 && last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : { skipped: `statsforecast not run (${run.error?.message ?? run.stderr?.trim().split('\n').slice(-1)[0] ?? 'no output'}); pip install statsforecast, or set BENCH_PYTHON` };
  return { series: n, weeksTrain: 6, horizon: WEEK, vigil, statsforecast };
}

export async function runAnalyticsBench(): Promise<void> {
  const services = positiveInt('BENCH_ANALYTICS_SERVICES', 200);
  const hours = positiveInt('BENCH_ANALYTICS_HOURS', 2);
  const stops: Array<() => Promise<void>> = [];
  try {
    let url = process.env.DATABASE_URL;
    if (!url) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-analytics-'));
      fs.chmodSync(dir, 0o755);
      stops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
      stops.push(db.stop);
      url = db.url;
    }
    const pool = createPool(url, 'vigil-bench-analytics', 6);
    stops.push(() => pool.end());
    await migrate(pool);
    const rollup = await rollupPhase(pool, services, hours);
    const dashboard = await dashboardPhase(pool, rollup.lastHour);
    const forecast = forecastPhase(process.env.BENCH_PYTHON ?? 'python3');
    const results = { benchmark: 'analytics', date: new Date().toISOString(), machine: machineInfo(), rollup, dashboard, forecast };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'analytics.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ rollup: rollup.runs, dashboard, forecast }, null, 2)}\n`);
    log('bench analytics: wrote bench/results/analytics.json');
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  }
}

if (require.main === module) {
  runAnalyticsBench().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench analytics failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
