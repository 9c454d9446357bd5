import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { seedHistory } from '../../cli/commands/seed';
import { readRollups } from '../../db/analytics/rollups';
import { combineRollups, type ServiceRollup } from '../../domain/analytics/rollup';
import { DAY_MS, slotOf } from '../../domain/analytics/slots';
import { burnViews, execSeries, incidentStats, serviceSeries, servicesOverview, type CoarseBurnCache } from '../../console/data';
import { lockDetectorHead, recordWindow } from '../../db/anomaly-detector-state';
import { storeWindows } from '../../db/metric-windows';
import { addToBurn, burnTotals, emptyBurnState } from '../../domain/burn-rate';
import { addValue, emptySketch, type LatencySketch } from '../../domain/latency-sketch';
import { connectServices, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// The console's own reads on `vigil seed` history, against the analytics code's figures.
const NOW = Date.now();
let services: Services;
let db: ScratchDatabase;
const config = parseConfig({}, 'test', {});

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_console_data');
  await seedHistory(db.pool, config, { days: 9, services: 3, seed: 3, windowMs: 300_000, now: NOW });
}, 300_000);

afterAll(async () => {
  await db?.drop();
  await services?.close();
});

describe('console data', () => {
  it('sums the estate trend in Postgres to the very figures combineRollups gives', async () => {
    const s = await execSeries(db.pool, '7d', NOW);
    const to = slotOf(NOW, 'hour');
    const rows = await readRollups(db.pool, 'day', slotOf(to - 7 * DAY_MS, 'day'), to);
    const bySlot = new Map<number, ServiceRollup[]>();
    for (const r of rows) bySlot.set(r.slotStart, [...(bySlot.get(r.slotStart) ?? []), r]);
    const estate = [...bySlot].sort((a, b) => a[0] - b[0]).map(([slot, parts]) => combineRollups('*', slot, parts));
    expect(estate.length).toBeGreaterThanOrEqual(6);
    expect(s.t).toEqual(estate.map((e) => e.slotStart / 1000));
    estate.forEach((e, i) => {
      expect(s.satisfaction[i]).toBeCloseTo(e.satisfactionAvg!, 9);
      expect(s.costPerSuccess[i]).toBeCloseTo(e.costPerSuccess!, 9);
      expect(s.slaCompliance[i]).toBeCloseTo(e.slaCompliance!, 9);
      expect(s.requests[i]).toBe(e.requests);
    });
  });

  it('shows every seeded service in its newest window, and its series with incident markers', async () => {
    const overview = await servicesOverview(db.pool, config);
    expect(overview.map((o) => o.service)).toEqual(['checkout-rag', 'search-rag', 'support-rag']);
    for (const o of overview) expect(NOW - o.at).toBeLessThan(15 * 60_000);
    const week = await serviceSeries(db.pool, config, 'search-rag', '7d', NOW);
    expect(week.source).toBe('hourly');
    expect(week.t.length).toBeGreaterThan(150);
    expect(week.markers.length).toBeGreaterThan(0);
    const recent = await serviceSeries(db.pool, config, 'search-rag', '6h', NOW);
    expect(recent.source).toBe('windows');
    expect(recent.t.length).toBeGreaterThanOrEqual(71); // 5-minute windows over 6 hours (the newest may not be in yet)
    expect(recent.t.length).toBeLessThanOrEqual(72);
    expect(recent.p50.every((p, i) => p === null || p <= recent.p95[i]! + 1e-9)).toBe(true);
  });

  it('gives MTTA and MTTR per service from the projection', async () => {
    const stats = await incidentStats(db.pool, 30);
    expect(stats.length).toBe(3);
    for (const s of stats) {
      expect(s.incidents).toBeGreaterThan(0);
      if (s.mttaSeconds !== null && s.mttrSeconds !== null) expect(s.mttrSeconds).toBeGreaterThanOrEqual(s.mttaSeconds);
    }
  });

  it('shows the anomaly monitor\'s latest verdict per service and marks its anomalous windows on the series', async () => {
    // Verdicts as the scoring activity stores them (activities/ml/window-scoring.ts), through the same module.
    const verdicts = [
      { t: NOW - 40 * 60_000, anomalous: false, surprise: 0.4 },
      { t: NOW - 30 * 60_000, anomalous: true, surprise: 3.2 },
      { t: NOW - 20 * 60_000, anomalous: false, surprise: 0.7 },
    ];
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      const head = await lockDetectorHead(c, 'search-rag', 1);
      let seq = head.headSeq;
      for (const v of verdicts) {
        seq += 1;
        const verdict = { scored: true, score: v.surprise / 10, threshold: 0.2, anomalous: v.anomalous, modelVersion: null, detector: 'ensemble (changepoint)', surprise: v.surprise, seq, ...(v.anomalous ? { anomalyClass: 'performance' } : {}) };
        await recordWindow(c, { service: 'search-rag', seq, windowKey: `@${v.t}`, t: v.t, point: [1, 2], verdict, previousCheckpoint: head.checkpointSeq });
      }
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const overview = await servicesOverview(db.pool, config);
    const search = overview.find((o) => o.service === 'search-rag')!;
    expect(search.anomaly).toMatchObject({ at: verdicts[2]!.t, scored: true, anomalous: false, surprise: 0.7 });
    expect(overview.find((o) => o.service === 'checkout-rag')!.anomaly).toBeNull();
    const series = await serviceSeries(db.pool, config, 'search-rag', '6h', NOW);
    expect(series.anomalies).toEqual([{ t: verdicts[1]!.t / 1000, surprise: 3.2, detector: 'ensemble (changepoint)', anomalyClass: 'performance' }]);
  });

  it('shows each burn rule\'s long and short window rate as errors / requests / budget over the stored windows', async () => {
    const overview = await servicesOverview(db.pool, config);
    for (const o of overview) {
      expect(o.burn!.rules.map((r) => r.rule)).toEqual(['fast', 'slow', 'ticket']);
      const end = o.burn!.at;
      const sums = async (ms: number) =>
        (await db.pool.query<{ c: string; e: string }>('SELECT sum(count) AS c, sum(errors) AS e FROM metric_windows WHERE service = $1 AND window_start >= $2 AND window_start < $3', [o.service, new Date(end - ms), new Date(end)])).rows[0]!;
      // 5-minute windows aligned to the minute, so the 1-hour window is exactly the last 12 windows.
      const hour = await sums(3_600_000);
      const want = Number(hour.e) / Number(hour.c) / (1 - config.slaDefaults.slo.availability);
      expect(o.burn!.rules[0]!.long).toBeCloseTo(want, 3);
    }
    // The live stream's path: 3-day buckets read once, then reused from the cache, same figures.
    const names = overview.map((o) => o.service);
    const cache: CoarseBurnCache = new Map();
    const first = await burnViews(db.pool, config, names, cache);
    expect([...cache.keys()].sort()).toEqual(names);
    const second = await burnViews(db.pool, config, names, cache);
    for (const o of overview) {
      expect(first.get(o.service)).toEqual(o.burn);
      expect(second.get(o.service)).toEqual(o.burn);
    }
  });

  it('shows each latency burn rule as slow / timed requests / budget, the monitor\'s counts over the stored windows, and a tick decodes only new windows', async () => {
    const sla = config.slaDefaults;
    const first = (await servicesOverview(db.pool, config)).find((o) => o.service === 'search-rag')!;
    // A window of 50 answers, 20 over the 2 s p95 threshold, right after the newest stored one.
    let sketch = emptySketch();
    for (let i = 0; i < 50; i += 1) sketch = addValue(sketch, i < 20 ? 5000 : 300);
    const slowWindow = { service: 'search-rag', start: first.burn!.at, durationMs: 300_000, count: 50, errors: 0, latency: sketch, qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 };
    const cache: CoarseBurnCache = new Map();
    await burnViews(db.pool, config, ['search-rag'], cache);
    const held = cache.get('search-rag')!.latency!;
    expect(held.windows.size).toBeGreaterThan(800); // 3 days of 5-minute windows
    const [id, kept] = [...held.windows].at(-1)!;
    await storeWindows(db.pool, { reported: [slowWindow], sampled: [] }, async () => {});
    const viaCache = (await burnViews(db.pool, config, ['search-rag'], cache)).get('search-rag')!;
    const fresh = (await burnViews(db.pool, config, ['search-rag'])).get('search-rag')!;
    // Latency is exact on the incremental path (availability's 3-day buckets may be up to a minute old by design).
    expect(viaCache.latency).toEqual(fresh.latency);
    // The monitor's own BurnState over the same stored windows, window by window.
    const end = fresh.at;
    const rows = await db.pool.query<{ window_start: Date; count: string; errors: string; sketch: LatencySketch }>(
      'SELECT window_start, count, errors, sketch FROM metric_windows WHERE service = $1 AND window_start > $2 AND window_start < $3 ORDER BY window_start',
      ['search-rag', new Date(end - 3 * 86_400_000 - 3_600_000), new Date(end)],
    );
    // The cache holds exactly the windows of the new span (the new one in, the oldest 5 minutes out), and a
    // window it already held is the very object decoded on the first read, not decoded again.
    expect(held.windows.size).toBe(rows.rows.length);
    expect(held.windows.get(id)).toBe(kept);
    let state = emptyBurnState();
    for (const r of rows.rows) state = addToBurn(state, { ...slowWindow, start: r.window_start.getTime(), count: Number(r.count), errors: Number(r.errors), latency: r.sketch }, sla.p95LatencyMs);
    const budget = 1 - sla.slo.latency;
    const rate = (ms: number) => {
      const t = burnTotals(state, end, ms);
      return t.slow / t.timed / budget;
    };
    const [fast, , ticket] = fresh.latency!;
    expect(burnTotals(state, end, 300_000).slow).toBe(20);
    expect(fast!.short).toBeCloseTo(rate(300_000), 3);
    expect(fast!.short).toBeCloseTo(20 / 50 / budget, 3); // the last 5 minutes are the slow window alone
    expect(fast!.long).toBeCloseTo(rate(3_600_000), 3);
    expect(ticket!.long).toBeCloseTo(rate(3 * 86_400_000), 3);
  });
});
