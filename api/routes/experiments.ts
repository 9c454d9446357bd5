import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ExperimentService } from '../../app/experiment-service';
import { VigilError } from '../../domain/errors';
import { nameSchema } from '../../domain/names';
import { safeText } from '../../domain/text-schema';
import { variantWindowsBodySchema } from '../../domain/experiments/variant-window-schema';
import { parseOr400 } from '../errors';

const nameParams = z.object({ name: nameSchema });
const actionBody = z.strictObject({ reason: safeText({ max: 1000 }).optional() }).optional();

/** The service names fields bare; the API names them from the request, like every other 400. */
async function asBody<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof VigilError && err.code === 'invalid_input' && Array.isArray(err.details?.issues)) {
      const issues = (err.details.issues as { field: string; message: string }[]).map((i) => ({ ...i, field: `body.${i.field}` }));
      throw new VigilError('invalid_input', `invalid body: ${issues[0]!.field}: ${issues[0]!.message}`, { issues });
    }
    throw err;
  }
}

/** Experiments: create (or preview with dryRun=true), list, status, pause/resume/stop, reports, and the SDK's assignment and window ingest. */
export function experimentRoutes(app: FastifyInstance, experiments: ExperimentService): void {
  app.post('/v1/experiments', async (req, reply) => {
    const q = parseOr400(z.object({ dryRun: z.enum(['true', 'false']).default('false') }), req.query, 'query');
    if (q.dryRun === 'true') return reply.status(200).send(await asBody(() => experiments.preview(req.body)));
    return reply.status(201).send(await asBody(() => experiments.create(req.body, req.principal?.name ?? 'anonymous')));
  });
  app.get('/v1/experiments', async () => ({ experiments: await experiments.list() }));
  app.get('/v1/experiments/:name', async (req) => experiments.status(parseOr400(nameParams, req.params, 'params').name));
  for (const action of ['pause', 'resume', 'stop'] as const) {
    app.post(`/v1/experiments/:name/${action}`, async (req) => {
      const { name } = parseOr400(nameParams, req.params, 'params');
      const body = parseOr400(actionBody, req.body ?? undefined, 'body');
      return experiments.act(name, action, req.principal?.name ?? 'anonymous', body?.reason);
    });
  }
  app.get('/v1/experiments/:name/report', async (req) => ({ reports: await experiments.reports(parseOr400(nameParams, req.params, 'params').name) }));
  app.get('/v1/experiments/:name/assignment', async (req) => experiments.assignment(parseOr400(nameParams, req.params, 'params').name));
  app.post('/v1/experiment-windows', async (req, reply) => {
    const { windows } = parseOr400(variantWindowsBodySchema, req.body, 'body');
    return reply.status(202).send(await experiments.ingest(windows));
  });
}
