import type { FastifyInstance } from 'fastify';
import { withSecurity } from './openapi-security';
import { z } from 'zod';
import { metricsBatchSchema, MAX_BATCH_ENTRIES } from '../domain/metrics-input';
import { SEVERITIES } from '../domain/severity';
import { LINE_PATTERN, TEXT_PATTERN } from '../domain/text';
import { MIN_SILENCE_MS, silenceInputSchema } from '../domain/silence-input';
import { violationBodySchema } from '../domain/violation';
import { alertmanagerPayloadSchema } from './routes/alertmanager';
import { DEFAULT_MAX_IN_FLIGHT, METRICS_BODY_LIMIT } from './routes/metrics';
import { ACTOR_PATTERN, LINE_REFUSED, TRIM_CHARS } from './routes/incidents';
import { processingEventBatchSchema } from './routes/processing-events';
import { experimentPaths, experimentSchemas } from './openapi-experiments';
import { deployPaths, deploySchemas } from './openapi-deploys';

type Json = Record<string, unknown>;

const TEXT_REFUSED = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F';

/**
 * A string zod trims (and perhaps lowercases) before checking it, as it may be sent: whitespace
 * around what the check accepts, any case for a lowercased name. Lengths count after trimming, so
 * they move from minLength/maxLength into the pattern.
 */
function asSent(json: { pattern: string; minLength?: number; maxLength?: number }, lowercases: boolean): void {
  const refused = json.pattern === LINE_PATTERN ? LINE_REFUSED : json.pattern === TEXT_PATTERN ? TEXT_REFUSED : undefined;
  const edge = `[${TRIM_CHARS}]*`;
  const min = json.minLength ?? 0;
  const max = json.maxLength;
  let core: string;
  if (refused !== undefined) {
    const solid = `[^${refused}${TRIM_CHARS}]`;
    const inner = `[^${refused}]{${Math.max(0, min - 2)},${max === undefined ? '' : Math.max(0, max - 2)}}`;
    core = max === 1 ? solid : min >= 2 ? `${solid}${inner}${solid}` : `${solid}(?:${inner}${solid})?`;
    if (min === 0) core = `(?:${core})?`;
  } else {
    // A name: one character class, then another repeated (domain/compliance/event.ts's token).
    const name = /^\^(\[[^\]]+\])(\[[^\]]+\])\*\$$/.exec(json.pattern);
    if (!name) return;
    const widen = (cls: string) => (lowercases ? cls.replaceAll('a-z', 'A-Za-z') : cls);
    core = `${widen(name[1]!)}${widen(name[2]!)}{0,${max === undefined ? '' : max - 1}}`;
  }
  json.pattern = `^${edge}${core}${edge}$`;
  delete json.minLength;
  delete json.maxLength;
}

/** Request bodies as clients write them (`io: 'input'`: defaults are optional, transforms show their input). */
function fromZod(schema: z.ZodType): Json {
  const out: Json = {
    ...z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
      override: ({ zodSchema, jsonSchema }) => {
        const def = (zodSchema as unknown as { _zod: { def: { type: string; checks?: { _zod: { def: { check: string; tx?: (s: string) => string } } }[] } } })._zod.def;
        if (def.type !== 'string' || typeof jsonSchema.pattern !== 'string') return;
        const rewrites = (def.checks ?? []).flatMap((c) => (c._zod.def.check === 'overwrite' && c._zod.def.tx ? [c._zod.def.tx] : []));
        const trims = rewrites.some((tx) => tx(' x ') === 'x');
        if (trims) asSent(jsonSchema as { pattern: string }, rewrites.some((tx) => tx('X') === 'x'));
      },
    }),
  };
  delete out.$schema; // the document names its dialect once (jsonSchemaDialect)
  return out;
}

/**
 * The silence body with what zod's export cannot say: a duration is text like "1h30m" or whole
 * milliseconds; exactly one of endsAt and duration; at least one matcher or an incident.
 */
function silenceInputJson(): Json {
  const out = fromZod(silenceInputSchema);
  (out.properties as Json).matchers = { type: 'array', items: { type: 'string', maxLength: 1000, pattern: MATCHER_PATTERN }, default: [], description: 'e.g. service="search", severity=~"high|critical" (a =~ or !~ value must be a valid regular expression)' };
  (out.properties as Json).duration = { oneOf: [{ type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d))+\\s*$' }, { type: 'integer', minimum: MIN_SILENCE_MS }], description: 'e.g. "2h", "1h30m", or milliseconds; at least 1 minute' };
  out.oneOf = [{ required: ['endsAt'], not: { required: ['duration'] } }, { required: ['duration'], not: { required: ['endsAt'] } }];
  out.anyOf = [{ required: ['incident'] }, { required: ['matchers'], properties: { matchers: { minItems: 1 } } }];
  out.description = 'endsAt (or startsAt + duration) must lie in the future, at least 1 minute and at most 366 days after startsAt (default: now); otherwise 400 naming the field.';
  // With access control on the silence is the caller's, whatever createdBy says (required only with auth.mode none).
  out.required = (out.required as string[] | undefined)?.filter((f) => f !== 'createdBy');
  return out;
}

// The text form domain/matchers.ts parses, with the characters text fields refuse left out.
const NO_CONTROL = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F';
const MATCHER_PATTERN = `^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*(=~|!~|!=|=)\\s*("([^"\\\\${NO_CONTROL}]|\\\\[^\\n\\r\\u2028\\u2029${NO_CONTROL}])*"|[^"\\s\\u0000-\\u001F\\u007F]*)\\s*$`;

/**
 * A processing event with the two rules zod checks in code: an erasure_request names its data
 * subject, and a deletion says which categories it deleted.
 */
function processingEventBatchJson(): Json {
  const out = fromZod(processingEventBatchSchema);
  const events = (out.properties as Record<string, Json>).events!;
  events.items = {
    ...(events.items as Json),
    allOf: [
      { if: { properties: { action: { const: 'erasure_request' } } }, then: { required: ['subjectId'] } },
      { if: { properties: { action: { const: 'deletion' } } }, then: { required: ['categories'], properties: { categories: { minItems: 1 } } } },
    ],
  };
  return out;
}

// Rules between fields JSON Schema cannot state; the server refuses a batch breaking one with 400.
const METRICS_TOTALS =
  'Totals must agree within each window: errors, latency.count, qualityCount and satisfactionCount are at most count; qualitySum is at most qualityCount and satisfactionSum at most satisfactionCount (scores are in [0, 1]); ' +
  'latency.zeroCount plus the bucket counts equals latency.count; an empty sketch has sum, min and max 0; min is at most max.';

const html = (description: string) => ({ description: `${description} (HTML page)`, content: { 'text/html': { schema: { type: 'string' } } } });
// base64url(claims) "." base64url(HMAC-SHA256) as domain/action-token.ts signs them.
const actionToken = { name: 'token', in: 'path', required: true, schema: { type: 'string', maxLength: 4096, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }, description: 'the signed token from the email' };

// HTML from the route itself; JSON when the request never reached it (bad percent-encoding, unparsable request line).
const malformedLink = { description: 'Not a link Vigil makes (HTML page), or a request that could not be parsed (JSON error)', content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Json) => ({ description, ...json(schema) });
const error = (description: string) => ({ description, ...json(ref('Error')) });
// An incident is named by its fingerprint or its workflow id `incident/<fingerprint>`, the "/" encoded as %2F.
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^(incident%2[Ff])?[0-9a-f]{16}$' }, description: 'fingerprint, or the workflow ID incident%2F<fingerprint> (a bad percent-escape or more than 100 characters answers 400; an unknown one 404)' };
const bearer = (scheme: string) => [{ [scheme]: [] }];
const obj = (properties: Json, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required });
const str = { type: 'string' };
/** Free text and single-line text as domain/text-schema.ts accepts them (NUL, controls and lone surrogates are refused). */
const text = (maxLength: number, minLength = 0) => ({ type: 'string', ...(minLength ? { minLength } : {}), maxLength, pattern: TEXT_PATTERN });
const line = (maxLength: number, minLength = 0) => ({ type: 'string', ...(minLength ? { minLength } : {}), maxLength, pattern: LINE_PATTERN });
const actor = {
  type: 'string', minLength: 1, maxLength: 200, pattern: ACTOR_PATTERN,
  description: 'with access control on, ignored: the authenticated identity acts (an API key with act-as records it as "on behalf of"); with auth.mode none, who acts (required), e.g. "alice"',
};

// The action bodies mirror ACTIONS in routes/incidents.ts (not exported there); actions are Temporal Updates.
const ACTION_BODIES: Record<string, Json> = {
  acknowledge: obj({ by: actor }, []),
  resolve: obj({ by: actor, reason: text(2000) }, []),
  snooze: obj({ by: actor, until: { oneOf: [{ ...line(100, 1), description: 'ISO-8601 time' }, { type: 'number', description: 'epoch ms' }] } }, ['until']),
  escalate: obj({ by: actor }, []),
  note: obj({ by: actor, text: text(2000, 1) }, ['text']),
};

function actionPaths(): Json {
  return Object.fromEntries(
    Object.entries(ACTION_BODIES).map(([name, body]) => [
      `/v1/incidents/{id}/${name}`,
      {
        post: {
          tags: ['incidents'],
          summary: `${name[0]!.toUpperCase()}${name.slice(1)} an open incident`,
          parameters: [idParam, { name: 'Idempotency-Key', in: 'header', required: false, schema: str, description: 'Temporal update ID: a retry with the same key acts once' }],
          // With access control on, an action needing no field may come without a body.
          requestBody: { required: ((body.required as string[] | undefined) ?? []).length > 0, ...json({ ...body, additionalProperties: false }) },
          responses: {
            200: ok('What the action did', ref('ActionResult')),
            400: error('Invalid body or id (e.g. NUL in a field, a bad percent-escape)'),
            404: error('No open incident with this id'),
            409: error('The incident refused the action (e.g. already resolved)'),
          },
        },
      },
    ]),
  );
}

function build(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil API',
      version: '1',
      description:
        'Durable incident response for RAG services. Every error is JSON `{ error, message, issues? }`; `issues` names each invalid field (e.g. `body.windows.3.errors`). ' +
        'Text may not hold NUL (U+0000), lone UTF-16 surrogates or control characters other than tab and line breaks (400, naming the field; Alertmanager text is kept with them replaced by U+FFFD and the label `vigil_sanitized="true"`). ' +
        'A known path asked with a method it does not have answers 405 with an `Allow` header listing its methods.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [{ name: 'incidents' }, { name: 'silences' }, { name: 'ingest' }, { name: 'integrations' }, { name: 'compliance' }, { name: 'analytics' }, { name: 'experiments' }, { name: 'deploys' }, { name: 'operations' }],
    paths: {
      '/healthz': {
        get: {
          tags: ['operations'],
          summary: 'Postgres and Temporal reachability, projection lag and failing activities',
          responses: {
            200: ok('Both reachable, and nothing behind or failing past the `health:` limits', ref('Health')),
            503: ok('Something is unreachable, Postgres lags the workflows, or an activity has been failing too long; `problems` names each', ref('Health')),
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['operations'],
          summary: "Vigil's own metrics in the Prometheus text format (incidents, notifications, ingest, per-service SLIs, process)",
          responses: { 200: { description: 'Prometheus exposition format 0.0.4', content: { 'text/plain': { schema: str } } } },
        },
      },
      '/openapi.json': {
        get: { tags: ['operations'], summary: 'This document', responses: { 200: ok('OpenAPI 3.1 document', { type: 'object' }) } },
      },
      '/v1/incidents': {
        post: {
          tags: ['incidents'],
          summary: 'Report a violation: opens an incident, or counts an occurrence of the open one',
          requestBody: { required: true, ...json(ref('Violation')) },
          responses: { 202: ok('Landed in this incident', ref('RaiseResult')), 400: error('Invalid violation'), 413: error('Body too large') },
        },
        get: {
          tags: ['incidents'],
          summary: 'List incidents, newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'open' } },
            { name: 'service', in: 'query', schema: line(100) },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          ],
          responses: { 200: ok('Incidents', obj({ incidents: { type: 'array', items: ref('IncidentRow') } })), 400: error('Invalid query') },
        },
      },
      '/v1/incidents/{id}': {
        get: {
          tags: ['incidents'],
          summary: 'One incident: live workflow state when open, else the stored history',
          parameters: [idParam],
          responses: { 200: ok('The incident', ref('IncidentDetail')), 404: error('No such incident') },
        },
      },
      ...actionPaths(),
      ...experimentPaths(),
      ...deployPaths(),
      '/v1/silences': {
        post: {
          tags: ['silences'],
          summary: 'Create a silence (maintenance window)',
          requestBody: { required: true, ...json(ref('SilenceInput')) },
          responses: { 201: ok('The silence', ref('Silence')), 400: error('Invalid silence'), 403: error("A user limited to a team silencing a service not their team's") },
        },
        get: {
          tags: ['silences'],
          summary: 'Running and upcoming silences (all=true: every silence)',
          parameters: [{ name: 'all', in: 'query', schema: { type: 'string', enum: ['true', 'false'], default: 'false' } }],
          responses: { 200: ok('Silences', obj({ silences: { type: 'array', items: ref('Silence') } })) },
        },
      },
      '/v1/silences/{id}': {
        delete: {
          tags: ['silences'],
          summary: 'Expire a silence now',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 204: { description: 'Expired' }, 400: error('Not a silence id'), 403: error("A user limited to a team expiring a silence that mutes services not their team's"), 404: error('No running silence with this id') },
        },
      },
      '/v1/processing-events': {
        post: {
          tags: ['ingest'],
          summary: 'Report data-processing events: each is checked against the active regulations, recorded in the hash-chained audit trail, and violations become compliance incidents',
          description: 'All or nothing; the bearer ingest token names the one system whose events it may report. At most 1,000 events.',
          security: bearer('ingestToken'),
          requestBody: { required: true, ...json(ref('ProcessingEventBatch')) },
          responses: {
            202: ok('Checked and recorded (events this system reported before, by id, are listed in duplicates and not recorded again)', obj({ accepted: { type: 'integer' }, duplicates: { type: 'array', items: str }, results: { type: 'array', items: { type: 'object' } } })),
            400: error('Invalid event'),
            401: error('Missing or unknown token'),
            403: error('Event of another system than the token'),
          },
        },
      },
      '/v1/compliance/reports': {
        get: {
          tags: ['compliance'],
          summary: 'Stored compliance reports, newest first (period, status, chain check; no findings)',
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 } }],
          responses: { 200: ok('Reports', obj({ reports: { type: 'array', items: { type: 'object' } } })), 400: error('Invalid limit') },
        },
      },
      '/v1/compliance/reports/{file}': {
        get: {
          tags: ['compliance'],
          summary: 'One compliance report: `<id>` or `<id>.json` as JSON, `<id>.md` as Markdown, `<id>.html` as HTML',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' }, description: 'report id (the ComplianceAudit workflow id), optionally with .json, .md or .html' }],
          responses: {
            200: { description: 'The report', content: { 'application/json': { schema: { type: 'object' } }, 'text/markdown': { schema: str }, 'text/html': { schema: str } } },
            400: error('Malformed id'),
            404: error('No such report'),
          },
        },
      },
      '/v1/executive/dashboard': {
        get: {
          tags: ['analytics'],
          summary: 'The executive dashboard (generate_executive_dashboard): health score, SLA compliance, cost efficiency, satisfaction trend, business impact, recommendations, with changes vs the previous period',
          description: 'Computed from rollups_hourly / rollups_daily for the period ending with the last rolled-up hour. Business-impact figures appear only when their assumptions are configured (analytics.assumptions). Needs the analytics:read scope; users limited to teams are refused (it spans every service).',
          parameters: [{ name: 'period', in: 'query', required: false, schema: { type: 'string', enum: ['24h', '7d', '30d', '90d'], default: '7d' } }],
          responses: {
            200: ok('The dashboard', obj({ period: { type: 'object' }, executive_summary: { type: 'object' }, business_impact: { type: 'object' }, predictive_insights: { type: 'array', items: { type: 'object' } }, recommendations: { type: 'array', items: { type: 'object' } }, capacity: { type: 'array', description: 'the latest Forecast run\'s capacity recommendations (capacity_recommendations), in rank order', items: { type: 'object' } }, services: { type: 'array', items: { type: 'object' } } })),
            400: error('Unknown period (the message and issues name query.period)'),
            403: error('Credentials without analytics:read, or a user limited to teams'),
          },
        },
      },
      '/v1/services/{service}/sla': {
        get: {
          tags: ['ingest'],
          summary: "A service's live SLA verdict: { sla_compliant, violations, compliance_score } plus every check, open incidents and burning budgets",
          parameters: [{ name: 'service', in: 'path', required: true, schema: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } }],
          responses: { 200: ok('SLA status', obj({ service: { type: 'string' }, sla_compliant: { type: 'boolean' }, compliance_score: { type: 'number' }, violations: { type: 'array', items: { type: 'object' } } })), 404: error('No monitor for this service yet') },
        },
      },
      '/v1/metrics': {
        post: {
          tags: ['ingest'],
          summary: `Ingest window summaries and/or raw samples for the token's service (at most ${MAX_BATCH_ENTRIES} entries, ${METRICS_BODY_LIMIT / 1_048_576} MiB)`,
          description:
            'All or nothing: one invalid entry rejects the batch and nothing is stored or forwarded. A window already stored (same service and start) counts as a duplicate. ' +
            `Raw samples are summarised into 10 s windows. Each API process works on at most ${DEFAULT_MAX_IN_FLIGHT} (configurable) ingest requests at once and answers 429 beyond that.`,
          security: bearer('ingestToken'),
          requestBody: { required: true, ...json(ref('MetricsBatch')) },
          responses: {
            202: ok('Stored and handed to the service monitor', obj({ accepted: { type: 'integer' }, duplicates: { type: 'integer' } })),
            400: error('Invalid batch or malformed JSON, or totals that disagree (see MetricsBatch); `issues` names each field'),
            401: error('Missing, unknown or revoked token'),
            403: error("An entry's service is not the token's service"),
            413: error('Body larger than 1 MiB'),
            429: { ...error('Too many ingest requests in flight on this API process'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
            503: error('The service monitor could not be reached; nothing was stored'),
          },
        },
      },
      '/v1/alertmanager': {
        post: {
          tags: ['integrations'],
          summary: 'Prometheus Alertmanager webhook receiver (payload version 4)',
          description:
            'Firing alerts raise incidents (service = labels.service ?? labels.job, kind = labels.alertname, dimension = the other labels); resolved alerts clear them. ' +
            'When ALERTMANAGER_TOKEN is set, requests need `Authorization: Bearer <token>`.',
          security: [{}, { alertmanagerToken: [] }],
          requestBody: { required: true, ...json(ref('AlertmanagerPayload')) },
          responses: {
            200: ok('What the alerts did', obj({ raised: { type: 'integer' }, cleared: { type: 'integer' } })),
            400: error('Not an Alertmanager v4 payload'),
            401: error('Wrong or missing token'),
          },
        },
      },
      '/v1/integrations/pagerduty': {
        post: {
          tags: ['integrations'],
          summary: 'PagerDuty v3 webhook: acknowledges/resolves the Vigil incident (only when PAGERDUTY_WEBHOOK_SECRET is set)',
          parameters: [{ name: 'X-PagerDuty-Signature', in: 'header', required: true, schema: str }],
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 200: ok('Acted (or refused, without retry)', { type: 'object' }), 202: ok('Ignored', { type: 'object' }), 401: error('Bad signature') },
        },
      },
      '/actions/{token}': {
        get: {
          tags: ['incidents'],
          summary: 'Signed email action link: confirmation page (only when VIGIL_ACTION_SECRET is set); changes nothing',
          parameters: [actionToken],
          responses: {
            200: html('Confirmation page with a button that POSTs the link'),
            400: malformedLink,
            403: html('A well-formed link this Vigil did not sign (edited, or signed with another secret)'),
            409: html('Already used'),
            410: html('Expired'),
          },
        },
        post: {
          tags: ['incidents'],
          summary: 'Signed email action link: perform the action once',
          parameters: [actionToken],
          responses: {
            200: html('Done'),
            400: malformedLink,
            403: html('A well-formed link this Vigil did not sign (edited, or signed with another secret)'),
            404: html('The incident no longer exists'),
            409: html('Already used, or refused by the incident'),
            410: html('Expired, or for an earlier incident'),
            503: html('Try again: nothing was recorded'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        ingestToken: { type: 'http', scheme: 'bearer', description: 'An ingest token (`vgl_…`) from `vigil tokens create --service <name>`' },
        alertmanagerToken: { type: 'http', scheme: 'bearer', description: 'ALERTMANAGER_TOKEN' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: { type: 'string', description: 'stable code: invalid_input, unauthorized, forbidden, not_found, invalid_state, overloaded, unavailable, internal, …' },
            message: { type: 'string', description: 'for humans: what is wrong and what to do' },
            issues: { type: 'array', items: obj({ field: { type: 'string', description: 'e.g. body.windows.3.errors' }, message: str }) },
          },
          required: ['error', 'message'],
        },
        Health: obj({ ok: { type: 'boolean' }, postgres: { type: 'boolean' }, temporal: { type: 'boolean' } }),
        Violation: fromZod(violationBodySchema),
        RaiseResult: obj({ workflowId: str, runId: str, fingerprint: str }),
        ActionResult: obj({ changed: { type: 'boolean' }, status: { type: 'string', enum: ['triggered', 'acknowledged', 'snoozed', 'resolved'] }, message: str }),
        IncidentRow: {
          type: 'object',
          properties: {
            incident_id: str, workflow_id: str, fingerprint: str, service: str, kind: str,
            severity: { type: 'string', enum: [...SEVERITIES] }, status: str, title: str, episode: { type: 'integer' }, occurrences: { type: 'integer' },
            level: { type: ['string', 'null'] }, opened_at: { type: 'string', format: 'date-time' },
            acknowledged_at: { type: ['string', 'null'], format: 'date-time' }, acknowledged_by: { type: ['string', 'null'] },
            resolved_at: { type: ['string', 'null'], format: 'date-time' }, resolved_by: { type: ['string', 'null'] },
          },
        },
        IncidentDetail: {
          oneOf: [
            obj({ source: { const: 'workflow' }, state: { type: 'object', description: 'the live IncidentState' } }),
            obj({ source: { const: 'history' }, row: ref('IncidentRow'), events: { type: 'array', items: { type: 'object' } } }),
          ],
        },
        ...experimentSchemas(),
        ...deploySchemas(),
        SilenceInput: silenceInputJson(),
        Silence: obj({
          id: str,
          matchers: { type: 'array', items: obj({ name: str, op: { type: 'string', enum: ['=', '!=', '=~', '!~'] }, value: str }) },
          startsAt: { type: 'integer', description: 'epoch ms' },
          endsAt: { type: 'integer', description: 'epoch ms' },
          createdBy: str,
          comment: str,
          incidentWorkflowId: { type: ['string', 'null'] },
          createdAt: { type: 'integer' },
        }),
        MetricsBatch: { ...fromZod(metricsBatchSchema), description: METRICS_TOTALS },
        ProcessingEventBatch: processingEventBatchJson(),
        AlertmanagerPayload: fromZod(alertmanagerPayloadSchema),
      },
    },
  };
}

/**
 * Answers every operation can now give, added where a path does not say more: 400 (a query
 * parameter with NUL, bad JSON), 405 (wrong method, with Allow), 413/415 for bodies.
 */
function withEdgeErrors(doc: Json): Json {
  for (const ops of Object.values(doc.paths as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(ops)) {
      const responses = op.responses as Json;
      const add = (code: number, description: string) => {
        if (!(code in responses)) responses[code] = error(description);
      };
      add(400, op.requestBody ? 'Invalid body, malformed JSON or an invalid query parameter' : 'Invalid query parameter (e.g. NUL) or path');
      add(405, 'Method not allowed on this path; the Allow header lists the methods it has');
      if (op.requestBody) {
        add(413, 'Body too large');
        add(415, 'Body is not JSON');
      }
    }
  }
  return doc;
}

let cached: Json | undefined;

/** The OpenAPI 3.1 description of every route the API can register (built once). */
export function openApiDocument(): Json {
  return (cached ??= withEdgeErrors(withSecurity(build())));
}

/** A Fastify route URL as an OpenAPI path: `:id` → `{id}`; the one wildcard route (`/actions/*`) takes a token. */
export function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{token}');
}

export interface RegisteredRoute {
  method: string;
  path: string;
  /** The route as Fastify knows it (`/v1/incidents/:id`), as api/auth/route-access.ts keys it. */
  url: string;
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Routes registered on the app after openApiRoutes (lower-case method, OpenAPI path; HEAD left out). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return registered.get(app) ?? [];
}

/**
 * `GET /openapi.json`. Call it before registering the other routes: it watches them being
 * registered, so the document describes exactly the operations this server has (e.g. no
 * /actions without an action secret).
 */
export function openApiRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), path: toOpenApiPath(r.url), url: r.url });
  });
  let served: Json | undefined;
  app.get('/openapi.json', async () => {
    if (!served) {
      const full = openApiDocument();
      const paths: Record<string, Json> = {};
      for (const [path, ops] of Object.entries(full.paths as Record<string, Json>)) {
        const kept = Object.fromEntries(Object.entries(ops).filter(([method]) => routes.some((r) => r.path === path && r.method === method)));
        if (Object.keys(kept).length > 0) paths[path] = kept;
      }
      served = { ...full, paths };
    }
    return served;
  });
}
