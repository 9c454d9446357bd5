import { createIncidentService, type IncidentService } from '../app/incident-service';
import { connectClient } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import type { CliContext } from './context';

/** Runs `fn` with a connected incident service, closing connections afterwards. */
export async function withIncidents<T>(ctx: CliContext, fn: (incidents: IncidentService) => Promise<T>): Promise<T> {
  const pool = createPool(ctx.databaseUrl(), 'vigil-cli', 2);
  const client = await connectClient({ address: ctx.temporalAddress(), namespace: ctx.config.temporal.namespace }, ctx.env);
  try {
    return await fn(createIncidentService({ client, pool, config: ctx.config }));
  } finally {
    await client.connection.close();
    await pool.end();
  }
}
