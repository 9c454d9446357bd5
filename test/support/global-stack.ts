import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../cli/stack/ports';
import { startTemporalDevServer } from '../../cli/stack/temporal-dev-server';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

/**
 * Real services for integration tests: an embedded PostgreSQL in a temp dir (or
 * VIGIL_TEST_DATABASE_URL) and a headless, in-memory Temporal dev server on free ports.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-it-'));
  fs.chmodSync(dir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = process.env.VIGIL_TEST_DATABASE_URL;
  if (!databaseUrl) {
    const db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort() });
    stops.push(db.stop);
    databaseUrl = db.url;
  }
  const pool = createPool(databaseUrl);
  await migrate(pool);
  await pool.end();
  const temporal = await startTemporalDevServer({
    port: await freePort(),
    uiPort: null,
    namespace: 'default',
    logFile: path.join(dir, 'temporal.log'),
  });
  stops.push(temporal.stop);
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporal.address);
  return async () => {
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
