import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { serviceOfDetail, type IncidentService } from '../../app/incident-service';
import { textRefusal } from '../../domain/text';
import { safeLine, safeText } from '../../domain/text-schema';
import { violationBodySchema } from '../../domain/violation';
import { actorOf } from '../auth/actor';
import { serviceRefusal, type TeamsConfig } from '../../domain/auth/teams';
import { parseOr400 } from '../errors';

// Fastify decodes the path once; ids arrive encoded once more (workflow IDs hold "/"), so decode again here.
const idParams = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .transform((id, ctx) => {
      try {
        return decodeURIComponent(id);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid percent-encoding (a "%" must start an escape such as %2F)' });
        return z.NEVER;
      }
    })
    .pipe(safeLine({ max: 300 })),
});
// Optional: the authenticated identity is the actor (api/auth/actor.ts); required only with authentication off.
const actor = z
  .string()
  .max(200, 'must be at most 200 characters')
  .superRefine((s, ctx) => {
    // Checked as sent, then trimmed: a control character at the edge is refused like one inside
    // (as /openapi.json says), not trimmed away.
    const why = textRefusal(s, 'line');
    if (why) ctx.addIssue({ code: 'custom', message: why });
  })
  .trim()
  .min(1, 'must name who is acting')
  .optional();
/** What String.prototype.trim removes, spelt out: `\\s` means different things in different regex dialects. */
export const TRIM_CHARS = '\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';
export const LINE_REFUSED = '\\u0000-\\u001F\\u007F\\u2028\\u2029';
/** The actor in /openapi.json: one line, no control character anywhere, something besides whitespace. */
export const ACTOR_PATTERN = `^[^${LINE_REFUSED}]*[^${LINE_REFUSED}${TRIM_CHARS}][^${LINE_REFUSED}]*$`;
const listQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  service: safeLine({ max: 100 }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

const ACTIONS = {
  acknowledge: z.object({ by: actor }).strict(),
  resolve: z.object({ by: actor, reason: safeText({ max: 2000 }).optional() }).strict(),
  snooze: z.object({ by: actor, until: z.union([safeLine({ max: 100, min: 1 }), z.number()]) }).strict(),
  escalate: z.object({ by: actor }).strict(),
  note: z.object({ by: actor, text: safeText({ max: 2000, min: 1 }) }).strict(),
} as const;

/** Incident endpoints: raise a violation, list/show, and the human actions (as workflow Updates). */
export function incidentRoutes(app: FastifyInstance, incidents: IncidentService, teams: TeamsConfig = {}): void {
  app.post('/v1/incidents', async (req, reply) => {
    const violation = parseOr400(violationBodySchema, req.body, 'body');
    const r = await incidents.raise(violation);
    return reply.status(202).send(r);
  });

  app.get('/v1/incidents', async (req) => {
    const q = parseOr400(listQuery, req.query, 'query');
    return { incidents: await incidents.list(q) };
  });

  app.get('/v1/incidents/:id', async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    return incidents.show(id);
  });

  for (const [name, schema] of Object.entries(ACTIONS)) {
    app.post(`/v1/incidents/:id/${name}`, async (req, reply) => {
      const { id } = parseOr400(idParams, req.params, 'params');
      // No body is an empty one; a JSON null is not an object and is refused like any other.
      const body = parseOr400(schema, req.body === undefined ? {} : req.body, 'body');
      const p = req.principal;
      if (p && p.teams.length > 0) {
        // A user limited to teams acts on their teams' services only (config teams:).
        const d = await incidents.show(id);
        const why = serviceRefusal(p.name, p.teams, serviceOfDetail(d), teams);
        if (why) return reply.status(403).send({ error: 'forbidden', message: why });
      }
      const updateId = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      return incidents.act(id, { type: name, ...body, by: actorOf(req, body.by) } as Parameters<IncidentService['act']>[1], updateId);
    });
  }
}
