import { Pool } from 'pg';

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
