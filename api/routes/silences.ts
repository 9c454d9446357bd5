import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SilenceService } from '../../app/silence-service';
import { VigilError } from '../../domain/errors';
import { silenceInputSchema } from '../../domain/silence-input';
import { actorOf } from '../auth/actor';
import { silenceRefusal, type TeamsConfig } from '../../domain/auth/teams';
import { parseOr400 } from '../errors';

/** Silences (maintenance windows): create, list, expire. */
export function silenceRoutes(app: FastifyInstance, silences: SilenceService, teams: TeamsConfig = {}): void {
  app.post('/v1/silences', async (req, reply) => {
    // With authentication on, the silence is the caller's whatever createdBy says (api/auth/actor.ts).
    const raw = req.body;
    const authed = req.principal && req.principal.via !== 'none' && raw !== null && typeof raw === 'object' && !Array.isArray(raw);
    const given = authed ? (raw as Record<string, unknown>).createdBy : undefined;
    const body = authed ? { ...(raw as object), createdBy: actorOf(req, typeof given === 'string' ? given : undefined, 'body.createdBy') } : raw;
    const input = parseOr400(silenceInputSchema, body, 'body');
    const p = req.principal;
    const refused = p && p.teams.length > 0 ? silenceRefusal(p.name, p.teams, input.matchers, teams) : null;
    if (refused) return reply.status(403).send({ error: 'forbidden', message: refused });
    try {
      return reply.status(201).send(await silences.create(input));
    } catch (err) {
      // The service (shared with the CLI) names fields bare; API issues name them from the request, like every other 400.
      if (err instanceof VigilError && err.code === 'invalid_input' && Array.isArray(err.details?.issues)) {
        const issues = (err.details.issues as { field: string; message: string }[]).map((i) => ({ ...i, field: `body.${i.field}` }));
        throw new VigilError('invalid_input', `invalid body: ${issues[0]!.field}: ${issues[0]!.message}`, { issues });
      }
      throw err;
    }
  });
  app.get('/v1/silences', async (req) => {
    const q = parseOr400(z.object({ all: z.enum(['true', 'false']).default('false') }), req.query, 'query');
    return { silences: await silences.list(q.all === 'true') };
  });
  app.delete('/v1/silences/:id', async (req, reply) => {
    const { id } = parseOr400(z.object({ id: z.string().uuid() }), req.params, 'params');
    // Ending a silence un-mutes pages: a user limited to a team may end only what they could have made.
    const p = req.principal;
    if (p && p.teams.length > 0) {
      const silence = await silences.get(id);
      const refused = silence ? silenceRefusal(p.name, p.teams, silence.matchers, teams) : null;
      if (refused) return reply.status(403).send({ error: 'forbidden', message: `may not expire silence ${id}: ${refused}` });
    }
    await silences.expire(id, req.principal?.name ?? 'anonymous');
    return reply.status(204).send();
  });
}
