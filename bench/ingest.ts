// The API ingest path under 50 concurrent clients: POST /v1/incidents, POST /v1/alertmanager and
// POST /v1/metrics (→ the service monitor's signal), each for a fixed time against one API process
// and one core worker, with CPU by process to name where the time goes.
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createApiServer } from '../api/server';
import { createIncidentService } from '../app/incident-service';
import { createWindowForwarder } from '../app/monitor-client';
import { connectWorker } from '../app/temporal-connection';
import { parseConfig } from '../app/config-file';
import { createIngestToken } from '../db/ingest-tokens';
import { createPool } from '../db/pool';
import { SketchAccumulator } from '../domain/latency-sketch';
import { createCoreWorker } from '../workers/core-worker';
import { capturePages } from './page-capture';
import { summarize, type LatencySummary } from './stats';
import { treeCpu, treeCpuPct } from './proc-cpu';
import type { SpeedDeps } from './speed-deps';

export type IngestDeps = SpeedDeps;

export interface IngestRouteResult {
  route: string;
  clients: number;
  seconds: number;
  accepted: number;
  acceptedPerSec: number;
  /** 429s: the API's own back-pressure (ingest in-flight limit). */
  throttled: number;
  failed: number;
  firstFailure?: string;
  latencyMs: LatencySummary;
  cpuByProcessPctOfOneCore: Record<string, number>;
  /** The process with the most CPU over the run. */
  busiest: string;
}

const CLIENTS = 50;

function windowBody(service: string, start: number) {
  const acc = new SketchAccumulator();
  for (let i = 0; i < 50; i++) acc.add(200 + ((i * 37) % 300));
  return { windows: [{ service, start, durationMs: 10_000, count: 50, errors: 0, latency: acc.toSketch(), qualitySum: 45, qualityCount: 50, costUsdSum: 0.1, tokensSum: 25_000, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 }] };
}

function alertBody(service: string) {
  return {
    version: '4', groupKey: `{}:{alertname="RagLatencyHigh",service="${service}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'vigil',
    groupLabels: { alertname: 'RagLatencyHigh' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
    alerts: [{
      status: 'firing', labels: { alertname: 'RagLatencyHigh', service, severity: 'critical' }, annotations: { summary: 'p95 above 2 s' },
      startsAt: '2026-12-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: service.replace(/[^a-z0-9]/g, '').slice(-16),
    }],
  };
}

/** Request body number i of a route (distinct incidents; windows spread over 200 services, 10 s apart). */
function bodyFor(route: string, run: string, i: number): unknown {
  if (route === '/v1/incidents') return { service: `${run}-inc-${i}`, kind: 'availability_sla', severity: 'critical', title: 'availability 97% < 99.5%' };
  if (route === '/v1/alertmanager') return alertBody(`${run}-am-${i}`);
  return windowBody(`${run}-m-${i % 200}`, Date.UTC(2026, 11, 1) + Math.floor(i / 200) * 10_000);
}

async function drive(url: string, route: string, run: string, seconds: number, tokens: Map<string, string>): Promise<Omit<IngestRouteResult, 'cpuByProcessPctOfOneCore' | 'busiest'>> {
  let next = 0;
  let accepted = 0;
  let throttled = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const lane = async () => {
    while (performance.now() < end) {
      const payload = bodyFor(route, run, next++);
      const body = JSON.stringify(payload);
      // /v1/metrics takes a per-service ingest token whatever auth.mode says.
      const token = route === '/v1/metrics' ? tokens.get((payload as ReturnType<typeof windowBody>).windows[0]!.service) : undefined;
      const t = performance.now();
      try {
        const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
        const text = await res.text();
        if (res.status === 429) {
          throttled++;
          // As the SDK does: honour Retry-After (seconds) rather than hammer.
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
          continue;
        }
        if (res.status >= 200 && res.status < 300) {
          accepted++;
          latencies.push(performance.now() - t);
        } else {
          failed++;
          firstFailure ??= `${res.status} ${text.slice(0, 200)}`;
        }
      } catch (err) {
        failed++;
        firstFailure ??= String(err);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, lane));
  const wall = (performance.now() - t0) / 1000;
  return { route, clients: CLIENTS, seconds: Math.round(wall * 10) / 10, accepted, acceptedPerSec: Math.round((accepted / wall) * 10) / 10, throttled, failed, ...(firstFailure ? { firstFailure } : {}), latencyMs: summarize(latencies) };
}

/** Each ingest route for `seconds` with 50 clients; auth off (the auth bench prices keys separately). */
export async function runIngestBench(d: IngestDeps, seconds: number): Promise<IngestRouteResult[]> {
  const config = parseConfig(
    { temporal: { address: d.temporalAddress, namespace: d.namespace }, auth: { mode: 'none' }, channels: { console: { type: 'console' } }, escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } } },
    'bench-ingest',
    {},
  );
  const pool = createPool(d.databaseUrl, 'vigil-bench-ingest', 30);
  const connection = await connectWorker({ address: d.temporalAddress, namespace: d.namespace }, {});
  const silent = pino({ level: 'silent' });
  const pages = capturePages();
  const worker = await createCoreWorker({ connection, config, pool, logger: pino({ level: 'info' }, pages), env: {}, workflowBundle: { code: d.bundleCode } });
  const running = worker.run();
  const incidents = createIncidentService({ client: d.client, pool, config });
  const api = createApiServer({ incidents, client: d.client, pool, logger: silent, forwardWindows: createWindowForwarder(d.client, config.temporal.taskQueue), auth: config.auth });
  const results: IngestRouteResult[] = [];
  try {
    const url = await api.listen({ host: '127.0.0.1', port: 0 });
    const run = `ingest${Date.now().toString(36)}`;
    const tokens = new Map<string, string>();
    for (let i = 0; i < 200; i++) tokens.set(`${run}-m-${i}`, (await createIngestToken(pool, `${run}-m-${i}`, 'bench')).token);
    for (const route of ['/v1/incidents', '/v1/alertmanager', '/v1/metrics']) {
      d.log(`[ingest] ${route}: ${CLIENTS} clients for ${seconds} s`);
      const pagedBefore = pages.firstPage.size;
      const cpu0 = treeCpu();
      const t0 = performance.now();
      const r = await drive(url, route, run, seconds, tokens);
      const cpu = treeCpuPct(cpu0, treeCpu(), performance.now() - t0);
      const busiest = Object.entries(cpu).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'n/a';
      results.push({ ...r, cpuByProcessPctOfOneCore: cpu, busiest });
      // The next route is measured only once the worker has paged every incident this one opened.
      const paged = pagedBefore + (route === '/v1/metrics' ? 0 : r.accepted);
      for (let waited = 0; pages.firstPage.size < paged && waited < 180_000; waited += 200) await new Promise((res) => setTimeout(res, 200));
    }
    return results;
  } finally {
    await api.close();
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await pool.end();
  }
}
