// `npm run bench`: 1,000 incidents opened concurrently on one Vigil worker, next to the Temporal
// floor (bare workflow + one no-op activity) measured the same way in the same run; then the
// notification fan-out (bench/fanout.ts); first, the SDK's aggregation path (bench/sdk-aggregation.ts),
// and the Isolation Forest against scikit-learn and the npm package, which need no servers.
// and the hash-chained audit trail (bench/audit-log.ts); the alert storm (bench/storm.ts).
// BENCH_ONLY=sdk|iforest|audit|auth|incidents|fanout|storm runs one.
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import pkg from '../package.json';
import { connectClient, connectWorker, ensureSearchAttributes } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import { startEnvironment } from './environment';
import { fanoutBench } from './fanout';
import { runSdkBench } from './sdk-aggregation';
import { runIsolationForestBench } from './isolation-forest';
import { runAuditBench } from './audit-log';
import { runStormBench } from './storm';
import { runAuthBench } from './auth';
import { FLOOR_WORKFLOWS_PATH, runFloor } from './floor';
import { runIncidents } from './incidents-throughput';
import { buildResults, writeResults } from './results-file';
import { comparisonRows, textTable } from './table';
import { positiveInt } from './env';

const NAMESPACE = 'default';
/** Per phase; BENCH_TIMEOUT_MS overrides (e.g. to exercise the partial-results path). */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const ROOT = path.resolve(__dirname, '..');

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

async function bundle(workflowsPath: string): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code;
}

async function main(): Promise<number> {
  const only = process.env.BENCH_ONLY ?? '';
  if (!['', 'sdk', 'iforest', 'audit', 'auth', 'incidents', 'fanout', 'storm'].includes(only)) {
    throw new Error(`BENCH_ONLY must be "sdk", "iforest", "audit", "auth", "incidents", "fanout" or "storm", got "${only}"`);
  }
  if (only === '' || only === 'sdk') {
    const sdk = await runSdkBench();
    if (only === 'sdk') return sdk.goal.met ? 0 : 1;
  }
  if (only === '' || only === 'iforest') {
    await runIsolationForestBench();
    if (only === 'iforest') return 0;
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
  const floorBundle = only === 'fanout' ? '' : await bundle(FLOOR_WORKFLOWS_PATH);
  const vigilBundle = await bundle(path.join(ROOT, 'workflows', 'index.ts'));

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
    const common = { client, namespace: NAMESPACE, n, concurrency, timeoutMs: TIMEOUT_MS };

    const floorConnection = await connectWorker(target, {});
    const floor = await runFloor({ ...common, connection: floorConnection, bundleCode: floorBundle }).finally(() => floorConnection.close());

    const pool = createPool(env.databaseUrl, 'vigil-bench');
    const vigilConnection = await connectWorker(target, {});
    const vigil = await runIncidents({ ...common, connection: vigilConnection, pool, temporalAddress: env.temporalAddress, bundleCode: vigilBundle })
      .finally(async () => {
        await vigilConnection.close();
        await pool.end();
      });

    process.stdout.write(`\n${textTable(comparisonRows(floor, vigil))}\n\n`);
    const results = buildResults({
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
      return only === 'incidents' ? 1 : Math.max(1, await fanout());
    }
    for (const file of writeResults(results)) log(`bench: wrote ${path.relative(ROOT, file)}`);
    return only === 'incidents' ? 0 : await fanout();
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
