import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { createApiKey } from '../../db/auth/api-keys';
import { connectServices, eventually, silentLogger, testConfig, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// The console's live stream: many browsers, one reader of new windows per API process.
const CLIENTS = 50;
let services: Services;
let db: ScratchDatabase;
let api: FastifyInstance;
let base = '';
let readKey = '';
let ingestKey = '';
let reads = 0; // queries for new windows, whoever asked

/** The scratch pool, counting the live stream's reads of new windows. */
function counting(pool: Pool): Pool {
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: Parameters<Pool['query']>) => {
          if (typeof args[0] === 'string' && args[0].includes('WHERE received_at >')) reads++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_live');
  const config = testConfig({ anomalyDetection: { enabled: false } }, services);
  const pool = counting(db.pool);
  api = createApiServer({
    incidents: createIncidentService({ client: services.client, pool, config }), client: services.client, pool, logger: silentLogger, config,
    auth: { mode: 'keys', metricsPublic: true, keyCacheTtl: 1000, sessionTtl: 60_000 },
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  readKey = (await createApiKey(db.pool, { name: 'viewer', owner: null, scopes: ['incidents:read'], createdBy: 'test' })).key;
  ingestKey = (await createApiKey(db.pool, { name: 'ingest', owner: null, scopes: ['metrics:write'], createdBy: 'test' })).key;
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
  await services?.close();
});

interface Stream {
  text: string;
  abort(): void;
}

async function open(): Promise<Stream> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/console/events`, { headers: { authorization: `Bearer ${readKey}` }, signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const s: Stream = { text: '', abort: () => ctl.abort() };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        s.text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  return s;
}

describe('console live stream', () => {
  it('refuses a caller without incidents:read', async () => {
    expect((await fetch(`${base}/console/events`)).status).toBe(401);
  });

  it(`fans one reader out to ${CLIENTS} streams: every stream gets the new window, Postgres is read once per tick`, async () => {
    const streams = await Promise.all(Array.from({ length: CLIENTS }, open));
    await eventually('every stream to say hello', async () => streams.every((s) => s.text.includes('event: hello')));
    const readsBefore = reads;
    const started = Date.now();
    const r = await fetch(`${base}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples: Array.from({ length: 25 }, (_, i) => ({ service: 'live-rag', at: new Date().toISOString(), latencyMs: 3000 + i, ok: i > 0 })) }),
    });
    expect(r.status, await r.text()).toBe(202);
    await eventually('every stream to get the window', async () => streams.every((s) => s.text.includes('event: windows')));
    const elapsed = Date.now() - started;
    // One read per tick (1 s) for all streams together, not one per stream.
    expect(reads - readsBefore).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 2);
    const event = streams[0]!.text.split('event: windows\ndata: ')[1]!.split('\n')[0]!;
    const payload = JSON.parse(event) as { services: Array<{ service: string; requests: number; breaches: string[] }> };
    expect(payload.services).toEqual([expect.objectContaining({ service: 'live-rag', requests: 25, breaches: ['latency', 'availability'] })]);
    // Everyone leaves: the reader stops.
    for (const s of streams) s.abort();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const idle = reads;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(reads).toBe(idle);
  });
});
