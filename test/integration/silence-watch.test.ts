// The worker's in-memory silences (db/silence-watch.ts) against the real Postgres: answered from
// memory once current, told of every change by the trigger of migration 023, and back on per-step
// reads whenever the copy cannot be trusted (a silence tied to an incident, the connection lost).
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool';
import { createSilenceWatch, type SilenceWatch } from '../../db/silence-watch';
import { activeSilences, createSilence, expireSilence } from '../../db/silences';
import { connectServices, eventually, type Services } from '../support/integration';

let services: Services;
let pool: Pool;
let queries = 0;
const APP = `silence-watch-${randomUUID().slice(0, 8)}`;
const watches: SilenceWatch[] = [];

beforeAll(async () => {
  services = await connectServices();
  pool = createPool(services.databaseUrl, APP, 2);
  // Counts the statements the watch's pool runs: a step answered from memory runs none.
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    queries++;
    return query(...args);
  };
});
afterAll(async () => {
  for (const w of watches) await w.close();
  await pool?.end();
  await services?.close();
});

function watch(): SilenceWatch {
  const w = createSilenceWatch({ pool, retryMs: 100 });
  watches.push(w);
  return w;
}

const silence = (service: string, extra: { incidentWorkflowId?: string } = {}) =>
  createSilence(services.pool, {
    matchers: [{ name: 'service', op: '=', value: service }],
    startsAt: Date.now() - 1000,
    endsAt: Date.now() + 600_000,
    createdBy: 'silence-watch-test',
    comment: 'test',
    ...extra,
  });

const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id).sort();

describe('silence watch', () => {
  it('answers steps from memory once current, and sees a new or expired silence as soon as Postgres notifies', async () => {
    const w = watch();
    expect(w.live).toBe(false);
    await w.active(Date.now()); // the first step reads Postgres and starts listening
    await eventually('the watch to be current', async () => w.live);

    queries = 0;
    for (let i = 0; i < 100; i++) await w.active(Date.now());
    expect(queries).toBe(0);

    const svc = `watch-${randomUUID().slice(0, 8)}`;
    const s = await silence(svc);
    const saved = performance.now();
    while (!(w.live && ids(await w.active(Date.now())).includes(s.id))) {
      if (performance.now() - saved > 30_000) throw new Error('the new silence never reached the watch');
      await new Promise((r) => setTimeout(r, 1));
    }
    process.stdout.write(`silence watch: a new silence was in memory ${(performance.now() - saved).toFixed(1)} ms after its commit\n`);
    // The same answer as a step reading Postgres.
    const now = Date.now();
    expect(ids(await w.active(now))).toEqual(ids(await activeSilences(services.pool, now)));

    expect(await expireSilence(services.pool, s.id, Date.now())).toBe(true);
    await eventually('the expired silence gone', async () => w.live && !ids(await w.active(Date.now())).includes(s.id));
  });

  it('a silence starting later is applied when it starts, without a read', async () => {
    const w = watch();
    await w.active(Date.now());
    await eventually('the watch to be current', async () => w.live);
    const startsAt = Date.now() + 60_000;
    const s = await createSilence(services.pool, { matchers: [{ name: 'service', op: '=', value: 'later' }], startsAt, endsAt: startsAt + 60_000, createdBy: 't', comment: 'later' });
    await eventually('the pending silence read', async () => w.live && ids(await w.active(startsAt)).includes(s.id));
    queries = 0;
    expect(ids(await w.active(startsAt - 1))).not.toContain(s.id);
    expect(ids(await w.active(startsAt))).toContain(s.id);
    expect(queries).toBe(0);
    await expireSilence(services.pool, s.id, Date.now());
  });

  it('while a silence tied to an incident runs, every step reads Postgres (its end follows the incident)', async () => {
    const w = watch();
    await w.active(Date.now());
    await eventually('the watch to be current', async () => w.live);
    const tied = await silence(`tied-${randomUUID().slice(0, 8)}`, { incidentWorkflowId: `incident/${randomUUID()}` });
    // The notification arrives: from then on the copy is not used.
    await eventually('the watch to stop answering from memory', async () => !w.live);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.live).toBe(false);
    queries = 0;
    const now = Date.now();
    expect(ids(await w.active(now))).toEqual(ids(await activeSilences(services.pool, now)));
    expect(queries).toBe(1);
    await expireSilence(services.pool, tied.id, Date.now());
    await eventually('the watch current again once the tied silence ended', async () => w.live);
  });

  it('when its connection is killed, steps read Postgres (missing nothing saved meanwhile) until it listens again', async () => {
    const w = watch();
    await w.active(Date.now());
    await eventually('the watch to be current', async () => w.live);
    const killed = await services.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`, [APP]);
    expect(killed.rowCount).toBeGreaterThanOrEqual(1);
    await eventually('the watch to notice', async () => !w.live);
    const s = await silence(`down-${randomUUID().slice(0, 8)}`);
    expect(ids(await w.active(Date.now()))).toContain(s.id);
    await eventually('the watch listening again', async () => w.live, 10_000);
    expect(ids(await w.active(Date.now()))).toContain(s.id);
    await expireSilence(services.pool, s.id, Date.now());
    await eventually('the expiry seen after the reconnect', async () => w.live && !ids(await w.active(Date.now())).includes(s.id));
  });
});
