// The API as the browser tests run the console against it: keys and sessions on a loopback port,
// users ada (admin) and vic (viewer) who log in with one password, and an ingest key for the
// routes a reporting service or a CI pipeline would call.
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { createApiServer } from '../../api/server';
import { hashPassword } from '../../app/auth/password';
import type { IncidentService } from '../../app/incident-service';
import { createApiKey } from '../../db/auth/api-keys';
import { setPasswordHash, upsertUser } from '../../db/auth/users';
import type { VigilConfig } from '../../domain/config';
import { silentLogger, type Services } from '../support/integration';

export interface ConsoleApi {
  api: FastifyInstance;
  base: string;
  /** A key with metrics:write. */
  ingestKey: string;
}

export async function startConsoleApi(o: { services: Services; pool: Pool; config: VigilConfig; incidents: IncidentService; password: string }): Promise<ConsoleApi> {
  const api = createApiServer({
    incidents: o.incidents, client: o.services.client, pool: o.pool, logger: silentLogger, config: o.config,
    auth: { mode: 'keys', metricsPublic: true, keyCacheTtl: 1000, sessionTtl: 3_600_000 },
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  const hash = await hashPassword(o.password);
  for (const [name, roles] of [['ada', ['admin']], ['vic', ['viewer']]] as const) {
    await upsertUser(o.pool, { name, roles: [...roles] });
    await setPasswordHash(o.pool, name, hash);
  }
  const ingestKey = (await createApiKey(o.pool, { name: 'ingest', owner: null, scopes: ['metrics:write'], createdBy: 'test' })).key;
  return { api, base, ingestKey };
}
