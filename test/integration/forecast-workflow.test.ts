import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForecastActivities } from '../../activities/analytics/forecast';
import { parseConfig } from '../../app/config-file';
import { seedHistory } from '../../cli/commands/seed';
import { loadDashboard } from '../../db/analytics/dashboard';
import { latestForecasts, storeForecast } from '../../db/analytics/forecasts';
import { renderExecutiveReport } from '../../domain/analytics/executive-report';
import { renderMarkdown } from '../../domain/analytics/report-render';
import { connectServices, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';

// The Forecast workflow over 35 days of seeded history (real Postgres, real Temporal; the ML
// activities on the same test queue stand in for the vigil-ml workers).
const NOW = Date.UTC(2026, 11, 5, 2, 0);
const QUEUE = `forecast-${randomUUID()}`;

let services: Services;
let db: ScratchDatabase;
let harness: TimeSkippingHarness;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_fc');
  await seedHistory(db.pool, parseConfig({}, 'test', {}), { days: 35, services: 2, seed: 11, windowMs: 600_000, now: NOW });
  harness = await startTimeSkippingWorker(QUEUE, createForecastActivities({ pool: db.pool, config: parseConfig({}, 'test', {}) }));
}, 300_000);

afterAll(async () => {
  await harness?.stop();
  await db?.drop();
  await services?.close();
});

describe('Forecast workflow', () => {
  it('forecasts a week per service and metric, chosen by backtest, with intervals and measured coverage; re-runs replace', async () => {
    const run = () =>
      harness.env.client.workflow.execute('forecastWorkflow', { workflowId: `forecast-${randomUUID()}`, taskQueue: QUEUE, args: [{ mlTaskQueue: QUEUE, asOf: new Date(NOW).toISOString() }] });
    const started = Date.now();
    const result = (await run()) as Array<{ service: string; methods: Record<string, string> }>;
    const seconds = (Date.now() - started) / 1000;
    expect(result.map((r) => r.service)).toEqual(['checkout-rag', 'support-rag']);
    const traffic = await latestForecasts(db.pool, 'requests');
    expect(traffic).toHaveLength(2);
    for (const f of traffic) {
      expect(f.forecast.point).toHaveLength(168);
      expect(f.forecast.method).not.toBe('seasonal_naive'); // seeded traffic is seasonal: Holt–Winters wins the backtest
      expect(f.forecast.mase[f.forecast.method]!).toBeLessThan(1);
      expect(f.forecast.coverage['0.8']).toBeGreaterThan(0.5);
      expect(f.forecast.intervals.map((i) => i.level)).toEqual([0.8, 0.95]);
    }
    await run();
    expect(await latestForecasts(db.pool, 'requests')).toHaveLength(2);
    const rows = await db.pool.query('SELECT count(*)::int AS n FROM forecasts');
    expect(rows.rows[0].n).toBe(20); // 2 services × 5 metrics (errors too) × 2 horizons, replaced, not added
    // 35 days are too short to backtest a 30-day horizon (74 days needed): the baseline, and it says so.
    const month = await latestForecasts(db.pool, 'requests', 30);
    expect(month.map((f) => [f.forecast.point.length, f.forecast.method])).toEqual([[720, 'seasonal_naive'], [720, 'seasonal_naive']]);
    for (const f of month) expect(f.forecast.note).toMatch(/only \d+ points \(1776 needed/);
    // Capacity recommendations: stored by the run, ranked, one per service, replaced by the re-run.
    const recs = await db.pool.query<{ service: string; rank: number; made_for: Date }>('SELECT service, rank, made_for FROM capacity_recommendations ORDER BY rank');
    expect(recs.rows.map((r) => r.rank)).toEqual([1, 2]);
    expect(recs.rows.map((r) => r.service).sort()).toEqual(['checkout-rag', 'support-rag']);
    // Every recommendation of the run, ranked in one list; the re-run replaced its own.
    const all = await db.pool.query<{ rank: number; kind: string; made_for: Date }>('SELECT rank, kind, made_for FROM recommendations ORDER BY rank');
    expect(all.rows.map((r) => r.rank)).toEqual(all.rows.map((_, i) => i + 1));
    expect(new Set(all.rows.map((r) => r.made_for.getTime()))).toEqual(new Set([NOW]));
    expect((await db.pool.query('SELECT count(*)::int AS n FROM recommendation_runs')).rows[0].n).toBe(1);
    expect(seconds).toBeLessThan(60);
  });

  it('the dashboard shows the stored recommendations of the latest run, in rank order, whatever the period', async () => {
    const stored = await db.pool.query<{ rank: number; kind: string; title: string }>('SELECT rank, kind, title FROM recommendations ORDER BY rank');
    for (const period of ['24h', '30d'] as const) {
      const d = await loadDashboard(db.pool, parseConfig({}, 'test', {}), period, NOW);
      expect(d.recommendations.map((r) => [r.rank, r.kind, r.title])).toEqual(stored.rows.map((r) => [r.rank, r.kind, r.title]));
    }
    // A run that finds something to do: a tight error budget (99.99 %) and a quality bar above the seeded answers.
    const strict = parseConfig({ slaDefaults: { minQuality: 0.99, slo: { availability: 0.9999 } } }, 'test', {});
    await createForecastActivities({ pool: db.pool, config: strict }).planCapacity({ asOf: NOW + 3_600_000 });
    const d = await loadDashboard(db.pool, strict, '7d', NOW);
    const kinds = d.recommendations.map((r) => r.kind);
    expect(kinds).toContain('quality_at_risk');
    expect(d.recommendations.map((r) => r.rank)).toEqual(kinds.map((_, i) => i + 1));
    expect(d.recommendations.map((r) => r.priority)).toEqual([...d.recommendations.map((r) => r.priority)].sort());
  });

  it('the dashboard shows traffic-peak insights read off the stored intervals', async () => {
    const d = await loadDashboard(db.pool, parseConfig({}, 'test', {}), '7d', NOW);
    const peaks = d.predictive_insights.filter((i) => i.kind === 'traffic_peak');
    expect(peaks.map((p) => p.service).sort()).toEqual(['checkout-rag', 'support-rag']);
    expect(peaks[0]!.probability).toBe(0.8);
    // Capacity from the USL fit of each replica's load, against the forecast's 80 % upper bound.
    expect(d.capacity.map((c) => c.service).sort()).toEqual(['checkout-rag', 'support-rag']);
    for (const c of d.capacity) expect(c.replicasNeeded).toBeGreaterThanOrEqual(1);
    expect(d.capacity.find((c) => c.service === 'support-rag')!.currentReplicas).toBe(2);
    // Stored and ranked by the run; the report (vigil exec report, the weekly one) shows them in rank order.
    expect(d.capacity.map((c) => c.rank)).toEqual([1, 2]);
    for (const c of d.capacity) expect([c.capacitySource, c.forecastPeakRps > 0, c.perReplicaRps > 0]).toEqual(['usl_fit', true, true]);
    const md = renderMarkdown(d);
    expect(md).toContain('## Capacity (latest forecast run, ranked)');
    for (const c of d.capacity) expect(md).toContain(`| ${c.rank} | ${c.service} | ${c.kind.replace('_', ' ')} | ${c.currentReplicas} → ${c.replicasNeeded} |`);
    const report = renderExecutiveReport(d, { id: 'executive-7d-test' });
    expect(report.summary[0]).toMatch(/^Health score: \d+\.\d \/ 100/);
    expect(report.html).toContain('<h2>Capacity (latest forecast run, ranked)</h2>');
  });

  it('a monthly budget the forecast spend will cross gives a dated insight; one it will not, none', async () => {
    const spent = (await db.pool.query("SELECT sum(cost_usd) AS usd FROM rollups_hourly WHERE slot_start >= '2026-12-01' AND slot_start < $1", [new Date(NOW)])).rows[0].usd as number;
    const tight = await loadDashboard(db.pool, parseConfig({ analytics: { assumptions: { monthlyBudgetUsd: spent * 1.5 } } }, 'test', {}), '7d', NOW);
    const crossing = tight.predictive_insights.find((i) => i.kind === 'budget_crossing')!;
    expect(Date.parse(crossing.from!)).toBeGreaterThan(NOW);
    expect(Date.parse(crossing.from!)).toBeLessThan(NOW + 7 * 86_400_000);
    const loose = await loadDashboard(db.pool, parseConfig({ analytics: { assumptions: { monthlyBudgetUsd: spent * 100 } } }, 'test', {}), '7d', NOW);
    expect(loose.predictive_insights.some((i) => i.kind === 'budget_crossing')).toBe(false);
  });

  it('a budget crossed only after the week: dated from the 30-day cost forecasts when every service has them with intervals', async () => {
    const week = await latestForecasts(db.pool, 'cost_usd', 7);
    const spent = (await db.pool.query("SELECT sum(cost_usd) AS usd FROM rollups_hourly WHERE slot_start >= '2026-12-01' AND slot_start < $1", [new Date(NOW)])).rows[0].usd as number;
    // Ten days of the forecast's 80 % upper bounds: the week's forecast alone cannot reach it.
    const perHour = week.reduce((a, f) => a + f.forecast.intervals[0]!.upper.reduce((x, v) => x + v, 0) / 168, 0);
    const budget = spent + perHour * 240;
    const config = parseConfig({ analytics: { assumptions: { monthlyBudgetUsd: budget } } }, 'test', {});
    expect((await loadDashboard(db.pool, config, '7d', NOW)).predictive_insights.some((i) => i.kind === 'budget_crossing')).toBe(false);
    // 30-day forecasts with intervals (the week repeated), as 74 days of history would give.
    const month = (xs: number[]) => Array.from({ length: 720 }, (_, i) => xs[i % 168]!);
    for (const f of week) {
      const x = f.forecast;
      await storeForecast(db.pool, { ...f, horizonDays: 30, forecast: { ...x, point: month(x.point), intervals: x.intervals.map((b) => ({ level: b.level, lower: month(b.lower), upper: month(b.upper) })) } });
    }
    const crossing = (await loadDashboard(db.pool, config, '7d', NOW)).predictive_insights.find((i) => i.kind === 'budget_crossing')!;
    expect(Date.parse(crossing.from!)).toBeGreaterThan(NOW + 7 * 86_400_000);
    expect(Date.parse(crossing.from!)).toBeLessThanOrEqual(NOW + 11 * 86_400_000);
  });
});
