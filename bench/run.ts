// `npm run bench`: 1,000 incidents opened concurrently on one Vigil worker, next to the Temporal
// floor (bare workflow + one no-op activity) measured the same way in the same run; then the
// notification fan-out (bench/fanout.ts); first, the SDK's aggregation path (bench/sdk-aggregation.ts),
// and the Isolation Forest against scikit-learn and the npm package, which need no servers.
// and the hash-chained audit trail (bench/audit-log.ts); the alert storm (bench/storm.ts).
// Then latency (open loop at 50/80 % of the measured capacity, timer lateness with 1,000 open) and
// the API ingest path (bench/latency.ts, bench/ingest.ts), and the incident path's profile.
// BENCH_ONLY=sdk|iforest|detect|audit|auth|incidents|speed|latency|ingest|tuning|fanout|storm|analytics runs one (speed: incidents, then latency and ingest against its capacity) (detect: bench/detectors.ts; false-pages: bench/false-pages.ts, only when asked; analytics: bench/analytics.ts, only when asked; forecast-libs: bench/forecast-libs.ts, only when asked; experiments: bench/experiments.ts, only when asked).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode } from '@temporalio/worker';
import pkg from '../package.json';
import { connectClient, connectWorker, ensureSearchAttributes } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import { startEnvironment } from './environment';
import { fanoutBench } from './fanout';
import { runSdkBench } from './sdk-aggregation';
import { runIsolationForestBench } from './isolation-forest';
import { runDetectorsBench } from './detectors';
import { runFalsePagesBench } from './false-pages';
import { runAuditBench } from './audit-log';
import { runAnalyticsBench } from './analytics';
import { runForecastLibsBench } from './forecast-libs';
import { runExperimentsBench } from './experiments';
import { runConsoleBench } from './console';
import { runStormBench } from './storm';
import { runAuthBench } from './auth';
import { FLOOR_WORKFLOWS_PATH, runFloor } from './floor';
import { benchViolation, runIncidents } from './incidents-throughput';
import { openLoop as runOpenLoop, timerLateness } from './latency';
import { runIngestBench } from './ingest';
import { runTuningBench } from './tuning';
import { countStatements, historyProfile } from './profile';
import { treeCpu, treeCpuPct } from './proc-cpu';
import { writeIngest, writeLatency, writeProfile } from './speed-results';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import { buildResults, pairedRatio, RESULTS_DIR, writeResults } from './results-file';
import { comparisonRows, ratios, textTable } from './table';
import type { PhaseResult } from './phase';
import { positiveInt } from './env';
import { WORKFLOWS_PATH, workflowBundlerOptions } from '../workers/workflow-bundle';

const NAMESPACE = 'default';
const ONLY = ['', 'sdk', 'iforest', 'detect', 'false-pages', 'audit', 'auth', 'incidents', 'speed', 'latency', 'ingest', 'tuning', 'fanout', 'storm', 'analytics', 'console', 'forecast-libs', 'experiments'];
/** Per phase; BENCH_TIMEOUT_MS overrides (e.g. to exercise the partial-results path). */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const ROOT = path.resolve(__dirname, '..');

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

async function bundle(workflowsPath: string, options: { preloadModules?: string[] } = {}): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath, logger: quiet, ...options })).code;
}

async function main(): Promise<number> {
  const only = process.env.BENCH_ONLY ?? '';
  if (!ONLY.includes(only)) throw new Error(`BENCH_ONLY must be one of ${ONLY.filter(Boolean).map((o) => `"${o}"`).join(', ')}, got "${only}"`);
  if (only === 'console') {
    // The web console: time to first chart, and the live stream's fan-out (bench/console.ts); only when asked.
    await runConsoleBench();
    return 0;
  }
  if (only === 'analytics') {
    // Executive rollups, dashboard and forecasts (bench/analytics.ts); its own Postgres, no Temporal.
    await runAnalyticsBench();
    return 0;
  }
  if (only === 'experiments') {
    // Per-window cost of the experiment looks (20 experiments × 5 metrics) and SDK assignment calls/s (bench/experiments.ts); only when asked.
    return (await runExperimentsBench()) ? 0 : 1;
  }
  if (only === 'forecast-libs') {
    // Hand-written Holt–Winters against @bsull/augurs (WASM MSTL/AutoETS) on the same backtest (bench/forecast-libs.ts), only when asked.
    await runForecastLibsBench();
    return 0;
  }
  if (only === '' || only === 'sdk') {
    const sdk = await runSdkBench();
    if (only === 'sdk') return sdk.goal.met ? 0 : 1;
  }
  if (only === '' || only === 'iforest') {
    await runIsolationForestBench();
    if (only === 'iforest') return 0;
  }
  if (only === 'false-pages') {
    // The monitor's anomaly page rate on clean traffic (bench/false-pages.ts), only when asked: minutes of CPU.
    runFalsePagesBench();
    return 0;
  }
  if (only === '' || only === 'detect') {
    const met = await runDetectorsBench();
    if (only === 'detect') return met ? 0 : 1;
  }
  if (only === '' || only === 'audit') {
    await runAuditBench();
    if (only === 'audit') return 0;
  }
  if (only === '' || only === 'auth') {
    const auth = await runAuthBench();
    if (only === 'auth') return auth.met ? 0 : 1;
  }
  const n = positiveInt('BENCH_INCIDENTS', 1000);
  const concurrency = positiveInt('BENCH_CONCURRENCY', 100);
  const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_MS', DEFAULT_TIMEOUT_MS);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`bench: ${n} incidents, ${concurrency} client calls in flight; bundling workflows`);
  // Bundled up front so neither phase's window or memory includes webpack.
  const floorBundle = ['', 'incidents', 'speed'].includes(only) ? await bundle(FLOOR_WORKFLOWS_PATH) : '';
  // Bundled as the workers bundle it (shared domain modules preloaded).
  const vigilBundle = await bundle(WORKFLOWS_PATH, workflowBundlerOptions());

  log('bench: starting Postgres and the Temporal dev server');
  const env = await startEnvironment(NAMESPACE);
  const onSignal = () => void env.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  const target = { address: env.temporalAddress, namespace: NAMESPACE };
  const client = await connectClient(target, {});
  try {
    await ensureSearchAttributes(client, NAMESPACE);
    const temporal = { server: `temporal dev server, in-memory: ${env.temporalSource.replace(`${ROOT}/`, '')}`, sdk: pkg.dependencies['@temporalio/worker'] };
    const storm = () =>
      runStormBench(env, { client, namespace: NAMESPACE, bundleCode: vigilBundle, timeoutMs: TIMEOUT_MS, log }, [
        { incidents: 300, ratePerSecond: 10, grouping: false },
        { incidents: 60, ratePerSecond: 1, grouping: false },
        // Mostly one severity, as real storms are: criticals are never grouped, each takes a slot of its own.
        { incidents: positiveInt('BENCH_STORM_INCIDENTS', 1000), ratePerSecond: 1, grouping: true, mix: ['critical', ...Array.from({ length: 19 }, (_, i) => (i % 2 ? 'medium' : 'high'))] },
      ]);
    if (only === 'storm') return await storm();
    const fanout = async () => Math.max(await fanoutBench(env, { client, namespace: NAMESPACE, bundleCode: vigilBundle, temporal, log }), await storm());
    if (only === 'fanout') return await fanoutBench(env, { client, namespace: NAMESPACE, bundleCode: vigilBundle, temporal, log });
    const speedDeps = { client, temporalAddress: env.temporalAddress, namespace: NAMESPACE, databaseUrl: env.databaseUrl, bundleCode: vigilBundle, log };
    const latency = async (capacityPerSec: number, capacitySource: string) => {
      const seconds = positiveInt('BENCH_OPEN_LOOP_SECONDS', 120);
      // Timers first: their RSS per open incident is only meaningful in a process that has not
      // already grown (and kept) its heap and workflow cache for thousands of open-loop incidents.
      const lateness = await timerLateness(speedDeps, positiveInt('BENCH_TIMER_INCIDENTS', 1000), positiveInt('BENCH_LEVEL2_DELAY_MS', 90_000));
      const openLoop = [];
      for (const [k, share] of [0.5, 0.8].entries()) openLoop.push(await runOpenLoop(speedDeps, share, capacityPerSec, seconds * 1000, 1300 + k));
      const out = writeLatency({ capacityPerSec, capacitySource, openLoop, lateness });
      process.stdout.write(`\n${out.text}\n`);
      for (const f of out.files) log(`bench: wrote ${path.relative(ROOT, f)}`);
    };
    const ingest = async () => {
      const out = writeIngest(await runIngestBench(speedDeps, positiveInt('BENCH_INGEST_SECONDS', 20)));
      process.stdout.write(`\n${out.text}\n`);
      for (const f of out.files) log(`bench: wrote ${path.relative(ROOT, f)}`);
    };
    if (only === 'latency') {
      const stored = JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, 'incidents.json'), 'utf8')) as { date: string; vigil: { throughputPerSec: number }; pairs?: Array<{ vigilPerSec: number }> };
      const rates = stored.pairs?.length ? stored.pairs.map((p) => p.vigilPerSec) : [stored.vigil.throughputPerSec];
      const capacity = Math.round((rates.reduce((a, r) => a + r, 0) / rates.length) * 10) / 10;
      await latency(capacity, `burst throughput from bench/results/incidents.json of ${stored.date} (mean of ${rates.length})`);
      return 0;
    }
    if (only === 'tuning') {
      // Not part of the full run: it is an experiment to repeat when the incident path changes.
      process.stdout.write(`\n${await runTuningBench(speedDeps, positiveInt('BENCH_TUNING_INCIDENTS', 500), positiveInt('BENCH_TUNING_ROUNDS', 2))}\n`);
      log('bench: wrote bench/results/tuning.md');
      return 0;
    }
    if (only === 'ingest') {
      await ingest();
      return 0;
    }
    const common = { client, namespace: NAMESPACE, n, concurrency, timeoutMs: TIMEOUT_MS };

    const floorConnection = await connectWorker(target, {});
    const floor = await runFloor({ ...common, connection: floorConnection, bundleCode: floorBundle }).finally(() => floorConnection.close());

    const pool = createPool(env.databaseUrl, 'vigil-bench');
    const statements = countStatements(pool);
    const vigilConnection = await connectWorker(target, {});
    const cpu0 = treeCpu();
    const t0 = performance.now();
    const vigil = await runIncidents({ ...common, connection: vigilConnection, pool, temporalAddress: env.temporalAddress, bundleCode: vigilBundle })
      .finally(async () => {
        await vigilConnection.close();
        await pool.end();
      });
    const profile = writeProfile({
      incidents: n,
      perIncident: await historyProfile(client, incidentWorkflowId(fingerprint(benchViolation(0).service, benchViolation(0).kind, benchViolation(0).dimension))).catch(() => null),
      statementsPerIncident: Math.round((statements.total() / n) * 10) / 10,
      statementsByKind: statements.byKind(),
      cpuByProcessPctOfOneCore: treeCpuPct(cpu0, treeCpu(), performance.now() - t0),
    });
    process.stdout.write(`\n${profile.text}\n`);
    for (const f of profile.files) log(`bench: wrote ${path.relative(ROOT, f)}`);

    process.stdout.write(`\n${textTable(comparisonRows(floor, vigil))}\n\n`);
    const pairs: NonNullable<Parameters<typeof buildResults>[0]['pairs']> = [{ order: 'floor first', floorPerSec: floor.throughputPerSec, vigilPerSec: vigil.throughputPerSec, ratio: ratios(floor, vigil).throughput, floorCpuMs: floor.cpuMsPerItem, vigilCpuMs: vigil.cpuMsPerItem }];
    for (let k = 1; k < positiveInt('BENCH_PAIRS', 2) && floor.complete && vigil.complete; k++) {
      // ABBA: the next pair runs Vigil first, each phase with fresh workflow IDs.
      const order = k % 2 === 1 ? (['vigil', 'floor'] as const) : (['floor', 'vigil'] as const);
      const got: Partial<Record<'floor' | 'vigil', PhaseResult>> = {};
      for (const side of order) {
        log(`bench: pair ${k + 1}, ${side}`);
        const connection = await connectWorker(target, {});
        // Only Vigil's phase talks to Postgres.
        const pairPool = side === 'vigil' ? createPool(env.databaseUrl, 'vigil-bench') : undefined;
        got[side] = await (pairPool
          ? runIncidents({ ...common, connection, pool: pairPool, temporalAddress: env.temporalAddress, bundleCode: vigilBundle, prefix: `bench-svc-p${k + 1}` })
          : runFloor({ ...common, connection, bundleCode: floorBundle, prefix: `bench-floor-p${k + 1}` })
        ).finally(async () => {
          await connection.close();
          await pairPool?.end();
        });
      }
      const [f, v] = [got.floor!, got.vigil!];
      if (!f.complete || !v.complete) break;
      pairs.push({ order: order[0] === 'vigil' ? 'vigil first' : 'floor first', floorPerSec: f.throughputPerSec, vigilPerSec: v.throughputPerSec, ratio: ratios(f, v).throughput, floorCpuMs: f.cpuMsPerItem, vigilCpuMs: v.cpuMsPerItem });
    }
    const results = buildResults({
      pairs,
      temporal,
      settings: { incidents: n, concurrency, timeoutMs: TIMEOUT_MS },
      notes: [
        'Worker, client and harness share one process: RSS is the whole bench process. The floor runs first, so Vigil\'s "before" includes what the floor left behind.',
        'RSS after: 2 s after the last first notification, worker still running (Vigil: every incident is still open and cached; floor: all workflows completed).',
        'Latency: from just before the start call (raise() for Vigil, workflow.start for the floor) to the console PAGE log line (Vigil) or the no-op activity invocation (floor).',
        'Throughput: notified items / (first start → last first notification). Vigil worker: createCoreWorker settings; floor worker: SDK defaults.',
      ],
      floor,
      vigil,
    });
    if (!floor.complete || !vigil.complete) {
      for (const [name, r] of [['floor', floor], ['vigil', vigil]] as const) {
        if (!r.complete) log(`bench: ${name} incomplete: ${r.notified}/${r.requested} notified, ${r.failedStarts} failed starts${r.firstError ? ` (first: ${r.firstError})` : ''}`);
      }
      log('bench: partial results, not written to bench/results/');
      return only === 'incidents' || only === 'speed' ? 1 : Math.max(1, await fanout());
    }
    for (const file of writeResults(results)) log(`bench: wrote ${path.relative(ROOT, file)}`);
    log(`bench: throughput ratio per pair ${pairs.map((p) => p.ratio).join(', ')}; mean ${pairedRatio(results)} (goal ≥ 0.9)`);
    if (only === 'incidents') return 0;
    const capacity = Math.round((pairs.reduce((a, p) => a + p.vigilPerSec, 0) / pairs.length) * 10) / 10;
    await latency(capacity, `the burst throughput of the incidents phases of the same run (mean of ${pairs.length})`);
    await ingest();
    return only === 'speed' ? 0 : await fanout();
  } finally {
    process.off('SIGINT', onSignal);
    await client.connection.close();
    await env.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
