import type { Command } from 'commander';
import { createIncidentService } from '../../app/incident-service';
import { connectClient, connectWorker, ensureSearchAttributes } from '../../app/temporal-connection';
import { installTemporalRuntime } from '../../app/temporal-runtime';
import { migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { createCoreWorker } from '../../workers/core-worker';
import { requireAnAdmin, syncConfigUsers } from '../../app/auth/bootstrap';
import { createMlWorker } from '../../workers/ml-worker';
import { ensureSchedules } from '../../app/schedules';
import { ensureConfiguredExperiments } from '../../app/experiment-config';
import { VigilError } from '../../domain/errors';
import type { CliContext } from '../context';
import { untilSignal } from './dev';
import { createConfiguredApi, createConfiguredSlackApp, loadTls } from '../entry-points';

/** `vigil worker` and `vigil api`: the production processes, against DATABASE_URL and TEMPORAL_ADDRESS. */
export function registerServiceCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('worker')
    .description('run workers: vigil-core (workflows, notifications, projections) and vigil-ml (anomaly models)')
    .option('--queues <list>', 'which task queues to serve: core, ml, or core,ml', 'core,ml')
    .action(async (o: { queues: string }) => {
      const c = ctx();
      const queues = o.queues.split(',').map((q) => q.trim());
      const unknown = queues.filter((q) => q !== 'core' && q !== 'ml');
      if (unknown.length || queues.length === 0) throw new VigilError('invalid_input', `--queues: "${o.queues}" — use core, ml or core,ml`);
      installTemporalRuntime(c.logger);
      // The ledger holds a connection for each send in flight: size the pool for concurrent sends.
      const pool = createPool(c.databaseUrl(), 'vigil-worker', 30);
      await migrate(pool);
      const target = { address: c.temporalAddress(), namespace: c.config.temporal.namespace };
      const connection = await connectWorker(target, c.env);
      const workers = [];
      if (queues.includes('core')) workers.push(await createCoreWorker({ connection, config: c.config, pool, logger: c.logger, env: c.env }));
      if (queues.includes('ml')) workers.push(await createMlWorker({ connection, config: c.config, pool, logger: c.logger }));
      if (queues.includes('core') && c.config.experiments.length) {
        // Experiments listed in the config are created here (the worker that runs their workflows), once.
        const client = await connectClient(target, c.env);
        await ensureConfiguredExperiments({ client, pool, config: c.config, logger: c.logger }).finally(() => client.connection.close());
      }
      c.logger.info({ taskQueues: workers.flatMap((w) => ('taskQueues' in w ? w.taskQueues : [w.options.taskQueue])), temporal: target.address }, 'worker polling');
      // Worker.run handles SIGINT/SIGTERM itself: it drains in-flight tasks, then resolves.
      await Promise.all(workers.map((w) => w.run()));
      await connection.close();
      await pool.end();
    });

  program
    .command('api')
    .description('run the HTTP API (and the Slack interactivity endpoint when Slack secrets are set)')
    .action(async () => {
      const c = ctx();
      const pool = createPool(c.databaseUrl(), 'vigil-api');
      await migrate(pool);
      const synced = await syncConfigUsers(pool, c.config.users);
      if (synced.length) c.logger.info({ users: synced }, 'users from the config saved');
      if (c.config.auth.mode === 'keys') await requireAnAdmin(pool);
      else c.logger.warn({ component: 'api' }, 'authentication is OFF (auth.mode: none): anyone who can reach this API may act on incidents and silences');
      const target = { address: c.temporalAddress(), namespace: c.config.temporal.namespace };
      const client = await connectClient(target, c.env);
      await ensureSchedules(client, c.config).catch((err: Error) => c.logger.warn({ err: err.message }, 'could not create the Schedules (model training, compliance audit)'));
      await ensureSearchAttributes(client, target.namespace).catch((err: Error) =>
        c.logger.warn({ err: err.message }, 'could not register search attributes; ask your Temporal admin to add VigilService, VigilKind, VigilSeverity, VigilStatus (Keyword)'),
      );
      const incidents = createIncidentService({ client, pool, config: c.config });
      const api = createConfiguredApi({ incidents, client, pool, config: c.config, env: c.env, logger: c.logger });
      await api.listen({ host: c.config.api.host, port: c.config.api.port });
      const tls = loadTls(c.config);
      c.logger.info({ host: c.config.api.host, port: c.config.api.port, scheme: tls ? 'https' : 'http' }, tls ? 'api listening (HTTPS)' : 'api listening (plain HTTP: put a TLS proxy in front, or set api.tls)');
      const slack = createConfiguredSlackApp({ incidents, env: c.env, logger: c.logger, pool, config: c.config });
      if (slack) {
        await slack.start(c.config.slack.port, c.config.api.host, tls);
        c.logger.info({ port: c.config.slack.port }, 'slack actions endpoint listening on /slack/events');
      }
      await untilSignal();
      await slack?.stop();
      await api.close();
      await client.connection.close();
      await pool.end();
    });
}
