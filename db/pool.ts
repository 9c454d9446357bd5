import { Pool, type PoolClient } from 'pg';

/** A connection pool; `application_name` makes Vigil's sessions easy to spot in pg_stat_activity. */
export function createPool(connectionString: string, applicationName = 'vigil', max = 10): Pool {
  // A bounded wait for a connection: an exhausted pool fails the activity (which Temporal retries)
  // instead of hanging it until its timeout with nothing in the logs.
  const pool = new Pool({ connectionString, application_name: applicationName, max, connectionTimeoutMillis: 10_000 });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** The connection string with any password hidden, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Runs fn in one transaction on one client: commit, or rollback on any error (which is rethrown). */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
