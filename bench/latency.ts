// Latency as an on-call engineer feels it: open-loop Poisson arrivals at a share of the measured
// capacity (trigger → first page), and escalation timer lateness (due → page) with 1,000 incidents
// open. One core worker per part, console channel, same servers as the incidents benchmark.
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import type { Pool } from 'pg';
import { getIncidentState } from '../app/incident-client';
import { createIncidentService } from '../app/incident-service';
import { connectWorker } from '../app/temporal-connection';
import { parseConfig } from '../app/config-file';
import { createPool } from '../db/pool';
import { createRng } from '../domain/anomaly/rng';
import type { VigilConfig } from '../domain/config';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import { violationSchema, type Violation } from '../domain/violation';
import { createCoreWorker } from '../workers/core-worker';
import { runLimited } from './limiter';
import { collectGarbage, toMb } from './memory';
import { capturePages, type PageCapture } from './page-capture';
import { summarize, type LatencySummary } from './stats';
import { treeCpu, treeCpuPct } from './proc-cpu';
import type { SpeedDeps } from './speed-deps';

export type LatencyDeps = SpeedDeps;

export interface OpenLoopResult {
  /** Share of capacity and the arrival rate it gives (incidents/s). */
  share: number;
  targetRate: number;
  arrivals: number;
  achievedRate: number;
  /** Scheduled arrival → console PAGE line (scheduled, not actual, start: no coordinated omission). */
  firstPageMs: LatencySummary;
  /** raise() call → accepted by the server. */
  raiseMs: LatencySummary;
  unpaged: number;
  failedRaises: number;
  cpuByProcessPctOfOneCore: Record<string, number>;
}

export interface LatenessResult {
  open: number;
  level2DelayMs: number;
  /** First → last level-2 due time: how close together the timers fell due. */
  dueSpreadMs: number;
  /** Level-2 timers falling due per second over that spread. */
  dueRatePerSec: number;
  /** Level-2 dueAt (workflow time) → the level-2 PAGE line (wall clock), epoch ms on one machine. */
  latenessMs: LatencySummary;
  /** The part of it before the workflow ran: dueAt → the level's 'escalated' entry (timer fired, task picked up). */
  dueToWorkflowMs: LatencySummary;
  unpaged: number;
  rssMb: { before: number; open: number };
  rssPerOpenIncidentMiB: number;
  cpuByProcessPctOfOneCore: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(d: LatencyDeps, levels: Array<{ delay: number; targets: string[] }>): VigilConfig {
  return parseConfig(
    { temporal: { address: d.temporalAddress, namespace: d.namespace }, channels: { console: { type: 'console' } }, escalationPolicies: { default: { levels } } },
    'bench-latency',
    {},
  );
}

function violation(prefix: string, i: number): Violation {
  return violationSchema.parse({ service: `${prefix}-${String(i).padStart(5, '0')}`, kind: 'response_time_sla', dimension: 'p95', severity: 'critical', title: 'p95 response time above SLA', current: 2400, threshold: 1500, unit: 'ms' });
}

const idOf = (v: Violation) => incidentWorkflowId(fingerprint(v.service, v.kind, v.dimension));

/** Runs `work` with one core worker for `cfg`, paging into a capture. */
async function withWorker<T>(d: LatencyDeps, cfg: VigilConfig, work: (pages: PageCapture, pool: Pool) => Promise<T>): Promise<T> {
  const pages = capturePages();
  const pool = createPool(d.databaseUrl, 'vigil-bench-latency', 30);
  const connection = await connectWorker({ address: d.temporalAddress, namespace: d.namespace }, {});
  const worker = await createCoreWorker({ connection, config: cfg, pool, logger: pino({ name: 'vigil', level: 'info' }, pages), env: {}, workflowBundle: { code: d.bundleCode } });
  const running = worker.run();
  try {
    for (let i = 0; i < 100 && worker.getState() !== 'RUNNING'; i++) await sleep(20);
    return await work(pages, pool);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await pool.end();
  }
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await sleep(50);
}

/** Exponential gaps at `rate`/s for `durationMs`, seeded: the arrival offsets in ms. */
export function poissonSchedule(rate: number, durationMs: number, seed: number): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  for (let t = -Math.log(1 - rng.next()) * (1000 / rate); t < durationMs; t += -Math.log(1 - rng.next()) * (1000 / rate)) out.push(t);
  return out;
}

/** Incidents arrive at `share` × capacity for durationMs, whatever the system is doing (open loop). */
export async function openLoop(d: LatencyDeps, share: number, capacityPerSec: number, durationMs: number, seed: number): Promise<OpenLoopResult> {
  const rate = share * capacityPerSec;
  const schedule = poissonSchedule(rate, durationMs, seed);
  const cfg = config(d, [{ delay: 0, targets: ['console'] }]);
  return withWorker(d, cfg, async (pages, pool) => {
    const service = createIncidentService({ client: d.client, pool, config: cfg });
    const prefix = `open-${Math.round(share * 100)}-${seed}`;
    const due = new Map<string, number>();
    const raiseMs: number[] = [];
    let failed = 0;
    const inFlight: Array<Promise<void>> = [];
    const cpu0 = treeCpu();
    const t0 = performance.now() + 100;
    let progress = t0;
    for (let i = 0; i < schedule.length; i++) {
      const at = t0 + schedule[i]!;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      const v = violation(prefix, i);
      due.set(idOf(v), at);
      const called = performance.now();
      inFlight.push(service.raise(v).then(() => void raiseMs.push(performance.now() - called), () => void failed++));
      if (performance.now() - progress > 10_000) {
        progress = performance.now();
        d.log(`[open loop ${share * 100}%] ${i + 1}/${schedule.length} arrived, ${pages.firstPage.size} paged`);
      }
    }
    await Promise.all(inFlight);
    await until(() => [...due.keys()].every((k) => pages.firstPage.has(k)), 60_000);
    const wallMs = performance.now() - t0;
    const cpu = treeCpuPct(cpu0, treeCpu(), wallMs);
    const lat = [...due].flatMap(([k, at]) => (pages.firstPage.has(k) ? [pages.firstPage.get(k)! - at] : []));
    return {
      share, targetRate: Math.round(rate * 10) / 10, arrivals: schedule.length, achievedRate: Math.round((schedule.length / (durationMs / 1000)) * 10) / 10,
      firstPageMs: summarize(lat), raiseMs: summarize(raiseMs), unpaged: schedule.length - lat.length, failedRaises: failed, cpuByProcessPctOfOneCore: cpu,
    };
  });
}

/**
 * n incidents opened as fast as the server takes them (100 raises in flight), each with level 2 at
 * +level2DelayMs: their level-2 timers fall due over the span it took to open them, all n open.
 */
export async function timerLateness(d: LatencyDeps, n: number, level2DelayMs: number): Promise<LatenessResult> {
  const cfg = config(d, [{ delay: 0, targets: ['console'] }, { delay: level2DelayMs, targets: ['console'] }]);
  return withWorker(d, cfg, async (pages, pool) => {
    const service = createIncidentService({ client: d.client, pool, config: cfg });
    const vs = Array.from({ length: n }, (_, i) => violation('timers', i));
    const ids = vs.map(idOf);
    collectGarbage();
    const before = process.memoryUsage().rss;
    const failures = await runLimited(n, 100, async (i) => void (await service.raise(vs[i]!)));
    if (failures.length > 0) throw new Error(`timer lateness: ${failures.length} raises failed (first: ${String(failures[0])})`);
    d.log(`[timers] ${n} incidents raised; waiting for level 2 (+${level2DelayMs / 1000} s)`);
    await until(() => ids.every((id) => pages.firstPage.has(id)), 120_000);
    const cpu0 = treeCpu();
    const c0 = performance.now();
    await until(() => ids.every((id) => pages.levelPage.has(`${id}|level 2`)), level2DelayMs + 180_000);
    const cpu = treeCpuPct(cpu0, treeCpu(), performance.now() - c0);
    collectGarbage();
    const open = process.memoryUsage().rss;
    const dueAt = new Map<string, number>();
    const toWorkflow: number[] = [];
    await runLimited(n, 50, async (i) => {
      const s = await getIncidentState(d.client, ids[i]!);
      const level2 = s.timeline.filter((e) => e.type === 'escalated')[1];
      if (level2?.data?.dueAt === undefined) return;
      dueAt.set(ids[i]!, Number(level2.data.dueAt));
      toWorkflow.push(level2.at - Number(level2.data.dueAt));
    });
    const dues = [...dueAt.values()].sort((a, b) => a - b);
    const late = ids.flatMap((id) => (dueAt.has(id) && pages.levelPage.has(`${id}|level 2`) ? [pages.levelPage.get(`${id}|level 2`)! - dueAt.get(id)!] : []));
    const spread = dues.length > 1 ? dues[dues.length - 1]! - dues[0]! : 0;
    return {
      open: n, level2DelayMs, dueSpreadMs: spread, dueRatePerSec: spread > 0 ? Math.round((dues.length / spread) * 1000 * 10) / 10 : dues.length,
      latenessMs: summarize(late), dueToWorkflowMs: summarize(toWorkflow), unpaged: n - late.length,
      rssMb: { before: toMb(before), open: toMb(open) }, rssPerOpenIncidentMiB: Math.round(((open - before) / n / 1024 / 1024) * 1000) / 1000,
      cpuByProcessPctOfOneCore: cpu,
    };
  });
}
