import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { WorkerGroup } from '../../workers/worker-group';
import pino from 'pino';
import type { Pool } from 'pg';
import { inject } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { connectClient, connectWorker, ensureSearchAttributes } from '../../app/temporal-connection';
import { createPool } from '../../db/pool';
import type { VigilConfig, VigilConfigInput } from '../../domain/config';
import { createCoreWorker } from '../../workers/core-worker';
import { createMlWorker } from '../../workers/ml-worker';
import { quietRuntime, workflowBundle } from './time-skipping';

/** Connections to the shared dev server and database started by global-stack.ts. */
export interface Services {
  client: Client;
  pool: Pool;
  databaseUrl: string;
  temporalAddress: string;
  close(): Promise<void>;
}

export async function connectServices(): Promise<Services> {
  quietRuntime();
  const databaseUrl = inject('databaseUrl');
  const temporalAddress = inject('temporalAddress');
  const client = await connectClient({ address: temporalAddress, namespace: 'default' }, {});
  await ensureSearchAttributes(client, 'default');
  const pool = createPool(databaseUrl, 'vigil-test', 4);
  return {
    client,
    pool,
    databaseUrl,
    temporalAddress,
    async close() {
      await client.connection.close();
      await pool.end();
    },
  };
}

/** A validated config on a task queue of its own, so test files never share workers. */
export function testConfig(input: VigilConfigInput, services: Services): VigilConfig {
  return parseConfig(
    { ...input, temporal: { address: services.temporalAddress, taskQueue: `it-${randomUUID()}`, mlTaskQueue: `it-ml-${randomUUID()}`, ...input.temporal } },
    'test',
    {},
  );
}

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** An in-process core worker using the prebuilt bundle; `stop` drains it. */
export async function startWorker(services: Services, config: VigilConfig, env: NodeJS.ProcessEnv = {}): Promise<{ worker: WorkerGroup; stop(): Promise<void> }> {
  const connection = await connectWorker({ address: services.temporalAddress, namespace: 'default' }, {});
  const worker = await createCoreWorker({ connection, config, pool: services.pool, logger: silentLogger, env, workflowBundle: workflowBundle() });
  // The ML worker too: monitors score every window on it (without one, each window waits for a timeout).
  const ml = await createMlWorker({ connection, config, pool: services.pool, logger: silentLogger });
  const running = Promise.all([worker.run(), ml.run()]);
  return {
    worker,
    async stop() {
      worker.shutdown();
      ml.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails naming what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
