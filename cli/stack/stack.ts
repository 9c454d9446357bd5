import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { connectClient, connectWorker, ensureSearchAttributes } from '../../app/temporal-connection';
import { installTemporalRuntime } from '../../app/temporal-runtime';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { createPool, redactUrl } from '../../db/pool';
import type { VigilConfig } from '../../domain/config';
import { createCoreWorker } from '../../workers/core-worker';
import { ensureLocalAdmin, syncConfigUsers } from '../../app/auth/bootstrap';
import { createMlWorker } from '../../workers/ml-worker';
import { ensureSchedules } from '../../app/schedules';
import { ensureConfiguredExperiments } from '../../app/experiment-config';
import { createConfiguredApi, createConfiguredSlackApp, loadTls } from '../entry-points';
import { startTemporalDevServer } from './temporal-dev-server';
import { DEV_STATE_FILE } from './dev-state-file';

function localSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export interface StackOptions {
  /** Where embedded Postgres and the Temporal SQLite file live. */
  dataDir: string;
  config: VigilConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  pgPort: number;
  temporalPort: number;
  /** null: no Web UI (tests). */
  uiPort: number | null;
  /** Persist Temporal state in dataDir (npm start) or keep it in memory (demo, tests). */
  persistTemporal: boolean;
  workflowBundle?: WorkflowBundleOption;
}

/** Everything `vigil dev` runs in one process, with the addresses people and tools need. */
export interface Stack {
  databaseUrl: string;
  temporalAddress: string;
  uiUrl: string | null;
  apiUrl: string;
  slackUrl: string | null;
  /** With auth.mode keys: the local admin's API key (also in <dataDir>/admin-key, mode 0600). */
  adminKey: string | null;
  client: Client;
  pool: Pool;
  incidents: IncidentService;
  stop(): Promise<void>;
}

export { DEV_STATE_FILE } from './dev-state-file';

/**
 * Starts Postgres (embedded unless DATABASE_URL), Temporal (dev server unless TEMPORAL_ADDRESS),
 * the core worker, the HTTP API and, with Slack secrets set, the Slack app. Stops what it started
 * if any step fails.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const log = o.logger.child({ component: 'stack' });
  installTemporalRuntime(o.logger);
  const stops: Array<[string, () => Promise<unknown>]> = [];
  const stop = async () => {
    for (const [name, fn] of stops.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err, component: name }, 'error while stopping');
      }
    }
    stops.length = 0;
  };
  try {
    let databaseUrl = o.env.DATABASE_URL;
    if (!databaseUrl) {
      // As root in a private clone the cluster lives in the stage (db/embedded-staged.ts): say where.
      const db = await startEmbeddedPostgres({ dataDir: path.join(o.dataDir, 'pg'), port: o.pgPort, onLog: (line) => (line.includes('cluster is kept in') ? log.warn(line.trim()) : undefined) });
      stops.push(['postgres', db.stop]);
      databaseUrl = db.url;
    }
    log.info({ database: redactUrl(databaseUrl) }, 'postgres ready');
    const pool = createPool(databaseUrl, 'vigil', 30);
    stops.push(['pool', () => pool.end()]);
    const applied = await migrate(pool);
    if (applied.length) log.info({ applied }, 'migrations applied');

    let temporalAddress = o.env.TEMPORAL_ADDRESS;
    let uiUrl: string | null = o.config.temporal.uiUrl;
    if (!temporalAddress) {
      const server = await startTemporalDevServer({
        port: o.temporalPort,
        uiPort: o.uiPort,
        namespace: o.config.temporal.namespace,
        ...(o.persistTemporal ? { dbFile: path.join(o.dataDir, 'temporal.db') } : {}),
        logFile: path.join(o.dataDir, 'temporal.log'),
      });
      stops.push(['temporal', server.stop]);
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
      log.info({ address: temporalAddress, binary: server.source }, 'temporal dev server ready');
    }
    const target = { address: temporalAddress, namespace: o.config.temporal.namespace };
    // Signed links work out of the box locally: a secret is made once and kept with the rest of the dev state.
    const env: NodeJS.ProcessEnv = { ...o.env, VIGIL_ACTION_SECRET: o.env.VIGIL_ACTION_SECRET ?? localSecret(path.join(o.dataDir, 'action-secret')) };
    const config: VigilConfig = { ...o.config, temporal: { ...o.config.temporal, address: temporalAddress, uiUrl: uiUrl ?? o.config.temporal.uiUrl } };
    const client = await connectClient(target, o.env);
    stops.push(['client', () => client.connection.close()]);
    await ensureSearchAttributes(client, target.namespace);

    const connection = await connectWorker(target, o.env);
    stops.push(['worker-connection', () => connection.close()]);
    const worker = await createCoreWorker({ connection, config, pool, logger: o.logger, env, ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : {}) });
    const running = worker.run();
    stops.push(['worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    }]);
    const mlWorker = await createMlWorker({ connection, config, pool, logger: o.logger });
    const mlRunning = mlWorker.run();
    stops.push(['ml-worker', async () => {
      if (mlWorker.getState() === 'RUNNING') mlWorker.shutdown();
      await mlRunning;
    }]);
    const schedules = await ensureSchedules(client, config);
    if (schedules.length) log.info({ schedules }, 'schedules created');
    await ensureConfiguredExperiments({ client, pool, config, logger: o.logger });

    const incidents = createIncidentService({ client, pool, config });
    // Keys on by default, here too: this machine's admin key is made once and kept with the dev state.
    const synced = await syncConfigUsers(pool, config.users);
    if (synced.length) log.info({ users: synced }, 'users from the config saved');
    const adminKey = config.auth.mode === 'keys' ? await ensureLocalAdmin(pool, o.dataDir) : null;
    const api = createConfiguredApi({ incidents, client, pool, config, env, logger: o.logger });
    await api.listen({ host: config.api.host, port: config.api.port });
    stops.push(['api', () => api.close()]);
    const addr = api.server.address();
    const tls = loadTls(config);
    const apiUrl = `${tls ? 'https' : 'http'}://${config.api.host}:${typeof addr === 'object' && addr ? addr.port : config.api.port}`;

    let slackUrl: string | null = null;
    const slack = createConfiguredSlackApp({ incidents, env, logger: o.logger, pool, config });
    if (slack) {
      await slack.start(config.slack.port, config.api.host, tls);
      stops.push(['slack', () => slack.stop()]);
      slackUrl = `${tls ? 'https' : 'http'}://${config.api.host}:${slack.port()}/slack/events`;
    }

    const stateFile = path.join(o.dataDir, DEV_STATE_FILE);
    fs.mkdirSync(o.dataDir, { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify({ databaseUrl, temporalAddress, namespace: target.namespace, apiUrl, pid: process.pid }, null, 2));
    stops.push(['state-file', async () => fs.rmSync(stateFile, { force: true })]);

    return { databaseUrl, temporalAddress, uiUrl, apiUrl, slackUrl, adminKey, client, pool, incidents, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
