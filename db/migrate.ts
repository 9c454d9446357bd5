import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same in every Vigil process sharing the database.
const LOCK_KEY = 7_240_913;

/** Applies pending SQL migrations in file-name order, each in its own transaction; safe to run concurrently. */
export async function migrate(pool: Pool): Promise<string[]> {
  const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    // Postgres checks CREATE rights before IF NOT EXISTS, so the app role (docs/database-roles.md),
    // which may not create tables, must not even try once the table is there.
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")).rows[0]?.t;
    if (!exists) {
      await client.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    }
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const pending = files.filter((f) => !done.has(f.replace(/\.sql$/, '')));
    if (pending.length > 0) {
      const canWrite = (await client.query<{ ok: boolean }>("SELECT has_table_privilege('schema_migrations', 'INSERT') AS ok")).rows[0]?.ok;
      if (!canWrite) {
        throw new Error(`${pending.length} migration(s) pending (${pending.join(', ')}) and this role may not apply them: run \`vigil migrate\` as the database owner (docs/database-roles.md)`);
      }
    }
    for (const file of files) {
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) continue;
      const sql = await fs.readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
        applied.push(version);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
