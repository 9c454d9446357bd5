import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import type { IncidentService } from '../app/incident-service';
import type { ComplianceConfig } from '../domain/compliance/event';
import type { WindowSummary } from '../domain/window-summary';
import { errorHandler, refuseUnsafeQuery } from './errors';
import { clientErrorHandler, notFoundHandler, refuseWrongMethod, trackRouteMethods } from './method-not-allowed';
import { openApiRoutes } from './openapi';
import { alertmanagerRoutes } from './routes/alertmanager';
import { metricsRoutes } from './routes/metrics';
import { createApiTelemetry, prometheusRoutes, readPipeHealth } from './routes/prometheus';
import { assessHealth, type HealthThresholds } from '../domain/health/assess';
import { actionLinkRoutes } from './routes/action-links';
import { incidentRoutes } from './routes/incidents';
import { pagerDutyWebhookRoutes } from './routes/pagerduty-webhook';
import { processingEventRoutes } from './routes/processing-events';
import { complianceReportRoutes } from './routes/compliance-reports';
import { executiveRoutes } from './routes/executive';
import { experimentRoutes } from './routes/experiments';
import { createExperimentService } from '../app/experiment-service';
import { configSchema, type VigilConfig } from '../domain/config';
import { serviceRoutes } from './routes/services';
import { silenceRoutes } from './routes/silences';
import { deployRoutes } from './routes/deploys';
import { createSilenceService } from '../app/silence-service';
import { installAuth } from './auth/plugin';
import type { TeamsConfig } from '../domain/auth/teams';
import { loginRoutes } from './auth/login-routes';
import { consoleRoutes } from '../console/routes';

export interface ApiDeps {
  /**
   * Who may call what (config \`auth:\`). The product's entry points always pass it (default mode
   * keys). Left out — tests of other concerns, embedding — every route acts as an anonymous admin.
   */
  auth?: AuthDeps;
  /** Config \`teams:\`: the services each team owns, for users limited to teams. */
  teams?: TeamsConfig;
  /** Config (SLAs, `analytics:`) for the executive dashboard; defaults when left out. */
  config?: VigilConfig;
  /** Active regulations and their parameters; POST /v1/processing-events exists when given. */
  compliance?: ComplianceConfig;
  incidents: IncidentService;
  client: Client;
  pool: Pool;
  logger: Logger;
  /** PEM certificate chain and key: serve HTTPS (config api.tls). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest accepted request body, bytes. */
  bodyLimit?: number;
  /** HMAC secret for signed email action links; the /actions routes exist only when it is set. */
  actionSecret?: string;
  /** PagerDuty v3 webhook signing secret; when set, POST /v1/integrations/pagerduty acks/resolves from PagerDuty. */
  pagerDutyWebhookSecret?: string;
  /** Hands ingested windows to the service monitors (signal-with-start of `monitor/<service>`); without it POST /v1/metrics only stores them. */
  forwardWindows?: (windows: WindowSummary[]) => Promise<void>;
  /** When set (env ALERTMANAGER_TOKEN), POST /v1/alertmanager requires `Authorization: Bearer <token>`. */
  alertmanagerToken?: string;
  /** Ingest requests one API process works on at once before answering 429 (default 8). */
  maxIngestInFlight?: number;
  /**
   * Config `health:`. When given, /healthz also reports projection lag and failing activities and
   * answers 503 past these limits; without it, it answers for Postgres and Temporal only.
   */
  health?: HealthThresholds & { activityFailureStaleAfter: number };
}

export interface AuthDeps {
  mode: 'keys' | 'none';
  metricsPublic: boolean;
  keyCacheTtl: number;
  sessionTtl: number;
  proxy?: { header: string; trustedProxies: string[] };
}

const AUTH_OFF = 'off (auth.mode: none): anyone who can reach this API may act on incidents and silences';

/** How long /healthz waits for Postgres and for Temporal before calling the part down. */
export const HEALTH_TIMEOUT_MS = 2000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The HTTP API (stateless: run several behind a load balancer). */
export function createApiServer(deps: ApiDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // Signed action links carry their token in the path: keep it out of request logs.
    loggerInstance: deps.logger.child(
      { component: 'api' },
      { serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.replace(/\/actions\/[^?]*/, '/actions/[token]') }) } },
    ) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
    // Routing errors (bad percent-encoding, over-long parameters) leave in the same shape as every other error.
    frameworkErrors: errorHandler,
    clientErrorHandler,
  });
  app.setErrorHandler(errorHandler);
  const allowedFor = trackRouteMethods(app); // before any route: it learns them as they are registered
  app.setNotFoundHandler(notFoundHandler(allowedFor));
  app.addHook('onRequest', refuseWrongMethod(allowedFor));
  app.addHook('onRequest', refuseUnsafeQuery);
  const auth = deps.auth ?? { mode: 'none', metricsPublic: true, keyCacheTtl: 10_000, sessionTtl: 12 * 3_600_000 };
  if (deps.auth?.mode === 'none') deps.logger.warn({ component: 'api' }, `authentication is ${AUTH_OFF}`);
  const routeTokens = new Set(deps.alertmanagerToken ? ['POST /v1/alertmanager'] : []);
  installAuth(app, { pool: deps.pool, mode: auth.mode, metricsPublic: auth.metricsPublic, keyCacheMs: auth.keyCacheTtl, routeTokens, ...(auth.proxy ? { proxy: auth.proxy } : {}) });
  // The web console first: its pages and their data feeds are not part of the JSON API /openapi.json describes.
  consoleRoutes(app, { pool: deps.pool, config: deps.config ?? configSchema.parse({}), logger: deps.logger, ...(deps.teams ? { teams: deps.teams } : {}) });
  openApiRoutes(app); // before every route: it records the routes registered after it
  loginRoutes(app, { pool: deps.pool, sessionTtlMs: auth.sessionTtl, secureCookies: true });
  const telemetry = createApiTelemetry(deps.pool, deps.logger, deps.health ? { activityFailureStaleAfter: deps.health.activityFailureStaleAfter } : {});
  prometheusRoutes(app, telemetry);
  app.get('/healthz', async (_req, reply) => {
    const health = deps.health;
    // Bounded: a health check that hangs on a dead part is as bad as none (the Temporal client retries a refused connection).
    const [db, temporal, pipe] = await Promise.allSettled([
      within(HEALTH_TIMEOUT_MS, deps.pool.query('SELECT 1')),
      deps.client.connection.withDeadline(Date.now() + HEALTH_TIMEOUT_MS, () => deps.client.connection.workflowService.getSystemInfo({})),
      health ? within(HEALTH_TIMEOUT_MS, readPipeHealth(deps.pool, health.activityFailureStaleAfter)) : Promise.resolve(null),
    ]);
    // Said where monitoring looks, as well as at every start: an API open to anyone is a finding.
    const body = { postgres: db.status === 'fulfilled', temporal: temporal.status === 'fulfilled', ...(deps.auth?.mode === 'none' ? { auth: AUTH_OFF } : {}) };
    if (!health) return reply.status(body.postgres && body.temporal ? 200 : 503).send({ ok: body.postgres && body.temporal, ...body });
    const read = pipe.status === 'fulfilled' ? pipe.value : null;
    const verdict = assessHealth({ ...body, projection: read?.projection ?? null, activities: read?.activities ?? null }, health);
    return reply.status(verdict.ok ? 200 : 503).send({
      ok: verdict.ok,
      ...body,
      projection: read?.projection ?? null,
      activities: read ? { failing: read.activities } : null,
      problems: verdict.problems,
    });
  });
  incidentRoutes(app, deps.incidents, deps.teams);
  silenceRoutes(app, createSilenceService(deps.pool), deps.teams);
  serviceRoutes(app, deps.client);
  deployRoutes(app, deps.pool);
  if (deps.compliance) processingEventRoutes(app, { pool: deps.pool, incidents: deps.incidents, compliance: deps.compliance });
  complianceReportRoutes(app, deps.pool);
  executiveRoutes(app, { pool: deps.pool, config: deps.config ?? configSchema.parse({}) });
  experimentRoutes(app, createExperimentService({ client: deps.client, pool: deps.pool, config: deps.config ?? configSchema.parse({}) }));
  if (!deps.forwardWindows) deps.logger.warn({ component: 'api' }, 'POST /v1/metrics stores windows but forwards them to no monitor (no forwardWindows)');
  metricsRoutes(app, { pool: deps.pool, forward: deps.forwardWindows ?? (async () => undefined), telemetry, ...(deps.maxIngestInFlight ? { maxInFlight: deps.maxIngestInFlight } : {}) });
  alertmanagerRoutes(app, { incidents: deps.incidents, ...(deps.alertmanagerToken ? { token: deps.alertmanagerToken } : {}) });
  if (deps.actionSecret) actionLinkRoutes(app, { incidents: deps.incidents, pool: deps.pool, secret: deps.actionSecret });
  if (deps.pagerDutyWebhookSecret) pagerDutyWebhookRoutes(app, { incidents: deps.incidents, secret: deps.pagerDutyWebhookSecret, logger: deps.logger });
  return app;
}
