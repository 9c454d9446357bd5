// Authentication overhead: the same routes on the same API, with access control on (an API key,
// cached as deployed) and off, interleaved in one run so the machine's noise hits both alike.
// Run alone with `BENCH_ONLY=auth npm run bench` (embedded Postgres in a temp dir; no Temporal needed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createApiServer, type AuthDeps } from '../api/server';
import { createIncidentService } from '../app/incident-service';
import { parseConfig } from '../app/config-file';
import { freePort } from '../cli/stack/ports';
import { createApiKey } from '../db/auth/api-keys';
import { upsertUser } from '../db/auth/users';
import { startEmbeddedPostgres } from '../db/embedded';
import { createIngestToken } from '../db/ingest-tokens';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { RESULTS_DIR, machineInfo } from './results-file';

const REQUESTS = 3000;
const CONCURRENCY = 20;
const ROUNDS = 3;
/** The bar: access control costs ingest at most 5 % of its throughput. */
const GOAL_INGEST_RATIO = 0.95;

const log = (s: string) => process.stderr.write(`${s}\n`);

interface Phase {
  route: string;
  auth: 'off' | 'key';
  perSecond: number;
}

async function hammer(url: string, init: () => RequestInit, n: number, concurrency: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(url, init());
        await res.arrayBuffer();
        if (res.status >= 300) failed++;
      }
    }),
  );
  if (failed > 0) throw new Error(`${failed} of ${n} requests to ${url} failed`);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function runAuthBench(): Promise<{ ingestRatio: number; met: boolean }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-auth-'));
  const db = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
  const pool = createPool(process.env.DATABASE_URL ?? db!.url, 'bench-auth', 20);
  const apps: FastifyInstance[] = [];
  try {
    await migrate(pool);
    const config = parseConfig({}, 'bench', {});
    // Neither route reaches Temporal (the list reads Postgres; metrics without forwarding only store), so a lazy client is never dialled.
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const incidents = createIncidentService({ client, pool, config });
    const logger = pino({ level: 'silent' });
    const start = async (auth: AuthDeps) => {
      // Ingest's own back-pressure (429 past 8 in flight) is not what is measured here.
      const app = createApiServer({ incidents, client, pool, logger, auth, maxIngestInFlight: 64 });
      apps.push(app);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const a = app.server.address();
      return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    };
    const base = { metricsPublic: true, keyCacheTtl: config.auth.keyCacheTtl, sessionTtl: config.auth.sessionTtl };
    const off = await start({ ...base, mode: 'none' });
    const on = await start({ ...base, mode: 'keys' });
    await upsertUser(pool, { name: 'bench', roles: ['responder'] });
    const key = (await createApiKey(pool, { name: 'bench', owner: 'bench', scopes: ['incidents:read'], createdBy: 'bench' })).key;
    const ingest = (await createIngestToken(pool, 'bench-rag', 'bench')).token;
    let seq = 0;
    const metricsBody = () =>
      JSON.stringify({ samples: [{ service: 'bench-rag', at: new Date(Date.UTC(2026, 0, 1) + seq++ * 1000).toISOString(), latencyMs: 800, ok: true, qualityScore: 0.8, costUsd: 0.003, tokens: 1000 }] });

    const phases: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [auth, url] of [['off', off], ['key', on]] as const) {
        const read = await hammer(`${url}/v1/incidents?limit=20`, (): RequestInit => (auth === 'key' ? { headers: { authorization: `Bearer ${key}` } } : {}), REQUESTS, CONCURRENCY);
        phases.push({ route: 'GET /v1/incidents', auth, perSecond: read });
        const write = await hammer(`${url}/v1/metrics`, () => ({ method: 'POST', headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' }, body: metricsBody() }), REQUESTS, CONCURRENCY);
        phases.push({ route: 'POST /v1/metrics', auth, perSecond: write });
        log(`bench auth: round ${round + 1}, ${auth}: ${read.toFixed(0)} reads/s, ${write.toFixed(0)} ingests/s`);
      }
    }
    const best = (route: string, auth: Phase['auth']) => Math.max(...phases.filter((p) => p.route === route && p.auth === auth).map((p) => p.perSecond));
    const rows = ['GET /v1/incidents', 'POST /v1/metrics'].map((route) => ({ route, off: best(route, 'off'), key: best(route, 'key'), ratio: best(route, 'key') / best(route, 'off') }));
    const ingestRatio = rows[1]!.ratio;
    const table = [
      '| route | auth off (req/s) | API key (req/s) | ratio |',
      '|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.route} | ${r.off.toFixed(0)} | ${r.key.toFixed(0)} | ${r.ratio.toFixed(3)} |`),
    ].join('\n');
    const met = ingestRatio >= GOAL_INGEST_RATIO;
    const md = [
      '# Authentication overhead',
      '',
      `${REQUESTS} requests × ${ROUNDS} interleaved rounds per cell, ${CONCURRENCY} in flight, loopback HTTP, best round; ${new Date().toISOString()}; ${machineInfo().cpus} CPUs.`,
      'The key is checked through the API\'s key cache (a revoked key is refused within auth.keyCacheTtl, 10 s); POST /v1/metrics carries its ingest token either way, so its ratio is the cost of the access check itself.',
      '',
      table,
      '',
      `Goal: ingest with access control ≥ ${GOAL_INGEST_RATIO} × without — ${met ? 'met' : 'NOT met'}.`,
      '',
    ].join('\n');
    process.stdout.write(`\n${md}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'auth.md'), md);
    fs.writeFileSync(path.join(RESULTS_DIR, 'auth.json'), JSON.stringify({ benchmark: 'auth', date: new Date().toISOString(), machine: machineInfo(), settings: { requests: REQUESTS, rounds: ROUNDS, concurrency: CONCURRENCY }, phases, rows, goal: { ingestRatio: GOAL_INGEST_RATIO, met } }, null, 2));
    return { ingestRatio, met };
  } finally {
    for (const app of apps) await app.close();
    await pool.end();
    await db?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
