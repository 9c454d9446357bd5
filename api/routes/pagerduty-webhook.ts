import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IncidentService } from '../../app/incident-service';
import { VigilError } from '../../domain/errors';
import { clipText, sanitizeLine } from '../../domain/text';

export interface PagerDutyWebhookDeps {
  incidents: IncidentService;
  /** The v3 webhook subscription's signing secret. */
  secret: string;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** The part of a v3 webhook payload Vigil reads; PagerDuty sends much more, which is ignored. */
const webhookSchema = z.object({
  event: z.object({
    id: z.string().min(1),
    event_type: z.string().min(1),
    occurred_at: z.string().optional(),
    agent: z.object({ id: z.string().optional(), summary: z.string().optional(), type: z.string().optional() }).nullish(),
    data: z.object({ id: z.string().optional(), type: z.string().optional(), incident_key: z.string().nullish() }).nullish(),
  }),
});

const ACTIONS: Record<string, 'acknowledge' | 'resolve'> = {
  'incident.acknowledged': 'acknowledge',
  'incident.resolved': 'resolve',
};

/** Only keys Vigil itself sent (the dedup_key is the incident's workflow ID) may act on an incident. */
const VIGIL_KEY = /^incident\/[0-9a-f]{16}$/;

/**
 * True when one of the `v1=` signatures in X-PagerDuty-Signature (comma-separated while a secret
 * is rotated) is the hex HMAC-SHA256 of the raw body under `secret`; compared in constant time.
 */
export function verifyPagerDutySignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex'));
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => Buffer.from(s.slice(3).toLowerCase()))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}

/**
 * `POST /v1/integrations/pagerduty`: PagerDuty v3 webhooks acknowledge or resolve the incident whose
 * alert Vigil raised. Answers 2xx to everything signed, even refusals, because PagerDuty retries
 * other statuses; only a server error (Temporal unreachable) is worth its retry.
 */
export function pagerDutyWebhookRoutes(app: FastifyInstance, deps: PagerDutyWebhookDeps): void {
  void app.register(async (scope) => {
    // The signature covers the exact bytes PagerDuty sent, so this scope keeps JSON bodies as raw strings.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post('/v1/integrations/pagerduty', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const header = req.headers['x-pagerduty-signature'];
      if (!verifyPagerDutySignature(deps.secret, raw, Array.isArray(header) ? header.join(',') : header)) {
        deps.logger.warn({ component: 'pagerduty-webhook', ip: req.ip }, 'refused a PagerDuty webhook with a missing or wrong signature');
        throw new VigilError('unauthorized', 'X-PagerDuty-Signature does not match this webhook subscription’s secret');
      }
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new VigilError('invalid_input', 'body is not JSON');
      }
      const parsed = webhookSchema.safeParse(json);
      if (!parsed.success) throw new VigilError('invalid_input', 'not a PagerDuty v3 webhook payload (expected { event: { id, event_type, data } })');
      const { event } = parsed.data;
      const type = ACTIONS[event.event_type];
      if (!type || event.data?.type !== 'incident') return reply.status(202).send({ ignored: event.event_type });

      const key = event.data.incident_key;
      if (!key || !VIGIL_KEY.test(key)) {
        deps.logger.info(
          { component: 'pagerduty-webhook', event: event.id, pdIncident: event.data.id, incidentKey: key ?? null },
          'PagerDuty incident carries no Vigil incident key; ignored',
        );
        return reply.status(202).send({ ignored: key ? 'not a Vigil incident key' : 'no incident key' });
      }

      // A foreign sender cannot be refused usefully (it would only retry): what we keep of its text is
      // sanitised visibly instead, so no NUL, lone surrogate or control character reaches the timeline.
      const who = sanitizeLine(clipText(event.agent?.summary || event.agent?.id || 'unknown', 180));
      const eventId = sanitizeLine(clipText(event.id, 200));
      try {
        // The event ID as update ID: PagerDuty delivers at least once, and a redelivery must not act twice.
        const result = await deps.incidents.act(key, { type, by: `pagerduty:${who}` }, `pagerduty:${eventId}`);
        deps.logger.info({ component: 'pagerduty-webhook', event: event.id, incident: key, type, changed: result.changed }, result.message);
        return reply.status(200).send(result);
      } catch (err) {
        if (!(err instanceof VigilError)) throw err;
        // Already resolved, or no such open incident: retrying would not change the answer.
        deps.logger.info({ component: 'pagerduty-webhook', event: event.id, incident: key, type, code: err.code }, err.message);
        return reply.status(200).send({ changed: false, refused: err.code, message: err.message });
      }
    });
  });
}
