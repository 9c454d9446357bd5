// `BENCH_ONLY=console npm run bench`: the web console on loopback with 200 services × 90 days of
// rollups — time to first chart of the executive and service pages (p50/p95 over 20 loads each, read
// from the page's own performance clock through Playwright) — and the live stream fanned out to 200
// simulated browsers while 200 services report every 10 s: the API's CPU and event-loop delay beside
// the same phase with no browser, and the delivery lag (window stored → event received) p50/p99.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import type { Pool } from 'pg';
import { rollOneHour } from '../activities/analytics/rollups';
import { createApiServer } from '../api/server';
import { parseConfig } from '../app/config-file';
import { createIncidentService } from '../app/incident-service';
import { connectClient } from '../app/temporal-connection';
import { readRollups, storeRollups } from '../db/analytics/rollups';
import { storeWindows } from '../db/metric-windows';
import { createPool } from '../db/pool';
import { DAY_MS, HOUR_MS, slotOf } from '../domain/analytics/slots';
import { trafficFactor } from '../domain/analytics/synthetic';
import { createRng } from '../domain/anomaly/rng';
import { SketchAccumulator } from '../domain/latency-sketch';
import type { WindowSummary } from '../domain/window-summary';
import { launch, noBrowserReason } from '../test/browser/chromium';
import { positiveInt } from './env';
import { machineInfo, RESULTS_DIR } from './results-file';
import { startEnvironment } from './environment';

const log = (s: string) => process.stderr.write(`bench console: ${s}\n`);
const pct = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
const rng = createRng(16);
const acc = new SketchAccumulator();

function windowsAt(services: number, start: number, durationMs: number): WindowSummary[] {
  return Array.from({ length: services }, (_, k) => {
    acc.reset();
    for (let i = 0; i < 20; i++) acc.add(300 * Math.exp(0.5 * rng.normal()));
    return { service: `svc-${k}`, start, durationMs, count: 20, errors: rng.next() < 0.02 ? 1 : 0, latency: acc.toSketch(), qualitySum: 16, qualityCount: 20, costUsdSum: 0.04, tokensSum: 18_000, satisfactionSum: 1.5, satisfactionCount: 2, dropped: 0 };
  });
}

/** One real rolled hour for every service, copied (with a daily rhythm) into 7 days of hours and 90 days of days. */
async function seedRollups(pool: Pool, services: number): Promise<void> {
  const config = parseConfig({}, 'bench', {});
  const hour = slotOf(Date.now(), 'hour') - HOUR_MS;
  for (let t = hour; t < hour + HOUR_MS; t += 60_000) await storeWindows(pool, { reported: windowsAt(services, t, 60_000), sampled: [] }, async () => undefined);
  await rollOneHour({ pool, config }, hour);
  const template = await readRollups(pool, 'hour', hour, hour + HOUR_MS);
  const scaled = (slot: number, f: number) => template.map((r) => ({ ...r, slotStart: slot, requests: Math.round(r.requests * f), errors: Math.round(r.errors * f), costUsd: r.costUsd * f }));
  const t0 = performance.now();
  for (let h = hour - 7 * 24 * HOUR_MS; h < hour; h += HOUR_MS) await storeRollups(pool, 'hour', h, scaled(h, trafficFactor(h)));
  for (let d = slotOf(hour, 'day') - 90 * DAY_MS; d < slotOf(hour, 'day'); d += DAY_MS) await storeRollups(pool, 'day', d, scaled(d, 24 * (0.9 + 0.2 * rng.next())));
  log(`${template.length} services: 7 days of hourly and 90 days of daily rollups written in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** Time to first chart: the page's own clock (ms since navigation) when its first chart drew. */
async function firstChart(base: string, urls: string[], loads: number) {
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    const out: Record<string, { p50: number; p95: number; completeP50: number; completeP95: number; loads: number }> = {};
    for (const url of urls) {
      const first: number[] = [];
      const complete: number[] = [];
      for (let i = 0; i < loads; i++) {
        await page.goto(`${base}${url}`);
        // Each load runs to the end (every figure in), so no load's server work spills into the next one's.
        await page.waitForSelector('body[data-complete]', { timeout: 120_000 });
        const drawn = await page.$$eval('.chart[data-drawn]', (els) => els.map((e) => Number(e.getAttribute('data-drawn'))));
        first.push(Math.min(...drawn));
        complete.push(Number(await page.getAttribute('body', 'data-complete')));
      }
      out[url] = { p50: Math.round(pct(first, 0.5)), p95: Math.round(pct(first, 0.95)), completeP50: Math.round(pct(complete, 0.5)), completeP95: Math.round(pct(complete, 0.95)), loads };
      log(`${url}: first chart p50 ${out[url].p50} ms, p95 ${out[url].p95} ms; complete p50 ${out[url].completeP50} ms`);
    }
    return out;
  } finally {
    await browser.close();
  }
}

/** 200 services report every 10 s for `rounds`; with `clients` simulated browsers on the stream. */
async function fanout(pool: Pool, base: string, services: number, clients: number, rounds: number) {
  const durationMs = rounds * 10_000 + 6_000;
  const child = clients
    ? spawn(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'console-sse-clients.ts'), `${base}/console/events`, String(clients), String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
    : null;
  let out = '';
  child?.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = child ? new Promise<void>((resolve) => child.on('exit', () => resolve())) : Promise.resolve();
  await new Promise((r) => setTimeout(r, 4_000)); // streams connect (and tsx compiles)
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stored: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const next = t0 + r * 10_000;
    await new Promise((res) => setTimeout(res, Math.max(0, next - performance.now())));
    await storeWindows(pool, { reported: windowsAt(services, Math.floor(Date.now() / 10_000) * 10_000, 10_000), sampled: [] }, async () => undefined);
    stored.push(Date.now());
  }
  await new Promise((res) => setTimeout(res, 2_000));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  await exited;
  const received = clients ? (JSON.parse(out.trim().split('\n').at(-1)!) as { received: Array<[number, number, number]> }).received : [];
  // Store → receive: each event against the latest store before its broadcast.
  const lagStore = received.map(([, sent, at]) => at - (stored.filter((s) => s <= sent).at(-1) ?? sent));
  const lagFanout = received.map(([, sent, at]) => at - sent);
  return {
    clients,
    rounds,
    windowsPerRound: services,
    events: received.length,
    eventsPerClient: clients ? received.length / clients : 0,
    apiCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    eventLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10,
    lagStoreToClientMs: clients ? { p50: pct(lagStore, 0.5), p99: pct(lagStore, 0.99), max: Math.max(...lagStore) } : null,
    lagBroadcastToClientMs: clients ? { p50: pct(lagFanout, 0.5), p99: pct(lagFanout, 0.99), max: Math.max(...lagFanout) } : null,
  };
}

export async function runConsoleBench(): Promise<void> {
  const why = noBrowserReason();
  if (why) throw new Error(why);
  const services = positiveInt('BENCH_CONSOLE_SERVICES', 200);
  const clients = positiveInt('BENCH_CONSOLE_CLIENTS', 200);
  const rounds = positiveInt('BENCH_CONSOLE_ROUNDS', 6);
  const env = await startEnvironment('default');
  const pool = createPool(env.databaseUrl, 'vigil-bench-console', 8);
  const client = await connectClient({ address: env.temporalAddress, namespace: 'default' }, {});
  const config = parseConfig({ anomalyDetection: { enabled: false } }, 'bench', {});
  const api = createApiServer({
    incidents: createIncidentService({ client, pool, config }), client, pool, config, logger: pino({ level: 'silent' }),
    auth: { mode: 'none', metricsPublic: true, keyCacheTtl: 10_000, sessionTtl: 3_600_000 },
  });
  try {
    await seedRollups(pool, services);
    await api.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    const pages = await firstChart(base, ['/exec?period=7d', '/exec?period=90d', '/services/svc-0?range=7d', '/services/svc-0?range=90d'], 20);
    log(`fan-out: ${services} services every 10 s, no browser`);
    const idle = await fanout(pool, base, services, 0, rounds);
    log(`fan-out: ${services} services every 10 s, ${clients} browsers`);
    const busy = await fanout(pool, base, services, clients, rounds);
    const results = { benchmark: 'console', date: new Date().toISOString(), machine: machineInfo(), services, rollups: { hourlyDays: 7, dailyDays: 90 }, pages, fanout: { idle, busy } };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'console.json'), `${JSON.stringify(results, null, 2)}\n`);
    const md = [
      `# Web console (${results.date.slice(0, 10)})`, '',
      `${services} services; rollups: 7 days hourly, 90 days daily; loopback; Debian chromium via playwright-core.`, '',
      '| page | first chart p50 | p95 | whole page p50 | p95 | loads |', '|---|---|---|---|---|---|',
      ...Object.entries(pages).map(([u, p]) => `| \`${u}\` | ${p.p50} ms | ${p.p95} ms | ${p.completeP50} ms | ${p.completeP95} ms | ${p.loads} |`), '',
      `Live stream: ${services} windows every 10 s for ${rounds} rounds.`, '',
      '| browsers | API CPU | event-loop delay p99 | events received | store → browser p50 / p99 / max | broadcast → browser p99 |', '|---|---|---|---|---|---|',
      ...[idle, busy].map((f) => `| ${f.clients} | ${f.apiCpuPct} % | ${f.eventLoopDelayP99Ms} ms | ${f.events} (${f.eventsPerClient} per browser) | ${f.lagStoreToClientMs ? `${f.lagStoreToClientMs.p50} / ${f.lagStoreToClientMs.p99} / ${f.lagStoreToClientMs.max} ms` : '—'} | ${f.lagBroadcastToClientMs ? `${f.lagBroadcastToClientMs.p99} ms` : '—'} |`),
      '',
      'API CPU is the bench process (the API and the 200-window store each round); the simulated browsers run in a process of their own.',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(RESULTS_DIR, 'console.md'), md);
    process.stdout.write(md);
  } finally {
    await api.close();
    await pool.end();
    await client.connection.close();
    await env.stop();
  }
}

if (require.main === module) {
  runConsoleBench().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench console failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
