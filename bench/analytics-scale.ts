// The rollup load at the scale this machine can hold in a bench run: S services × D days of
// 10 s windows generated inside Postgres (generate_series, a few real sketches reused), then every
// hour rolled in order as the ExecutiveRollup catch-up would, timing each and reading Postgres' CPU
// from /proc. 200 services × 30 days is 52 M windows (≈ 30 min of rollups here at the measured rate):
// the result states the measured scale and the linear extrapolation, which holds because an hour's
// rollup reads only its own windows (BRIN range) plus the SLO window's hourly totals.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { rollOneHour } from '../activities/analytics/rollups';
import { parseConfig } from '../app/config-file';
import { createRng } from '../domain/anomaly/rng';
import { DAY_MS, HOUR_MS, slotOf } from '../domain/analytics/slots';
import { quantile, SketchAccumulator } from '../domain/latency-sketch';
import { treeCpu, treeCpuPct } from './proc-cpu';

const log = (s: string) => process.stderr.write(`${s}\n`);
const VARIANTS = 16;

/** Windows of `services` services over `days` days, inserted by one INSERT … SELECT per day. */
async function generate(pool: Pool, services: number, days: number, start: number): Promise<{ rows: number; seconds: number }> {
  const rng = createRng(7);
  const acc = new SketchAccumulator();
  const sketches = Array.from({ length: VARIANTS }, () => {
    acc.reset();
    for (let i = 0; i < 20; i++) acc.add(300 * Math.exp(0.5 * rng.normal()));
    const s = acc.toSketch();
    return { sketch: s, p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99) };
  });
  const t0 = performance.now();
  let rows = 0;
  for (let d = 0; d < days; d++) {
    const r = await pool.query(
      `WITH v AS (SELECT ord - 1 AS k, x FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(x, ord))
       INSERT INTO metric_windows (service, window_start, source, duration_ms, count, errors, p50_ms, p95_ms, p99_ms, quality_avg, quality_count,
                                   cost_usd, tokens, satisfaction_avg, satisfaction_count, dropped, sketch)
       SELECT 'scale-' || s, w, 'replica-0', 10000, 20, CASE WHEN random() < 0.01 THEN 1 ELSE 0 END,
              (v.x->>'p50')::float8, (v.x->>'p95')::float8, (v.x->>'p99')::float8, 0.8, 20, 0.04, 18000, 0.5, 2, 0, v.x->'sketch'
       FROM generate_series(0, $3 - 1) AS s,
            generate_series($1::timestamptz, $2::timestamptz - interval '10 seconds', interval '10 seconds') AS w
       JOIN v ON v.k = (extract(epoch FROM w)::bigint / 10) % ${VARIANTS}`,
      [new Date(start + d * DAY_MS), new Date(start + (d + 1) * DAY_MS), services, JSON.stringify(sketches)],
    );
    rows += r.rowCount ?? 0;
    log(`bench analytics scale: day ${d + 1}/${days}: ${rows} windows`);
  }
  return { rows, seconds: (performance.now() - t0) / 1000 };
}

export interface ScaleResult {
  services: number;
  days: number;
  windows: number;
  generateSeconds: number;
  hoursRolled: number;
  rollupSeconds: number;
  windowsPerSecond: number;
  msPerHour: { p50: number; p95: number; max: number };
  /** Median ms per hour over the first and the last quarter of the hours: flat when the cost does not grow with history. */
  msPerHourQuarters: [number, number];
  postgresCpuPct: number;
  nodeCpuPct: number;
  tableMiB: number;
  /** The 200 services × 30 days at the measured rate. */
  extrapolated: { services: number; days: number; windows: number; rollupMinutes: number; tableGiB: number };
}

export async function scalePhase(pool: Pool, services: number, days: number): Promise<ScaleResult> {
  const config = parseConfig({}, 'bench', {});
  // Far from the other phases' hours (they use the last few hours before now).
  const start = slotOf(Date.now(), 'day') - 400 * DAY_MS;
  const gen = await generate(pool, services, days, start);
  const size = await pool.query<{ bytes: string }>("SELECT pg_total_relation_size('metric_windows') AS bytes");
  const ms: number[] = [];
  const cpu0 = treeCpu();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  for (let h = start; h < start + days * DAY_MS; h += HOUR_MS) {
    const t = performance.now();
    await rollOneHour({ pool, config }, h);
    ms.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  const cpu = treeCpuPct(cpu0, treeCpu(), total);
  const own = process.cpuUsage(own0);
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  const perWindowMs = total / gen.rows;
  const q = Math.max(1, Math.floor(ms.length / 4));
  const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0);
  const full = 200 * 30 * 8640;
  const tableMiB = Number(size.rows[0]?.bytes ?? 0) / 2 ** 20;
  return {
    services,
    days,
    windows: gen.rows,
    generateSeconds: Math.round(gen.seconds),
    hoursRolled: ms.length,
    rollupSeconds: Math.round(total / 100) / 10,
    windowsPerSecond: Math.round(gen.rows / (total / 1000)),
    msPerHour: { p50: at(0.5), p95: at(0.95), max: Math.round(sorted.at(-1) ?? 0) },
    msPerHourQuarters: [median(ms.slice(0, q)), median(ms.slice(-q))],
    postgresCpuPct: Math.round(cpu.postgres ?? 0),
    nodeCpuPct: Math.round(((own.user + own.system) / 1000 / total) * 100),
    tableMiB: Math.round(tableMiB),
    extrapolated: { services: 200, days: 30, windows: full, rollupMinutes: Math.round((perWindowMs * full) / 60_000), tableGiB: Math.round(((tableMiB / gen.rows) * full) / 1024) },
  };
}
