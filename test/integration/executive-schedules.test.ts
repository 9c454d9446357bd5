import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSchedules, FORECAST_SCHEDULE, ROLLUP_DAILY_SCHEDULE, ROLLUP_HOURLY_SCHEDULE } from '../../app/schedules';
import { rollupRuns } from '../../db/analytics/rollups';
import type { VigilConfig } from '../../domain/config';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// The real Schedules on the dev server (the time-skipping server has none): created with the
// documented specs, and a triggered hourly run rolls hours through the product's own worker.
const H = 3_600_000;
const D = 86_400_000;
const IDS = [ROLLUP_HOURLY_SCHEDULE, ROLLUP_DAILY_SCHEDULE, FORECAST_SCHEDULE];

let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_sched');
  config = testConfig({ analytics: { maxCatchup: '3h' }, anomalyDetection: { enabled: false }, compliance: { reports: { enabled: false } } }, services);
  // The worker writes to the scratch database: the rollups it makes are this test's alone.
  const worker = await startWorker({ ...services, pool: db.pool }, config);
  stop = worker.stop;
});

afterAll(async () => {
  for (const id of IDS) await services?.client.schedule.getHandle(id).delete().catch(() => undefined);
  await stop?.();
  await db?.drop();
  await services?.close();
});

describe('the executive Schedules', () => {
  it('hourly at :05, daily at 00:10 and the forecast at 01:00 UTC; a triggered hourly run rolls the hours since its watermark', async () => {
    for (const id of IDS) await services.client.schedule.getHandle(id).delete().catch(() => undefined);
    expect(await ensureSchedules(services.client, config)).toEqual(expect.arrayContaining(IDS));
    const hourly = await services.client.schedule.getHandle(ROLLUP_HOURLY_SCHEDULE).describe();
    expect(hourly.spec.intervals).toEqual([{ every: H, offset: 5 * 60_000 }]);
    expect(hourly.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3 * H });
    expect(hourly.action).toMatchObject({ type: 'startWorkflow', workflowType: 'executiveRollupWorkflow', taskQueue: config.temporal.taskQueue, args: [{ period: 'hour' }] });
    const daily = await services.client.schedule.getHandle(ROLLUP_DAILY_SCHEDULE).describe();
    expect(daily.spec.intervals).toEqual([{ every: D, offset: 10 * 60_000 }]);
    const forecast = await services.client.schedule.getHandle(FORECAST_SCHEDULE).describe();
    expect(forecast.action).toMatchObject({ workflowType: 'forecastWorkflow', args: [{ mlTaskQueue: config.temporal.mlTaskQueue }] });

    await services.client.schedule.getHandle(ROLLUP_HOURLY_SCHEDULE).trigger();
    // No watermark yet and 3 h of catch-up allowed: the run rolls the last three complete hours.
    const runs = await eventually('the triggered rollup run', async () => {
      const r = await rollupRuns(db.pool, 'hour');
      return r.length >= 3 ? r : undefined;
    });
    expect(runs).toHaveLength(3);
    expect(runs[2]!.slotStart - runs[0]!.slotStart).toBe(2 * H);
    expect(runs.every((r) => r.computations === 1)).toBe(true);
  });
});
