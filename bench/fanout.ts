// Notification fan-out: N open incidents × 3 loopback channels through one Vigil core worker (sends/s,
// due time → send received), then the ledger's cost per send measured without Temporal.
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import pino, { type DestinationStream } from 'pino';
import { Client as PgClient, type Pool } from 'pg';
import { getIncidentState } from '../app/incident-client';
import { createIncidentService } from '../app/incident-service';
import { connectWorker } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import type { VigilConfig } from '../domain/config';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import { violationSchema, type Violation } from '../domain/violation';
import { buildNotifiers } from '../workers/channels';
import { createCoreWorker } from '../workers/core-worker';
import type { BenchEnvironment } from './environment';
import { runDirect, type DirectResult } from './fanout-direct';
import { fanoutNotes, fanoutText, writeFanoutResults } from './fanout-results';
import { FANOUT_CHANNELS, SLACK_RATE_PER_SECOND, fanoutConfig, startFakes, type Arrival, type FanoutChannel } from './fanout-fakes';
import { runLimited } from './limiter';
import { treeCpu, treeCpuPct } from './proc-cpu';
import { summarize, type LatencySummary } from './stats';
import { positiveInt } from './env';

/** Fan-out runs on its own task queue, so incidents the incident benchmark left open never reach its worker. */
export const FANOUT_TASK_QUEUE = 'bench-fanout';
const FANOUT_APP_NAME = 'vigil-bench-fanout';
const DIRECT_APP_NAME = 'vigil-bench-direct';

export interface FanoutOptions {
  client: Client;
  namespace: string;
  /** The bundle of workflows/index.ts (bundled before measuring). */
  bundleCode: string;
  /** Incidents opened; the direct comparison sends to as many views. */
  incidents: number;
  /** raise() calls in flight at most. */
  concurrency: number;
  /** Sends in flight at most in the direct comparison. */
  directConcurrency: number;
  /** Postgres pool size of the worker and of the direct comparison (`vigil worker` uses 10). */
  poolMax: number;
  timeoutMs: number;
  /** A part that completes nothing for this long is given up. */
  stallMs: number;
  log(line: string): void;
}

/** Load averages (1, 5, 15 min) rounded, as os.loadavg() reports them. */
export type LoadAvg = [number, number, number];

export interface EscalationResult {
  incidents: number;
  raised: number;
  failedRaises: number;
  expectedSends: number;
  /** First successful delivery per (incident, channel) seen at the fakes. */
  received: number;
  /** Deliveries beyond the first for one (incident, channel): resends. */
  duplicates: number;
  complete: boolean;
  stalled: boolean;
  /** First raise() → last send received at a fake. */
  wallMs: number;
  /** First raise() until every raise() had returned. */
  raisesMs: number;
  sendsPerSec: number;
  /** Send received at the fake − the step's due time (the 'escalated' entry's data.dueAt). */
  dueToSendMs: LatencySummary;
  dueToSendByChannel: Record<FanoutChannel, LatencySummary>;
  /** Send received − just before that incident's raise() call (includes queueing of the first workflow task). */
  raiseToSendMs: LatencySummary;
  /** Due time − raise(): how long the incident waited for its first workflow task. */
  raiseToDueMs: LatencySummary;
  /** Incidents whose state could not be read or had no single 'escalated' entry for the step. */
  unmatched: number;
  /** Webhook deliveries whose payload step differs from the escalated entry's step. */
  stepMismatches: number;
  /** From the notification ledger for these incidents. */
  ledger: { rows: number; retried: number; notSent: number };
  /** notify_failed timeline entries over all incidents. */
  notifyFailed: number;
  /** CPU over first raise → last send: this process in % of one core, and the whole machine in % of all cores. */
  cpu: { processPctOfOneCore: number; machineBusyPct: number; cores: number; byProcessPctOfOneCore: Record<string, number> };
  /** What Temporal did for one incident (the first), from its history. */
  perIncident: { historyEvents: number; workflowTasks: number; activities: string[] } | null;
  /** WARN+ lines the worker logged. */
  warnings: number;
  firstWarning?: string;
  firstError?: string;
  /** On a stall: the worker pool's Postgres sessions by state (pg_stat_activity). */
  stallSessions?: string;
}

export interface FanoutResults {
  benchmark: 'fanout';
  settings: { incidents: number; concurrency: number; directConcurrency: number; poolMax: number; slackRatePerSecond: number; timeoutMs: number; taskQueue: string };
  load: { start: LoadAvg; afterEscalation: LoadAvg; end: LoadAvg };
  escalation: EscalationResult;
  direct: DirectResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Busy and total CPU time of the machine so far (all cores), in ms. */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total };
}

/** Workflow tasks and activities of one incident so far, from its event history. */
async function incidentProfile(client: Client, workflowId: string): Promise<EscalationResult['perIncident']> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const T = temporal.api.enums.v1.EventType;
  return {
    historyEvents: events.length,
    workflowTasks: events.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities: events
      .filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?'),
  };
}
const loadavg = (): LoadAvg => os.loadavg().map((x) => Math.round(x * 100) / 100) as LoadAvg;

/** Resolves with the promise's value, or with `fallback` after ms or on failure (for shutdowns that may hang). */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p.catch(() => fallback), sleep(ms).then(() => fallback)]);
}

/**
 * A pool like `vigil worker`'s, except that checked-out clients get an error listener too: after a
 * stall, connections still held when Postgres stops must not crash the process.
 */
function benchPool(url: string, name: string, max: number): Pool {
  const pool = createPool(url, name, max);
  pool.on('connect', (c) => void c.on('error', () => undefined));
  return pool;
}

/** What the pool's sessions are doing, from a connection of its own (the pool may be exhausted). */
async function sessionStates(url: string, applicationName: string): Promise<string> {
  const c = new PgClient({ connectionString: url });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query<{ state: string; n: number; query: string }>(
      `SELECT coalesce(state, '?') AS state, count(*)::int AS n, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query
       FROM pg_stat_activity WHERE application_name = $1 GROUP BY 1, 3 ORDER BY 2 DESC`,
      [applicationName],
    );
    return r.rows.map((x) => `${x.n} ${x.state} (${x.query})`).join('; ');
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Info-level logging as a worker does it, written nowhere; WARN and above are counted (and the first kept). */
function countingDestination(): DestinationStream & { warnings: number; first?: string } {
  const d: DestinationStream & { warnings: number; first?: string } = {
    warnings: 0,
    write(line: string) {
      const m = /"level":(\d+)/.exec(line);
      if (m && Number(m[1]) >= 40) {
        d.warnings++;
        d.first ??= line.trim().slice(0, 400);
      }
    },
  };
  return d;
}

/** The i-th violation: one distinct service each, so every violation opens its own incident. */
function fanoutViolation(i: number): Violation {
  return violationSchema.parse({
    service: `fanout-svc-${String(i + 1).padStart(4, '0')}`,
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'critical',
    title: 'p95 response time above SLA',
    current: 2400,
    threshold: 1500,
    unit: 'ms',
  });
}

async function ledgerStats(pool: Pool, workflowIds: string[]): Promise<EscalationResult['ledger']> {
  const r = await pool.query<{ rows: number; retried: number; not_sent: number }>(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE attempts > 1)::int AS retried, count(*) FILTER (WHERE status <> 'sent')::int AS not_sent
     FROM notifications WHERE workflow_id = ANY($1)`,
    [workflowIds],
  );
  const row = r.rows[0]!;
  return { rows: row.rows, retried: row.retried, notSent: row.not_sent };
}

type Fakes = Awaited<ReturnType<typeof startFakes>>;

/** Part 1: N incidents raised through the incident service on one core worker; every level-1 send timed at the fake. */
async function runEscalation(env: BenchEnvironment, o: FanoutOptions, fakes: Fakes): Promise<EscalationResult> {
  const config = fanoutConfig(fakes, { address: env.temporalAddress, namespace: o.namespace, taskQueue: FANOUT_TASK_QUEUE });
  const pool = benchPool(env.databaseUrl, FANOUT_APP_NAME, o.poolMax);
  const connection = await connectWorker({ address: env.temporalAddress, namespace: o.namespace }, {});
  const logs = countingDestination();
  const worker = await createCoreWorker({
    connection,
    config,
    pool,
    logger: pino({ name: 'vigil', level: 'info' }, logs),
    env: fakes.workerEnv,
    workflowBundle: { code: o.bundleCode },
  });
  const running = worker.run();
  let workerError: unknown;
  running.catch((err: unknown) => (workerError = err));
  try {
    for (let i = 0; i < 100 && worker.getState() !== 'RUNNING'; i++) await sleep(20);
    const service = createIncidentService({ client: o.client, pool, config });
    const violations = Array.from({ length: o.incidents }, (_, i) => fanoutViolation(i));
    const ids = violations.map((v) => incidentWorkflowId(fingerprint(v.service, v.kind, v.dimension)));
    const raisedAt = new Map<string, number>();
    const first: Record<FanoutChannel, Map<string, Arrival>> = { hook: new Map(), pd: new Map(), slack: new Map() };
    let duplicates = 0;
    const collect = () => {
      const fresh = fakes.drain();
      let added = 0;
      for (const ch of FANOUT_CHANNELS) {
        for (const a of fresh[ch]) {
          if (first[ch].has(a.workflowId)) duplicates++;
          else {
            first[ch].set(a.workflowId, a);
            added++;
          }
        }
      }
      return added;
    };
    const received = () => FANOUT_CHANNELS.reduce((sum, ch) => sum + first[ch].size, 0);

    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const machine0 = machineCpu();
    const tree0 = treeCpu();
    let raisesMs = -1;
    let errors: unknown[] | undefined;
    void runLimited(o.incidents, o.concurrency, async (i) => {
      raisedAt.set(ids[i]!, Date.now());
      await service.raise(violations[i]!);
    }).then((e) => {
      raisesMs = Date.now() - t0;
      errors = e;
    });

    let lastProgress = Date.now();
    let lastLog = t0;
    let stalled = false;
    let stallSessions: string | undefined;
    for (;;) {
      await sleep(50);
      const now = Date.now();
      if (collect() > 0) lastProgress = now;
      const expected = (o.incidents - (errors?.length ?? 0)) * FANOUT_CHANNELS.length;
      if (errors !== undefined && received() >= expected) break;
      if (workerError !== undefined || now - t0 > o.timeoutMs) break;
      if (errors !== undefined && now - lastProgress > o.stallMs) {
        stalled = true;
        stallSessions = await within(sessionStates(env.databaseUrl, FANOUT_APP_NAME), 5_000, 'unknown');
        o.log(`[fanout] no send arrived for ${o.stallMs / 1000} s: giving up. Worker's Postgres sessions: ${stallSessions}`);
        break;
      }
      if (now - lastLog >= 2000) {
        lastLog = now;
        o.log(`[fanout] raised ${raisedAt.size}/${o.incidents}, sends received ${received()}/${o.incidents * FANOUT_CHANNELS.length} (hook ${first.hook.size}, pd ${first.pd.size}, slack ${first.slack.size})`);
      }
    }
    const cpu = process.cpuUsage(cpu0);
    const machine1 = machineCpu();
    const tree1 = treeCpu();
    const cpuWallMs = Date.now() - t0;
    const failures = errors ?? [];
    const wallEnd = Math.max(t0, ...FANOUT_CHANNELS.flatMap((ch) => [...first[ch].values()].map((a) => a.at)));
    o.log(`[fanout] ${received()} sends received in ${((wallEnd - t0) / 1000).toFixed(1)} s; reading incident states`);

    // Due times from each incident's own state: the 'escalated' entry of its level-1 step.
    const due = new Map<string, { dueAt: number; step: string }>();
    let unmatched = 0;
    let notifyFailed = 0;
    const raisedIds = ids.filter((id) => raisedAt.has(id));
    await runLimited(raisedIds.length, 20, async (i) => {
      const id = raisedIds[i]!;
      const state = await getIncidentState(o.client, id);
      const escalated = state.timeline.filter((e) => e.type === 'escalated');
      notifyFailed += state.timeline.filter((e) => e.type === 'notify_failed').length;
      const e = escalated[0];
      if (escalated.length !== 1 || typeof e?.data?.dueAt !== 'number' || typeof e.data.step !== 'string') {
        unmatched++;
        return;
      }
      due.set(id, { dueAt: e.data.dueAt, step: e.data.step });
    }).then((errs) => (unmatched += errs.length));

    const dueToSend: number[] = [];
    const byChannel: Record<FanoutChannel, number[]> = { hook: [], pd: [], slack: [] };
    const raiseToSend: number[] = [];
    const raiseToDue: number[] = [];
    let stepMismatches = 0;
    for (const id of raisedIds) {
      const d = due.get(id);
      const raised = raisedAt.get(id)!;
      if (d) raiseToDue.push(d.dueAt - raised);
      for (const ch of FANOUT_CHANNELS) {
        const a = first[ch].get(id);
        if (!a) continue;
        raiseToSend.push(a.at - raised);
        if (!d) continue;
        if (a.step !== undefined && a.step !== d.step) stepMismatches++;
        dueToSend.push(a.at - d.dueAt);
        byChannel[ch].push(a.at - d.dueAt);
      }
    }
    const expectedSends = o.incidents * FANOUT_CHANNELS.length;
    const wallMs = wallEnd - t0;
    const result: EscalationResult = {
      incidents: o.incidents,
      raised: raisedAt.size - failures.length,
      failedRaises: failures.length,
      expectedSends,
      received: received(),
      duplicates,
      complete: failures.length === 0 && received() === expectedSends && unmatched === 0,
      stalled,
      wallMs,
      raisesMs: raisesMs >= 0 ? raisesMs : Date.now() - t0,
      sendsPerSec: wallMs > 0 ? Math.round((received() / wallMs) * 1000 * 10) / 10 : 0,
      dueToSendMs: summarize(dueToSend),
      dueToSendByChannel: { hook: summarize(byChannel.hook), pd: summarize(byChannel.pd), slack: summarize(byChannel.slack) },
      raiseToSendMs: summarize(raiseToSend),
      raiseToDueMs: summarize(raiseToDue),
      unmatched,
      stepMismatches,
      ledger: await within(ledgerStats(pool, raisedIds), 10_000, { rows: -1, retried: -1, notSent: -1 }),
      notifyFailed,
      cpu: {
        processPctOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / cpuWallMs) * 100),
        machineBusyPct: Math.round(((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * 100),
        cores: os.cpus().length,
        byProcessPctOfOneCore: treeCpuPct(tree0, tree1, cpuWallMs),
      },
      perIncident: raisedIds[0] ? await within(incidentProfile(o.client, raisedIds[0]), 10_000, null) : null,
      warnings: logs.warnings,
    };
    if (logs.first !== undefined) result.firstWarning = logs.first;
    if (stallSessions !== undefined) result.stallSessions = stallSessions;
    const firstError = failures[0] ?? workerError;
    if (firstError !== undefined) result.firstError = String(firstError);
    return result;
  } finally {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    // A worker whose activities hang (e.g. waiting for a pool connection) never finishes shutting down.
    await within(running.catch(() => undefined), 15_000, undefined);
    await within(connection.close(), 5_000, undefined);
    await within(pool.end(), 5_000, undefined);
  }
}

/**
 * Both parts on the benchmark environment: the fan-out through Temporal, then the ledger
 * comparison (same loopback channels, same Postgres, no Temporal).
 */
/**
 * The channels without rate limits: a limited channel's sends join its dispatcher workflow's queue,
 * which needs Temporal, and the direct comparison measures the ledger alone (the fan-out above
 * measures the queue).
 */
function unlimited(config: VigilConfig): VigilConfig {
  const channels = Object.fromEntries(Object.entries(config.channels).map(([name, c]) => [name, { ...c, ratePerSecond: undefined }]));
  return { ...config, channels } as VigilConfig;
}

export async function runFanout(env: BenchEnvironment, o: FanoutOptions): Promise<FanoutResults> {
  const loadStart = loadavg();
  const fakes = await startFakes();
  try {
    o.log(`[fanout] ${o.incidents} incidents × ${FANOUT_CHANNELS.length} channels (webhook, PagerDuty, Slack at ${SLACK_RATE_PER_SECOND}/s); load ${loadStart.join(' ')}`);
    const escalation = await runEscalation(env, o, fakes);
    const loadMid = loadavg();

    o.log(`[direct] ${o.incidents} views × ${FANOUT_CHANNELS.length} channels, ${o.directConcurrency} in flight; load ${loadMid.join(' ')}`);
    const config = unlimited(fanoutConfig(fakes, { address: env.temporalAddress, namespace: o.namespace, taskQueue: FANOUT_TASK_QUEUE }));
    const logs = countingDestination();
    const logger = pino({ name: 'vigil', level: 'info' }, logs);
    const pool = benchPool(env.databaseUrl, DIRECT_APP_NAME, o.poolMax);
    const direct = await runDirect({
      pool,
      config,
      notifiers: buildNotifiers(config, fakes.workerEnv, logger),
      logger,
      views: o.incidents,
      concurrency: o.directConcurrency,
      stallMs: o.stallMs,
      log: o.log,
    });
    if (direct.direct.stalled || direct.ledger.stalled) {
      direct.stallSessions = await within(sessionStates(env.databaseUrl, DIRECT_APP_NAME), 5_000, 'unknown');
      o.log(`[direct] stalled; Postgres sessions of its pool: ${direct.stallSessions}`);
    }
    await within(pool.end(), 5_000, undefined);
    return {
      benchmark: 'fanout',
      settings: {
        incidents: o.incidents,
        concurrency: o.concurrency,
        directConcurrency: o.directConcurrency,
        poolMax: o.poolMax,
        slackRatePerSecond: SLACK_RATE_PER_SECOND,
        timeoutMs: o.timeoutMs,
        taskQueue: FANOUT_TASK_QUEUE,
      },
      load: { start: loadStart, afterEscalation: loadMid, end: loadavg() },
      escalation,
      direct,
    };
  } finally {
    await fakes.close();
  }
}

/** The worker's own pool size (`vigil worker`, `vigil dev`). */
const DEFAULT_POOL_MAX = 30;

/**
 * `npm run bench`'s fan-out part: settings from the environment (BENCH_FANOUT_INCIDENTS,
 * BENCH_FANOUT_CONCURRENCY, BENCH_FANOUT_DIRECT_CONCURRENCY, BENCH_FANOUT_POOL_MAX,
 * BENCH_FANOUT_STALL_MS, BENCH_TIMEOUT_MS), the tables on stdout, results in bench/results/ when
 * complete. Returns the exit code (1 for partial results).
 */
export async function fanoutBench(
  env: BenchEnvironment,
  o: { client: Client; namespace: string; bundleCode: string; temporal: { server: string; sdk: string }; log(line: string): void },
): Promise<number> {
  const results = await runFanout(env, {
    client: o.client,
    namespace: o.namespace,
    bundleCode: o.bundleCode,
    incidents: positiveInt('BENCH_FANOUT_INCIDENTS', 1000),
    concurrency: positiveInt('BENCH_FANOUT_CONCURRENCY', 100),
    directConcurrency: positiveInt('BENCH_FANOUT_DIRECT_CONCURRENCY', 50),
    poolMax: positiveInt('BENCH_FANOUT_POOL_MAX', DEFAULT_POOL_MAX),
    timeoutMs: positiveInt('BENCH_TIMEOUT_MS', 5 * 60_000),
    stallMs: positiveInt('BENCH_FANOUT_STALL_MS', 60_000),
    log: o.log,
  });
  process.stdout.write(`\n${fanoutText(results)}\n\n`);
  const e = results.escalation;
  const d = results.direct;
  if (e.firstWarning) o.log(`[fanout] ${e.warnings} worker warnings; first: ${e.firstWarning}`);
  if (!e.complete || d.direct.stalled || d.ledger.stalled || d.direct.sent !== d.direct.requested || d.ledger.sent !== d.ledger.requested) {
    if (e.firstError) o.log(`[fanout] first error: ${e.firstError}`);
    for (const m of [d.direct, d.ledger]) if (m.firstError) o.log(`[direct] first error: ${m.firstError}`);
    o.log('[fanout] partial results, not written to bench/results/');
    return 1;
  }
  for (const file of writeFanoutResults(results, { temporal: o.temporal, notes: fanoutNotes(results) })) o.log(`[fanout] wrote ${path.relative(path.resolve(__dirname, '..'), file)}`);
  return 0;
}
