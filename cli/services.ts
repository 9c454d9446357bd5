import { createIncidentService, type IncidentService } from '../app/incident-service';
import { connectClient } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import type { CliContext } from './context';
import { createHttpIncidentService } from '../app/http-incident-service';
import { VigilError } from '../domain/errors';

/**
 * Runs `fn` with a connected incident service, closing connections afterwards. With VIGIL_API_URL set,
 * through that API with VIGIL_API_KEY (access control applies and the key's user is the actor);
 * otherwise straight to Temporal and Postgres, as an operator of this deployment.
 */
export async function withIncidents<T>(ctx: CliContext, fn: (incidents: IncidentService) => Promise<T>): Promise<T> {
  const api = ctx.env.VIGIL_API_URL;
  if (api) {
    const key = ctx.env.VIGIL_API_KEY;
    if (!key) throw new VigilError('config_invalid', 'VIGIL_API_URL is set but VIGIL_API_KEY is not: create a key with `vigil keys create --user <you> --scope incidents:read --scope incidents:write --name <laptop>`');
    return fn(createHttpIncidentService(api, key));
  }
  const pool = createPool(ctx.databaseUrl(), 'vigil-cli', 2);
  const client = await connectClient({ address: ctx.temporalAddress(), namespace: ctx.config.temporal.namespace }, ctx.env);
  try {
    return await fn(createIncidentService({ client, pool, config: ctx.config }));
  } finally {
    await client.connection.close();
    await pool.end();
  }
}
