import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsActivities } from '../../activities/analytics';
import { parseConfig } from '../../app/config-file';
import { readRollups, rollupRuns } from '../../db/analytics/rollups';
import { storeWindows } from '../../db/metric-windows';
import { DAY_MS, HOUR_MS, slotOf } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import type { ExecutiveRollupResult } from '../../workflows/executive-rollup';
import { connectServices, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { createTestWorker, createTimeSkippingEnv } from '../support/time-skipping';
import { windowOf } from '../support/windows';

// The time-skipping server has no Schedules (TEMPORAL-NOTES §2): the hourly Schedule is stood in
// for by a cron workflow at :05. What is under test is the workflow's own catch-up (every hour
// since its watermark), which works the same whichever of the two started the run. The Java test
// server does not skip time while a workflow task waits for a worker, so the outage stops the
// cron workflow with the worker and starts a new one after, as a Schedule resuming would.
const TASK_QUEUE = `rollup-ts-${randomUUID()}`;
const MIN = 60_000;

let services: Services;
let db: ScratchDatabase;
let env: TestWorkflowEnvironment;
let config: VigilConfig;
let worker: { w: Worker; running: Promise<void> } | undefined;

async function startWorker() {
  const w = await createTestWorker(env, TASK_QUEUE, createAnalyticsActivities({ pool: db.pool, config }));
  worker = { w, running: w.run() };
}
async function stopWorker() {
  worker!.w.shutdown();
  await worker!.running;
  worker = undefined;
}

/** Windows every 10 minutes for two services over [from, to): 100 requests each, 2 errors in the second. */
async function report(from: number, to: number, n = 100) {
  const reported = [];
  for (let t = from; t < to; t += 10 * MIN) {
    reported.push(windowOf({ service: 'alpha-rag', start: t, n, latencyMs: 300 }), windowOf({ service: 'beta-rag', start: t, n, latencyMs: 900, errors: 2 }));
  }
  await storeWindows(db.pool, { reported, sampled: [] }, async () => undefined);
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_rollup');
  config = parseConfig({ analytics: { maxCatchup: '12h' } }, 'test', {});
  env = await createTimeSkippingEnv();
  await startWorker();
});

afterAll(async () => {
  if (worker) await stopWorker();
  await env?.teardown();
  await db?.drop();
  await services?.close();
});

describe('ExecutiveRollup catch-up on the time-skipping server', () => {
  it('a 6-hour worker outage → the next run rolls the 6 missed hours, none twice; a late window re-rolls its hour', async () => {
    const t0 = await env.currentTimeMs();
    const h0 = slotOf(t0, 'hour');
    await report(h0 - 13 * HOUR_MS, h0 + 10 * HOUR_MS);
    const startCron = () =>
      env.client.workflow.start('executiveRollupWorkflow', {
        workflowId: `rollup-cron-${randomUUID()}`,
        taskQueue: TASK_QUEUE,
        cronSchedule: '5 * * * *',
        args: [{ period: 'hour' }],
      });
    let cron = await startCron();
    try {
      // The first run (at the next :05) has no watermark: it rolls the 12 hours maxCatchup allows.
      const next05 = t0 - h0 < 5 * MIN ? h0 + 5 * MIN : h0 + HOUR_MS + 5 * MIN;
      await env.sleep(next05 + MIN - t0);
      const last = slotOf(next05, 'hour') - HOUR_MS;
      const first = await waitFor('the first run', async () => {
        const runs = await rollupRuns(db.pool, 'hour');
        return runs.length >= 12 ? runs : undefined;
      });
      expect(first.map((r) => r.slotStart)).toEqual(Array.from({ length: 12 }, (_, i) => last - (11 - i) * HOUR_MS));
      const watermark = first.at(-1)!.slotStart;

      // Down from next05 + 1 min until a minute before the :05 six hours on: six slots pass with no run.
      await cron.terminate('outage');
      await stopWorker();
      await env.sleep(6 * HOUR_MS - 2 * MIN);
      await startWorker();
      cron = await startCron();
      await env.sleep(2 * MIN);

      const after = await waitFor('the catch-up run', async () => {
        const runs = await rollupRuns(db.pool, 'hour');
        return runs.length >= 18 ? runs : undefined;
      });
      await new Promise((r) => setTimeout(r, 500)); // a second (duplicate) run would show up now
      const runs = await rollupRuns(db.pool, 'hour');
      expect(runs.length).toBe(18);
      const caughtUp = runs.filter((r) => r.slotStart > watermark);
      expect(caughtUp.map((r) => r.slotStart)).toEqual([1, 2, 3, 4, 5, 6].map((i) => watermark + i * HOUR_MS));
      expect(runs.every((r) => r.computations === 1)).toBe(true);
      expect(after.every((r) => r.computations === 1)).toBe(true);
      const rows = await readRollups(db.pool, 'hour', watermark + HOUR_MS, watermark + 7 * HOUR_MS);
      expect(rows).toHaveLength(12); // 6 hours × 2 services, one row each
      expect(rows.filter((r) => r.service === 'beta-rag').map((r) => r.requests)).toEqual([600, 600, 600, 600, 600, 600]);

      // A late window for an hour already rolled: the next run rolls that hour again, and only it.
      const lateHour = watermark + 3 * HOUR_MS;
      await storeWindows(db.pool, { reported: [windowOf({ service: 'beta-rag', start: lateHour + 5 * MIN, n: 50, latencyMs: 900 })], sampled: [] }, async () => undefined);
      const asOf = new Date(watermark + 7 * HOUR_MS + 5 * MIN).toISOString(); // the same slot the catch-up run stood for
      const rerun = (await env.client.workflow.execute('executiveRollupWorkflow', {
        workflowId: `rollup-late-${randomUUID()}`,
        taskQueue: TASK_QUEUE,
        args: [{ period: 'hour', asOf }],
      })) as ExecutiveRollupResult;
      expect(rerun.hours).toEqual([lateHour]);
      const again = await rollupRuns(db.pool, 'hour');
      expect(again.filter((r) => r.computations > 1).map((r) => r.slotStart)).toEqual([lateHour]);
      const [beta] = await readRollups(db.pool, 'hour', lateHour, lateHour + HOUR_MS, 'beta-rag');
      expect(beta!.requests).toBe(650);
    } finally {
      await cron.terminate('test over');
    }
  });

  it('the daily run rolls yesterday from its hours (sums add, sketches merge) and catches up hours first', async () => {
    const now = await env.currentTimeMs();
    // The day holding hours the first test rolled (it ran about 7 h of skipped time before now, and
    // rolled from 11 h before its start to 6 h after), whatever the time of day the suite runs at:
    // "yesterday" holds none of them in an afternoon run.
    const day = slotOf(now - 8 * HOUR_MS, 'day');
    const result = (await env.client.workflow.execute('executiveRollupWorkflow', {
      workflowId: `rollup-daily-${randomUUID()}`,
      taskQueue: TASK_QUEUE,
      args: [{ period: 'day', asOf: new Date(day + DAY_MS + 10 * MIN).toISOString() }],
    })) as ExecutiveRollupResult;
    expect(result.days).toContain(day);
    const hours = await readRollups(db.pool, 'hour', day, day + DAY_MS, 'alpha-rag');
    const [daily] = await readRollups(db.pool, 'day', day, day + 1, 'alpha-rag');
    expect(daily!.requests).toBe(hours.reduce((a, h) => a + h.requests, 0));
    expect(daily!.p95Ms).toBeCloseTo(hours[0]!.p95Ms!, 9); // one latency throughout: merging keeps it
  });
});
