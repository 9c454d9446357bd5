import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { IncidentService } from '../../app/incident-service';
import { recordProcessingEvents } from '../../db/compliance/processing-events';
import { auditRecordOf } from '../../domain/compliance/audit-record';
import { checkEvent, type ComplianceCheckResult } from '../../domain/compliance/check';
import { complianceContextFrom, processingEventSchema, type ComplianceConfig } from '../../domain/compliance/event';
import { violationSchema } from '../../domain/violation';
import { ingestCaller } from '../auth/ingest';
import { parseOr400 } from '../errors';

/** The body of POST /v1/processing-events (exported for /openapi.json). */
export const processingEventBatchSchema = z.object({ events: z.array(processingEventSchema).min(1, 'send at least one event').max(1000, 'at most 1,000 events per batch') }).strict();

export interface ProcessingEventDeps {
  pool: Pool;
  incidents: IncidentService;
  compliance: ComplianceConfig;
}

/**
 * `POST /v1/processing-events`: every data-processing event of a RAG system is checked against the
 * active regulations, recorded in the hash-chained audit trail, and each violation becomes (or joins)
 * an incident of kind `compliance`. A batch is all or nothing; the bearer token names the system.
 */
export function processingEventRoutes(app: FastifyInstance, deps: ProcessingEventDeps): void {
  const ctx = complianceContextFrom(deps.compliance);
  app.post('/v1/processing-events', async (req, reply) => {
    // An ingest token reports for its own system; an API key (null) for any.
    const token = await ingestCaller(req, deps.pool, 'system');
    const { events } = parseOr400(processingEventBatchSchema, req.body, 'body');
    // One system per batch: a token's own; with a key, the first event's.
    const system = token?.service ?? events[0]!.system;
    const foreign = events.findIndex((e) => e.system !== system);
    if (foreign >= 0) {
      return reply.status(403).send({
        error: 'forbidden',
        message: token ? `this token is for "${system}"` : `a batch reports one system ("${system}", as its first event says)`,
        issues: [{ field: `body.events.${foreign}.system`, message: token ? `the token may report events of "${system}" only` : `every event of a batch must be of "${system}"` }],
      });
    }
    const results: ComplianceCheckResult[] = events.map((e) => checkEvent(e, ctx, deps.compliance.regulations));
    // Incidents first: raising is idempotent (occurrence ids), so a retry after an audit failure adds nothing twice.
    for (const [i, r] of results.entries()) {
      const e = events[i]!;
      for (const v of Object.values(r.regulation_results).flatMap((x) => x?.violations ?? [])) {
        await deps.incidents.raise(
          violationSchema.parse({
            service: e.system,
            kind: 'compliance',
            dimension: v.rule,
            severity: v.severity,
            title: `${v.clause}: ${v.message}`.slice(0, 300),
            impact: `Event ${e.id} (${e.action} by ${e.actor.id}) violated ${v.rule}.`,
            labels: { regulation: v.rule.split('-')[0]!.toLowerCase(), rule: v.rule.replace(/[^A-Za-z0-9_]/g, '_') },
            occurrenceId: `compliance:${e.id}:${v.rule}`,
          }),
        );
      }
    }
    // The subject's fields go beside the chain (erasable), never into the hashed payload.
    const recorded = await recordProcessingEvents(
      deps.pool,
      system,
      results.map((r, i) => ({ eventId: events[i]!.id, entry: auditRecordOf(events[i]!, r) })),
    );
    return reply.status(202).send({
      accepted: events.length,
      // Events this system reported before (by id): checked again, but not recorded twice.
      duplicates: recorded.duplicates,
      results: results.map((r) => ({ id: r.audit_trail_entry.event_id, overall_compliant: r.overall_compliant, violated_rules: r.audit_trail_entry.violated_rules })),
    });
  });
}
