import { performance } from 'node:perf_hooks';
import type { Worker } from '@temporalio/worker';
import type { WorkerGroup } from '../workers/worker-group';
import { runLimited } from './limiter';
import { cpuMsPerItem, treeCpu } from './proc-cpu';
import { collectGarbage, sampleRss, toMb } from './memory';
import { summarize, type LatencySummary } from './stats';

/** What one side of the comparison (floor or Vigil) needs to be measured the same way. */
export interface PhaseSpec {
  name: string;
  n: number;
  /** Client calls in flight at most. */
  concurrency: number;
  timeoutMs: number;
  /** The one worker of this phase, created after the memory baseline is taken. */
  createWorker(): Promise<Worker | WorkerGroup>;
  /** The key under which item i's first notification is recorded. */
  keyOf(i: number): string;
  /** Issues item i's start (the trigger); called right after its trigger time is taken. */
  start(i: number): Promise<void>;
  /** key → performance.now() of the first notification, filled by the phase's worker. */
  arrivals: ReadonlyMap<string, number>;
}

/** Measurements of one phase; times in ms, memory in MiB of the whole bench process. */
export interface PhaseResult {
  requested: number;
  started: number;
  failedStarts: number;
  notified: number;
  complete: boolean;
  /** First trigger to last first-notification. */
  wallMs: number;
  /** First trigger until every start call had returned. */
  startsMs: number;
  /** Notified items per second of wallMs. */
  throughputPerSec: number;
  latencyMs: LatencySummary;
  /**
   * CPU ms per notified item by process (the bench process holds client, worker and harness; the
   * Temporal server; Postgres), first trigger to last notification, with their sum under `all`: the
   * cost behind the throughput, steadier than a rate on a shared machine.
   */
  cpuMsPerItem: Record<string, number>;
  rssMb: { before: number; peak: number; after: number };
  firstError?: string;
}

/** Time after the last notification before the "after" RSS reading (worker still running). */
const SETTLE_MS = 2000;

/** Processes counted wherever they run: the embedded Postgres's server and backends. */
const CPU_ALSO = ['postgres'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitRunning(worker: Worker | WorkerGroup): Promise<void> {
  for (let i = 0; i < 100 && worker.getState() !== 'RUNNING'; i++) await sleep(20);
}

/**
 * Starts the phase's worker, fires n starts through the limiter, waits (up to timeoutMs) for every
 * started item's first notification, samples RSS throughout, then shuts the worker down.
 */
export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  collectGarbage();
  const before = process.memoryUsage().rss;
  const rss = sampleRss(100);
  const worker = await spec.createWorker();
  const running = worker.run();
  let workerFailed = false;
  running.catch(() => (workerFailed = true));
  try {
    await waitRunning(worker);
    const triggers = new Map<string, number>();
    const cpu0 = treeCpu(CPU_ALSO);
    const t0 = performance.now();
    let startsMs = -1;
    const startsDone = runLimited(spec.n, spec.concurrency, async (i) => {
      triggers.set(spec.keyOf(i), performance.now());
      await spec.start(i);
    }).then((errors) => {
      startsMs = performance.now() - t0;
      return errors;
    });

    const deadline = t0 + spec.timeoutMs;
    let errors: unknown[] | undefined;
    void startsDone.then((e) => (errors = e));
    let lastProgress = t0;
    const arrived = () => [...triggers.keys()].filter((k) => spec.arrivals.has(k)).length;
    for (;;) {
      await sleep(50);
      const now = performance.now();
      const done = errors !== undefined && arrived() >= spec.n - errors.length;
      if (done || workerFailed || now > deadline) break;
      if (now - lastProgress >= 1000) {
        lastProgress = now;
        process.stderr.write(`[${spec.name}] started ${triggers.size}/${spec.n}, notified ${spec.arrivals.size}/${spec.n}\n`);
      }
    }
    const cpu1 = treeCpu(CPU_ALSO);
    const failures = errors ?? [];
    const latencies: number[] = [];
    let lastArrival = t0;
    for (const [key, trigger] of triggers) {
      const at = spec.arrivals.get(key);
      if (at === undefined) continue;
      latencies.push(at - trigger);
      lastArrival = Math.max(lastArrival, at);
    }
    const wallMs = lastArrival - t0;
    const started = triggers.size - failures.length;
    process.stderr.write(`[${spec.name}] notified ${latencies.length}/${spec.n} in ${(wallMs / 1000).toFixed(1)} s; settling\n`);
    await sleep(SETTLE_MS);
    const after = process.memoryUsage().rss;
    const result: PhaseResult = {
      requested: spec.n,
      started,
      failedStarts: failures.length,
      notified: latencies.length,
      complete: failures.length === 0 && latencies.length === spec.n,
      wallMs: Math.round(wallMs),
      startsMs: Math.round(startsMs >= 0 ? startsMs : performance.now() - t0),
      throughputPerSec: wallMs > 0 ? Math.round((latencies.length / wallMs) * 1000 * 10) / 10 : 0,
      latencyMs: summarize(latencies),
      cpuMsPerItem: cpuMsPerItem(cpu0, cpu1, latencies.length),
      rssMb: { before: toMb(before), peak: toMb(rss.peak()), after: toMb(after) },
    };
    if (failures[0] !== undefined) result.firstError = String(failures[0]);
    return result;
  } finally {
    rss.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  }
}
