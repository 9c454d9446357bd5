import type { Pool } from 'pg';
import { createPool } from '../db/pool';
import type { CliContext } from './context';

/** One short-lived connection for a CLI command's database work, closed however the work ends. */
export async function withCliPool<T>(ctx: () => CliContext, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(ctx().databaseUrl(), 'vigil-cli', 1);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
