import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { slaStatus } from '../../app/monitor-client';
import { nameSchema } from '../../domain/names';
import { parseOr400 } from '../errors';

/** `GET /v1/services/:service/sla`: the seed's `{ sla_compliant, violations, compliance_score }` and more, live. */
export function serviceRoutes(app: FastifyInstance, client: Client): void {
  app.get('/v1/services/:service/sla', async (req) => {
    const { service } = parseOr400(z.object({ service: nameSchema }), req.params, 'params');
    return slaStatus(client, service);
  });
}
