import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { hashPassword } from '../../app/auth/password';
import { createApiKey } from '../../db/auth/api-keys';
import { setPasswordHash, upsertUser } from '../../db/auth/users';
import { MAX_STREAMS_PER_SESSION } from '../../console/routes';
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

async function open(headers: Record<string, string> = { authorization: `Bearer ${readKey}` }): Promise<Stream> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/console/events`, { headers, signal: ctl.signal });
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

  it(`caps a session at ${MAX_STREAMS_PER_SESSION} streams: the next gets 429 with the reason, and a closed one frees its place`, async () => {
    await upsertUser(db.pool, { name: 'sam', roles: ['viewer'] });
    await setPasswordHash(db.pool, 'sam', await hashPassword('a long enough password'));
    const login = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'sam', password: 'a long enough password' }) });
    expect(login.status, await login.text()).toBeLessThan(300);
    const cookie = { cookie: login.headers.get('set-cookie')!.split(';')[0]! };
    const held = await Promise.all(Array.from({ length: MAX_STREAMS_PER_SESSION }, () => open(cookie)));
    const refused = await fetch(`${base}/console/events`, { headers: cookie });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('too_many_streams');
    expect(body.message).toContain(`${MAX_STREAMS_PER_SESSION} live streams`);
    // An API key is not counted against the session.
    const keyStream = await open();
    held[0]!.abort();
    await eventually('the closed stream to free its place', async () => {
      const r = await fetch(`${base}/console/events`, { headers: cookie });
      if (r.status === 200) {
        await r.body!.cancel();
        return true;
      }
      expect(r.status).toBe(429);
      await r.body!.cancel();
      return false;
    });
    for (const s of [...held, keyStream]) s.abort();
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
