import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// `vigil seed` as a user runs it: the history, its rollups, and the forecasts and capacity plans the
// dashboard reads, so a fresh clone has every number at once.
let services: Services;
let db: ScratchDatabase;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_seedcmd');
});

afterAll(async () => {
  await db?.drop();
  await services?.close();
});

describe('vigil seed', () => {
  it('seeds 29 days, rolls them up, forecasts 7 and 30 days and stores the capacity plan', { timeout: 300_000 }, async () => {
    const p = spawnVigil(['seed', '--days', '29', '--services', '1', '--allow-any-database'], { DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
    const { code } = await p.exited;
    const out = p.output();
    expect(code, out.slice(-2000)).toBe(0);
    expect(out).toMatch(/rolled 696 hours and 28 days; forecast 1 services \(7 and 30 days\), 1 capacity recommendations/);
    // 29 days are enough to backtest a week ahead, not a month (74 days): the month is the baseline, and says so.
    expect(out).toMatch(/checkout-rag: traffic 7 d by holt_winters\S*, 30 d by seasonal_naive/);
    const rows = await db.pool.query<{ horizon_days: number; n: number }>('SELECT horizon_days, count(*)::int AS n FROM forecasts GROUP BY 1 ORDER BY 1');
    expect(rows.rows).toEqual([{ horizon_days: 7, n: 5 }, { horizon_days: 30, n: 5 }]); // requests, p95, quality, cost, errors
    const recs = await db.pool.query('SELECT service, rank FROM capacity_recommendations');
    expect(recs.rows).toEqual([{ service: 'checkout-rag', rank: 1 }]);
    // The run is recorded with its ranked recommendations (the capacity plan's among them unless it holds).
    expect((await db.pool.query('SELECT count(*)::int AS n FROM recommendation_runs')).rows[0].n).toBe(1);
    const ranked = await db.pool.query<{ rank: number }>('SELECT rank FROM recommendations ORDER BY rank');
    expect(ranked.rows.map((r) => r.rank)).toEqual(ranked.rows.map((_, i) => i + 1));
  });
});
