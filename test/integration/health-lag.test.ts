import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createStoreActivities } from '../../activities/store';
import { clearSucceeded, failingActivities, recordActivityFailure } from '../../db/activity-failures';
import type { TimelineEntry } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { violationSchema } from '../../domain/violation';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { createActivityFailureTracker } from '../../workers/interceptors/activity-failures';

// A stalled pipe on /metrics and /healthz: a send failing over and over, and a change Postgres refuses.
// A database of its own: every test file's failures would otherwise count here.
const SECRET = 'health-hook-secret';
let services: Services;
let db: ScratchDatabase;
let receiver: WebhookReceiver;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_health');
  receiver = await startWebhookReceiver({ secret: SECRET });
  const config = testConfig(
    { channels: { hook: { type: 'webhook', url: receiver.url } }, anomalyDetection: { enabled: false }, health: { maxProjectionLag: '5s', maxActivityFailing: '2s' } },
    services,
  );
  stopWorker = (await startWorker({ ...services, pool: db.pool }, config, { VIGIL_WEBHOOK_SECRET: SECRET })).stop;
  incidents = createIncidentService({ client: services.client, pool: db.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: db.pool, logger: silentLogger, health: config.health });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await receiver?.close();
  await db?.drop();
  await services?.close();
});

/** The samples of one metric in a /metrics scrape, by their label text. */
async function samples(name: string): Promise<Map<string, number>> {
  const text = (await api.inject({ method: 'GET', url: '/metrics' })).body;
  const out = new Map<string, number>();
  for (const [, labels, value] of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) out.set(labels ?? '', Number(value));
  return out;
}

async function healthz() {
  const res = await api.inject({ method: 'GET', url: '/healthz' });
  return { status: res.statusCode, body: res.json() };
}

describe('an activity failing over and over', () => {
  it('shows on /metrics and /healthz with its type and age, and is gone once it succeeds', async () => {
    expect((await healthz()).status).toBe(200);
    // Three failed attempts, 1 s, 2 s and 4 s apart (domain/delivery/retry.ts), then the fourth lands.
    receiver.failNext(3, { status: 503 });
    const raised = await incidents.raise(violationSchema.parse({ service: 'health-rag', kind: 'quality_sla', severity: 'high', title: 'quality 0.61 < 0.70' }));
    const type = '{activity_type="deliverNotification"}';

    const failing = await eventually('deliverNotification failing on /metrics', async () => {
      const n = (await samples('vigil_activities_failing')).get(type);
      return n !== undefined && n >= 1 ? n : undefined;
    });
    expect(failing).toBe(1);
    const unhealthy = await eventually('/healthz 503 naming deliverNotification', async () => {
      const h = await healthz();
      return h.status === 503 ? h.body : undefined;
    });
    expect(unhealthy.ok).toBe(false);
    expect(unhealthy.problems).toEqual([expect.stringMatching(/^activities: deliverNotification failing for \d+ s \(limit 2 s\): .*503/)]);
    expect(unhealthy.activities.failing).toEqual([{ type: 'deliverNotification', count: 1, oldestSeconds: expect.any(Number), lastError: expect.stringContaining('503') }]);
    expect(unhealthy.activities.failing[0].oldestSeconds).toBeGreaterThan(2);
    expect((await samples('vigil_activity_oldest_failing_seconds')).get(type)).toBeGreaterThan(2);

    await eventually('the send delivered', async () => receiver.received.some((r) => r.status === 204));
    const healthy = await eventually('/healthz 200 again', async () => {
      const h = await healthz();
      return h.status === 200 ? h.body : undefined;
    });
    expect(healthy).toMatchObject({ ok: true, postgres: true, temporal: true, activities: { failing: [] }, problems: [] });
    expect((await samples('vigil_activities_failing')).has(type)).toBe(false);
    expect((await samples('vigil_activity_oldest_failing_seconds')).has(type)).toBe(false);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM activity_failures WHERE workflow_id = $1', [raised.workflowId])).rows[0].n).toBe(0);
  });
});

function view(id: string, over: Partial<IncidentView> = {}): IncidentView {
  return {
    workflowId: `incident/${id}`, incidentId: `run-${id}`, fingerprint: id, service: 'lag-rag', kind: 'quality_sla', dimension: '', severity: 'medium',
    title: 'quality low', details: {}, labels: {}, status: 'triggered', openedAt: Date.now() - 60_000, episode: 1, occurrences: 1, acknowledged: null,
    resolved: null, snoozedUntil: null, level: 'level 1', uiUrl: null, messages: [], revision: 1, ...over,
  };
}
const entry = (seq: number, at: number): TimelineEntry => ({ seq, at, type: 'note', actor: 'alice', text: `change ${seq}` });

describe('a projection Postgres cannot store', () => {
  it('makes the lag grow and /healthz name the projection, until a later change of the incident lands', async () => {
    const store = createStoreActivities({ pool: db.pool });
    const id = `lag${Date.now()}`;
    await store.projectIncident({ view: view(id), lastSeq: 1, events: [entry(1, Date.now() - 20_000)] });
    expect((await samples('vigil_projection_lag_seconds')).get('')).toBe(0);

    // An episode past Postgres' integer (22003): no replacement makes it storable, so nothing of this change lands.
    const changedAt = Date.now() - 10_000;
    await expect(store.projectIncident({ view: view(id, { episode: 2 ** 31 }), lastSeq: 2, events: [entry(2, changedAt)] })).rejects.toThrow(/refused/);
    // A scrape's figures are reused for a second (api/routes/prometheus.ts).
    const lag = await eventually('the lag on /metrics', async () => {
      const v = (await samples('vigil_projection_lag_seconds')).get('');
      return v !== undefined && v >= 10 ? v : undefined;
    });
    await new Promise((r) => setTimeout(r, 1100));
    const h = await healthz();
    expect(h.status).toBe(503);
    expect(h.body.projection.failures).toBe(1);
    expect(h.body.projection.lagSeconds).toBeGreaterThan(lag);
    expect(h.body.problems).toEqual([expect.stringMatching(/^projection: Postgres is 1\d s behind the workflows \(limit 5 s\)$/)]);

    // The next change carries the whole incident again and lands.
    await store.projectIncident({ view: view(id, { episode: 2, status: 'acknowledged' }), lastSeq: 3, events: [entry(3, Date.now())] });
    await eventually('lag 0 on /metrics', async () => (await samples('vigil_projection_lag_seconds')).get('') === 0);
    const after = await healthz();
    expect(after.status).toBe(200);
    expect(after.body.projection).toEqual({ lagSeconds: 0, failures: 0 });
  });
});

describe('a success seen by another worker process', () => {
  it('clears the failure it follows in the next batch, but not a failure after it', async () => {
    const subject = { activityType: 'deliverNotification', workflowId: `incident/batch${Date.now()}`, subject: '1.e1|hook' };
    const t0 = Date.now();
    await recordActivityFailure(db.pool, { ...subject, attempt: 1, scheduledAt: t0, at: t0, error: 'HTTP 503' });
    await recordActivityFailure(db.pool, { ...subject, subject: '1.e1|mail', attempt: 1, scheduledAt: t0, at: t0 + 2000, error: 'HTTP 503' });
    expect(await clearSucceeded(db.pool, [{ ...subject, at: t0 + 1000 }, { ...subject, subject: '1.e1|mail', at: t0 + 1000 }])).toBe(1);
    const left = await db.pool.query('SELECT subject, attempts FROM activity_failures WHERE workflow_id = $1', [subject.workflowId]);
    expect(left.rows).toEqual([{ subject: '1.e1|mail', attempts: 1 }]);
    expect((await failingActivities(db.pool, 60_000)).map((r) => [r.activity_type, r.failing])).toEqual([['deliverNotification', 1]]);
    await db.pool.query('DELETE FROM activity_failures WHERE workflow_id = $1', [subject.workflowId]);
  });
});

describe('the worker interceptor', () => {
  const workflowId = () => `incident/icpt${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const ctx = (wf: string, attempt: number, activityType = 'deliverNotification') =>
    ({ info: { activityType, activityId: String(attempt), attempt, scheduledTimestampMs: Date.now() - 5000, workflowExecution: { workflowId: wf, runId: 'r' } } }) as unknown as Context;
  const input: ActivityExecuteInput = { args: [{ step: '1.e1', target: 'hook' }], headers: {} };
  const rows = async (wf: string) => (await db.pool.query('SELECT subject, attempts, last_error FROM activity_failures WHERE workflow_id = $1', [wf])).rows;
  const run = (tracker: ReturnType<typeof createActivityFailureTracker>, c: Context, next: () => Promise<unknown>, args = input) =>
    tracker.interceptor(c).inbound!.execute!(args, next);

  it("clears a failure another process recorded in its next batch, and records retries after a timeout", async () => {
    const here = createActivityFailureTracker({ pool: db.pool, logger: silentLogger });
    const there = createActivityFailureTracker({ pool: db.pool, logger: silentLogger });
    const wf = workflowId();
    const boom = ApplicationFailure.create({ message: 'HTTP 502', type: 'delivery_server' });
    await expect(run(there, ctx(wf, 1), () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await rows(wf)).toEqual([{ subject: '1.e1|hook', attempts: 1, last_error: 'delivery_server: HTTP 502' }]);
    // The workflow retries the send with a new activity, which lands on the other process and succeeds.
    expect(await run(here, ctx(wf, 1), async () => 'sent')).toBe('sent');
    expect(await rows(wf)).toHaveLength(1);
    await here.flush();
    expect(await rows(wf)).toEqual([]);

    // Temporal retrying an attempt that timed out: nobody saw it throw, the retry says it failed.
    const timedOut = workflowId();
    const projection: ActivityExecuteInput = { args: [{ view: {}, lastSeq: 4, events: [] }], headers: {} };
    const inside = async () => {
      expect(await rows(timedOut)).toEqual([{ subject: '3', attempts: 2, last_error: 'attempt 2 ended without a result (timed out, or its worker was lost)' }]);
      return undefined;
    };
    await run(here, ctx(timedOut, 3, 'projectIncident'), inside, projection);
    expect(await rows(timedOut)).toEqual([]);
  });

  it('never changes what the activity returns or throws when Postgres cannot be written', async () => {
    const warnings: string[] = [];
    const broken = { query: () => Promise.reject(new Error('connection refused')) } as unknown as Pool;
    const tracker = createActivityFailureTracker({ pool: broken, logger: { warn: ((_o: unknown, msg: string) => void warnings.push(msg)) as never } });
    const boom = new Error('ECONNRESET');
    await expect(run(tracker, ctx(workflowId(), 1), () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await run(tracker, ctx(workflowId(), 2), async () => 42)).toBe(42);
    expect(warnings).toEqual(['activity failure bookkeeping failed', 'activity failure bookkeeping failed', 'activity failure bookkeeping failed']);
  });
});
