import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { listDeploys, recordDeploy } from '../../db/deploys';
import { deployInputSchema, deployQuerySchema, deployTime } from '../../domain/deploys/deploy-input';
import { VigilError } from '../../domain/errors';
import { parseOr400 } from '../errors';

const DEFAULT_SINCE_MS = 30 * 86_400_000;

/** Deploys reported by CI pipelines, for the markers on the console's service charts. */
export function deployRoutes(app: FastifyInstance, pool: Pool, now: () => number = Date.now): void {
  app.post('/v1/deploys', async (req, reply) => {
    const input = parseOr400(deployInputSchema, req.body, 'body');
    const when = deployTime(input.at, now());
    if ('error' in when) throw new VigilError('invalid_input', `invalid body: body.${when.field}: ${when.error}`, { issues: [{ field: `body.${when.field}`, message: when.error }] });
    const { deploy, created } = await recordDeploy(pool, {
      service: input.service,
      version: input.version,
      at: new Date(when.t),
      description: input.description,
      recordedBy: req.principal?.name ?? 'anonymous',
    });
    return reply.status(created ? 201 : 200).send(deploy);
  });
  app.get('/v1/deploys', async (req) => {
    const q = parseOr400(deployQuerySchema, req.query, 'query');
    const since = q.since ? new Date(q.since) : new Date(now() - DEFAULT_SINCE_MS);
    return { deploys: await listDeploys(pool, { service: q.service, since, limit: q.limit }) };
  });
}
