import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { createIngestToken, revokeIngestToken } from '../../db/ingest-tokens';
import { createPool } from '../../db/pool';
import { addValue, emptySketch } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';
import { connectServices, eventually, silentLogger, testConfig, type Services } from '../support/integration';

const SERVICE = `ingest-${randomUUID().slice(0, 8)}`;
const OTHER = `other-${randomUUID().slice(0, 8)}`;
// Window starts a few minutes back, aligned to 10 s, so /metrics (last 5 minutes) covers them.
const BASE = Math.floor((Date.now() - 120_000) / 10_000) * 10_000;

let services: Services;
let api: FastifyInstance;
let token: string;
let forwarded: WindowSummary[][];
let failForward: boolean;

/** A consistent window of `latencies` (ms), one error, quality 0.8 on every request. */
function win(start: number, latencies: number[], over: Partial<WindowSummary> = {}): WindowSummary {
  const latency = latencies.reduce(addValue, emptySketch());
  const n = latencies.length;
  return {
    service: SERVICE, start, durationMs: 10_000, count: n, errors: 1, latency,
    qualitySum: 0.8 * n, qualityCount: n, costUsdSum: 0.01 * n, tokensSum: 100 * n, satisfactionSum: 0, satisfactionCount: 0, dropped: 0,
    ...over,
  };
}

const post = (payload: unknown, auth: string | null = token, extra: Partial<InjectOptions> = {}) =>
  api.inject({
    method: 'POST',
    url: '/v1/metrics',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    ...extra,
  });

async function tableState(pool: Pool = services.pool) {
  const r = await pool.query<{ rows: string; requests: string | null }>('SELECT count(*) AS rows, sum(count) AS requests FROM metric_windows WHERE service = ANY($1)', [[SERVICE, OTHER]]);
  return r.rows[0]!;
}

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({}, services);
  api = createApiServer({
    incidents: createIncidentService({ client: services.client, pool: services.pool, config }),
    client: services.client,
    pool: services.pool,
    logger: silentLogger,
    bodyLimit: 64 * 1024, // the server's default limit is smaller; /v1/metrics has its own 1 MiB
    forwardWindows: async (windows) => {
      if (failForward) throw new Error('14 UNAVAILABLE: temporal is down');
      forwarded.push(windows);
    },
  });
  await api.ready();
  token = (await createIngestToken(services.pool, SERVICE, 'test')).token;
});

beforeEach(() => {
  forwarded = [];
  failForward = false;
});

afterAll(async () => {
  await api?.close();
  await services?.close();
});

describe('POST /v1/metrics: window summaries', () => {
  const batch = [win(BASE, [100, 200, 300, 400, 2500]), win(BASE + 10_000, [120, 130]), win(BASE + 20_000, [0, 50, 60, 70])];

  it('stores a valid batch, forwards it once, and answers 202', async () => {
    const res = await post({ windows: batch });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(forwarded).toEqual([batch]);
    const rows = await services.pool.query(
      'SELECT window_start, duration_ms, count, errors, p50_ms, p95_ms, quality_avg, tokens, sketch FROM metric_windows WHERE service = $1 ORDER BY window_start',
      [SERVICE],
    );
    expect(rows.rows.map((r) => r.window_start.getTime())).toEqual([BASE, BASE + 10_000, BASE + 20_000]);
    expect(rows.rows[0]).toMatchObject({ duration_ms: 10_000, count: '5', errors: '1', tokens: '500', sketch: batch[0]!.latency });
    expect(rows.rows[0].p50_ms).toBeCloseTo(300, -1); // within the sketch's 1 %
    expect(rows.rows[0].p95_ms).toBe(2500); // the top rank is the exact max
    expect(rows.rows[0].quality_avg).toBeCloseTo(0.8);
  });

  it('counts a re-sent batch as duplicates: nothing doubled, nothing forwarded again', async () => {
    const before = await tableState();
    const res = await post({ windows: batch });
    expect(res.json()).toEqual({ accepted: 0, duplicates: 3 });
    expect(await tableState()).toEqual(before);
    expect(forwarded).toEqual([]);
  });

  it('stores and forwards only the new windows of a partly re-sent batch', async () => {
    const fresh = win(BASE + 30_000, [90]);
    const res = await post({ windows: [batch[2], fresh, fresh] });
    expect(res.json()).toEqual({ accepted: 1, duplicates: 2 });
    expect(forwarded).toEqual([[fresh]]);
  });

  it('keeps the windows of different replicas (sources) for the same start: they add up, they are not re-sends', async () => {
    const start = BASE + 50_000;
    const a = win(start, [10], { source: 'pod-a' });
    const b = win(start, [20, 30], { source: 'pod-b' });
    expect((await post({ windows: [a, b] })).json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await post({ windows: [b, win(start, [40], { source: 'pod-c' })] })).json()).toEqual({ accepted: 1, duplicates: 1 });
    const rows = await services.pool.query('SELECT source, count FROM metric_windows WHERE service = $1 AND window_start = $2 ORDER BY source', [SERVICE, new Date(start)]);
    expect(rows.rows).toEqual([{ source: 'pod-a', count: '1' }, { source: 'pod-b', count: '2' }, { source: 'pod-c', count: '1' }]);
    expect(forwarded.map((ws) => ws.map((w) => w.source))).toEqual([['pod-a', 'pod-b'], ['pod-c']]);
  });

  it('stores nothing when the monitor cannot be reached (503), so the retry is not a duplicate', async () => {
    const w = win(BASE + 40_000, [10, 20]);
    failForward = true;
    const failed = await post({ windows: [w] });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ error: 'unavailable', message: expect.stringMatching(/nothing was stored/) });
    expect((await services.pool.query('SELECT 1 FROM metric_windows WHERE service = $1 AND window_start = $2', [SERVICE, new Date(w.start)])).rowCount).toBe(0);
    failForward = false;
    expect((await post({ windows: [w] })).json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(forwarded).toEqual([[w]]);
  });
});

describe('POST /v1/metrics: raw samples', () => {
  it('summarises samples into 10 s windows per service, and adds later samples into the same window', async () => {
    const t0 = BASE + 100_000; // a window of its own
    const samples = [
      { service: SERVICE, at: t0 + 1_000, latencyMs: 100, ok: true, qualityScore: 1, tokens: 10, costUsd: 0.5 },
      { service: SERVICE, at: new Date(t0 + 2_000).toISOString(), latencyMs: 300, ok: false, qualityScore: 0.5 },
      { service: SERVICE, at: t0 + 12_000, latencyMs: 50, ok: true, satisfaction: 1 },
    ];
    const res = await post({ samples });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.map((w) => [w.start, w.count, w.errors])).toEqual([[t0, 2, 1], [t0 + 10_000, 1, 0]]);
    // each request's windows have a source of their own, so the monitor adds them up instead of dropping them as re-sends
    const firstSource = forwarded[0]![0]!.source!;
    expect(firstSource).toMatch(/^~samples:/);

    expect((await post({ samples: [{ service: SERVICE, at: t0 + 5_000, latencyMs: 200, ok: true, qualityScore: 0 }] })).json()).toEqual({ accepted: 1, duplicates: 0 });
    const row = await services.pool.query('SELECT count, errors, quality_avg, quality_count, tokens, cost_usd, sketch FROM metric_windows WHERE service = $1 AND window_start = $2', [SERVICE, new Date(t0)]);
    expect(row.rows[0]).toMatchObject({ count: '3', errors: '1', quality_count: '3', tokens: '10', cost_usd: 0.5 });
    expect(row.rows[0].quality_avg).toBeCloseTo(0.5);
    expect(row.rows[0].sketch).toMatchObject({ count: 3, min: 100, max: 300 });
    expect(row.rowCount).toBe(1);
    expect(forwarded[1]![0]!.source).toMatch(/^~samples:/);
    expect(forwarded[1]![0]!.source).not.toBe(firstSource);
  });
});

describe('POST /v1/metrics: rejected batches change nothing', () => {
  const good = () => win(BASE + 200_000, [10, 20, 30]);
  const huge = JSON.stringify({ windows: [good()], padding: 'x'.repeat(1_100_000) });
  it.each([
    // each case: what is wrong, body, status, the field the answer must name (if any)
    ['a count sent as a string', { windows: [good(), { ...good(), start: BASE + 210_000, count: '3' }] }, 400, 'body.windows.1.count'],
    ['errors above count', { windows: [good(), win(BASE + 210_000, [1]), win(BASE + 220_000, [1]), win(BASE + 230_000, [1, 2], { errors: 3 })] }, 400, 'body.windows.3.errors'],
    ['a negative sample latency', { windows: [good()], samples: [{ service: SERVICE, at: BASE, latencyMs: -5, ok: true }] }, 400, 'body.samples.0.latencyMs'],
    ['a quality score above 1', { samples: [{ service: SERVICE, at: BASE, latencyMs: 5, ok: true, qualityScore: 1.5 }] }, 400, 'body.samples.0.qualityScore'],
    ['a time that is not a time', { samples: [{ service: SERVICE, at: 'yesterday', latencyMs: 5, ok: true }] }, 400, 'body.samples.0.at'],
    ['a sketch whose count disagrees with its buckets', { windows: [{ ...good(), latency: { ...good().latency, count: 7 } }] }, 400, 'body.windows.0.latency.count'],
    ['a sketch alpha outside (0, 0.1]', { windows: [{ ...good(), latency: { ...good().latency, alpha: 0.5 } }] }, 400, 'body.windows.0.latency.alpha'],
    ['a bucket key that is not an integer', { windows: [{ ...good(), latency: { ...good().latency, buckets: { '1.5': 3 } } }] }, 400, 'body.windows.0.latency.buckets.1.5'],
    ['a number too large to be finite', `{"windows":[${JSON.stringify(good()).replace(/"costUsdSum":[^,]+/, '"costUsdSum":1e400')}]}`, 400, 'body.windows.0.costUsdSum'],
    ['a source in the reserved "~" namespace', { windows: [{ ...good(), source: '~samples:x' }] }, 400, 'body.windows.0.source'],
    ['an unknown field', { windows: [{ ...good(), p95: 12 }] }, 400, 'body.windows.0'],
    ['more than 1,000 entries', { samples: Array.from({ length: 1001 }, (_, i) => ({ service: SERVICE, at: BASE + i, latencyMs: 1, ok: true })) }, 400, 'body.samples'],
    ['a window of a service the token is not for', { windows: [good(), { ...win(BASE + 210_000, [1]), service: OTHER }] }, 403, 'body.windows.1.service'],
    ['a sample of a service the token is not for', { samples: [{ service: OTHER, at: BASE, latencyMs: 1, ok: true }] }, 403, 'body.samples.0.service'],
    ['a body that is not an object', [good()], 400, 'body'],
    ['malformed JSON', '{"windows": [', 400, null],
    ['a body over 1 MiB', huge, 413, null],
  ])('%s → %i', async (_what, payload, status, field) => {
    const before = await tableState();
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(status);
    const body = res.json() as { error: string; message: string; issues?: Array<{ field: string }> };
    expect(body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    if (field) expect(body.issues?.map((i) => i.field)).toContain(field);
    expect(await tableState()).toEqual(before);
    expect(forwarded).toEqual([]);
  });

  it('accepts a body between the server-wide limit and 1 MiB', async () => {
    const windows = Array.from({ length: 200 }, (_, i) => win(BASE - (i + 1) * 10_000, [1, 2, 3]));
    const payload = JSON.stringify({ windows });
    expect(payload.length).toBeGreaterThan(64 * 1024);
    expect((await post(payload)).json()).toEqual({ accepted: 200, duplicates: 0 });
  });
});

describe('POST /v1/metrics: authentication', () => {
  it.each([
    // each case: Authorization header
    ['none', null],
    ['not a bearer token', 'Basic dXNlcjpwYXNz'],
    ['an unknown token', `Bearer vgl_${'A'.repeat(43)}`],
    ['a token of another format', 'Bearer xoxb-123'],
  ])('answers 401 to %s, before reading the body', async (_what, header) => {
    const res = await api.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', ...(header ? { authorization: header } : {}) }, payload: '{"windows": [' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
  });

  it('answers 401 once a token is revoked', async () => {
    const { token: t, record } = await createIngestToken(services.pool, SERVICE, 'short-lived');
    expect((await post({ windows: [win(BASE + 300_000, [1])] }, t)).statusCode).toBe(202);
    expect(await revokeIngestToken(services.pool, record.id)).toBe(true);
    const res = await post({ windows: [win(BASE + 310_000, [1])] }, t);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/revoked/) });
  });
});

describe('POST /v1/metrics: overload', () => {
  it('answers 429 with Retry-After while 8 requests are in flight, and serves again once they finish', async () => {
    // A pool of its own, larger than the limit, so the held requests wait in the monitor, not for a connection.
    const pool = createPool(services.databaseUrl, 'vigil-test-overload', 12);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const local = createApiServer({
      incidents: {} as never,
      client: services.client,
      pool,
      logger: silentLogger,
      forwardWindows: async () => {
        held++;
        await gate;
      },
    });
    try {
      const slow = Array.from({ length: 8 }, (_, i) => local.inject({ method: 'POST', url: '/v1/metrics', headers: { authorization: `Bearer ${token}` }, payload: { windows: [win(BASE + 400_000 + i * 10_000, [1])] } }));
      await eventually('8 requests held in the monitor', async () => held === 8);
      const refused = await local.inject({ method: 'POST', url: '/v1/metrics', headers: { authorization: `Bearer ${token}` }, payload: { windows: [win(BASE + 500_000, [1])] } });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toMatchObject({ error: 'overloaded', message: expect.stringMatching(/per|process/) });
      release();
      expect((await Promise.all(slow)).map((r) => r.statusCode)).toEqual(Array(8).fill(202));
      const after = await local.inject({ method: 'POST', url: '/v1/metrics', headers: { authorization: `Bearer ${token}` }, payload: { windows: [win(BASE + 500_000, [1])] } });
      expect(after.statusCode).toBe(202);
      const text = (await local.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain('vigil_ingest_requests_total{code="429"} 1');
      expect(text).toContain('vigil_ingest_requests_total{code="202"} 9');
    } finally {
      release();
      await local.close();
      await pool.end();
    }
  });
});

describe('GET /metrics after ingest', () => {
  it('exposes the ingest counters and the SLIs of the last 5 minutes', async () => {
    const res = await api.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(new RegExp(`vigil_ingest_windows_total\\{service="${SERVICE}",result="accepted"\\} \\d+`));
    expect(text).toMatch(new RegExp(`vigil_ingest_windows_total\\{service="${SERVICE}",result="duplicate"\\} [1-9]`));
    expect(text).toMatch(new RegExp(`vigil_ingest_windows_total\\{service="${SERVICE}",result="rejected"\\} [1-9]`));
    expect(text).toMatch(/vigil_ingest_requests_total\{code="401"\} [1-9]/);
    expect(text).toMatch(/vigil_ingest_requests_total\{code="413"\} 1/);
    const value = (name: string) => Number(new RegExp(`^${name}\\{service="${SERVICE}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('vigil_service_p95_ms')).toBeGreaterThan(0);
    expect(value('vigil_service_availability')).toBeGreaterThan(0);
    expect(value('vigil_service_availability')).toBeLessThan(1);
    expect(value('vigil_service_quality')).toBeGreaterThan(0);
    expect(value('vigil_service_requests_per_second')).toBeGreaterThan(0);
    expect(text).toMatch(/^vigil_incidents_open\{severity="critical"\} \d+$/m);
    expect(text).toMatch(/^vigil_postgres_up 1$/m);
    expect(text).toMatch(/^vigil_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/v1\/metrics",status_code="202"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
