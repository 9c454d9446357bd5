import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';

/** A migrated database of its own, for tests that count rows other test files also write (e.g. the audit trail). */
export interface ScratchDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** Creates and migrates a database beside the shared one (same server, same credentials). */
export async function createScratchDatabase(admin: Pool, sharedUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(sharedUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), `vigil-test-${prefix}`, 6);
  await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
