import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { installTemporalRuntime } from '../app/temporal-runtime';
import { freePort } from '../cli/stack/ports';
import { startTemporalDevServer } from '../cli/stack/temporal-dev-server';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';

/** The services both phases share: an in-memory Temporal dev server and an embedded, migrated Postgres. */
export interface BenchEnvironment {
  temporalAddress: string;
  /** Which Temporal binary runs, for the results. */
  temporalSource: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** Starts both servers on free ports in a fresh temp dir; stop() stops them and removes the dir. */
export async function startEnvironment(namespace: string): Promise<BenchEnvironment> {
  // The SDK's own logs (WARN and up) go to stderr; everything else it says is noise here.
  installTemporalRuntime(pino({ name: 'bench', level: 'warn' }, pino.destination(2)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  // As root, Postgres runs as user "postgres", which must be able to enter the directory.
  fs.chmodSync(dir, 0o755);
  const stops: Array<() => Promise<void>> = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
  };
  try {
    const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
    stops.push(db.stop);
    const pool = createPool(db.url, 'vigil-bench');
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    const server = await startTemporalDevServer({
      port: await freePort(),
      uiPort: null,
      namespace,
      logFile: path.join(dir, 'temporal.log'),
    });
    stops.push(server.stop);
    return { temporalAddress: server.address, temporalSource: server.source, databaseUrl: db.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
