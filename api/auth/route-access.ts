import type { Scope } from '../../domain/auth/scopes';

/**
 * Who may call each route. Every registered route must be here (test/integration/auth-routes.test.ts
 * fails on a route without an entry, and a request to one is refused): an endpoint is never public
 * by omission.
 * - `public`: anyone (health, the spec, the console's login).
 * - `signed`: the request carries its own proof (Slack's signature, a PagerDuty webhook secret, a
 *   signed action link) and the route checks it.
 * - `ingest`: a per-service ingest token (checked by the route), or an API key holding `metrics:write`
 *   (checked here; it may report for any service).
 * - a scope: an API key, a session or a trusted proxy identity holding it.
 * - `tokenOrScope`: the route's own shared token when one is configured (Alertmanager's), or an API
 *   key holding the scope; with neither configured nor sent, 401 — never open by default.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'signed' }
  | { kind: 'ingest' }
  | { kind: 'scope'; scope: Scope }
  | { kind: 'tokenOrScope'; scope: Scope }
  // A console page: any signed-in identity; without one the browser is sent to /login instead of a 401.
  | { kind: 'page' };

const scope = (s: Scope): Access => ({ kind: 'scope', scope: s });
const PUBLIC: Access = { kind: 'public' };
const SIGNED: Access = { kind: 'signed' };
const INGEST: Access = { kind: 'ingest' };

export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /healthz': PUBLIC,
  // Prometheus scrapes without credentials by default; `auth.metricsPublic: false` puts it behind `admin`.
  'GET /metrics': PUBLIC,
  'GET /openapi.json': PUBLIC,
  'POST /v1/auth/login': PUBLIC,
  'POST /v1/auth/logout': PUBLIC,
  'GET /v1/auth/me': scope('incidents:read'),
  'POST /v1/incidents': scope('incidents:write'),
  'GET /v1/incidents': scope('incidents:read'),
  'GET /v1/incidents/:id': scope('incidents:read'),
  'POST /v1/incidents/:id/acknowledge': scope('incidents:write'),
  'POST /v1/incidents/:id/resolve': scope('incidents:write'),
  'POST /v1/incidents/:id/snooze': scope('incidents:write'),
  'POST /v1/incidents/:id/escalate': scope('incidents:write'),
  'POST /v1/incidents/:id/note': scope('incidents:write'),
  'GET /v1/silences': scope('silences:read'),
  'POST /v1/silences': scope('silences:write'),
  'DELETE /v1/silences/:id': scope('silences:write'),
  'GET /v1/services/:service/sla': scope('incidents:read'),
  // A CI pipeline reporting deploys holds an ingest-style key; the console reads them with the incidents.
  'POST /v1/deploys': scope('metrics:write'),
  'GET /v1/deploys': scope('incidents:read'),
  'GET /v1/compliance/reports': scope('compliance:read'),
  'GET /v1/compliance/reports/:file': scope('compliance:read'),
  'GET /v1/executive/dashboard': scope('analytics:read'),
  'POST /v1/experiments': scope('experiments:write'),
  'GET /v1/experiments': scope('experiments:read'),
  'GET /v1/experiments/:name': scope('experiments:read'),
  'POST /v1/experiments/:name/pause': scope('experiments:write'),
  'POST /v1/experiments/:name/resume': scope('experiments:write'),
  'POST /v1/experiments/:name/stop': scope('experiments:write'),
  'GET /v1/experiments/:name/report': scope('experiments:read'),
  // The SDK's calls: a service's key that may report metrics may also assign and report variants.
  'GET /v1/experiments/:name/assignment': scope('metrics:write'),
  'POST /v1/experiment-windows': scope('metrics:write'),
  'POST /v1/metrics': INGEST,
  'POST /v1/processing-events': INGEST,
  'POST /v1/alertmanager': { kind: 'tokenOrScope', scope: 'incidents:write' },
  'POST /v1/integrations/pagerduty': SIGNED,
  'GET /actions/*': SIGNED,
  'POST /actions/*': SIGNED,
};

const PAGE: Access = { kind: 'page' };

/**
 * The web console's routes (console/routes.ts): registered before /openapi.json starts recording, as
 * they are pages and the pages' own data feeds, not the JSON API's contract. Each data feed needs the
 * scope of the API data it shows.
 */
export const CONSOLE_ACCESS: Record<string, Access> = {
  'GET /': PAGE,
  'GET /login': PUBLIC,
  'GET /assets/*': PUBLIC,
  'GET /incidents': PAGE,
  'GET /incidents/:id': PAGE,
  'GET /services': PAGE,
  'GET /services/:service': PAGE,
  'GET /exec': PAGE,
  'GET /oncall': PAGE,
  'GET /silences': PAGE,
  'GET /compliance': PAGE,
  'GET /experiments': PAGE,
  'GET /experiments/:name': PAGE,
  'GET /console/events': scope('incidents:read'),
  'GET /console/data/services': scope('incidents:read'),
  'GET /console/data/services/:service': scope('incidents:read'),
  'GET /console/data/incident-stats': scope('incidents:read'),
  'GET /console/data/exec-series': scope('analytics:read'),
  'GET /console/data/exec-report.md': scope('analytics:read'),
  'GET /console/data/oncall': scope('incidents:read'),
  'GET /console/data/silence-preview': scope('silences:read'),
  'GET /console/data/audit': scope('compliance:read'),
  'GET /console/data/experiments': scope('experiments:read'),
  'GET /console/data/experiments/:name': scope('experiments:read'),
};

/** The rule for a route pattern and method (HEAD follows GET), or undefined when it has none. */
export function accessFor(method: string, url: string, metricsPublic = true): Access | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  const rule = ROUTE_ACCESS[`${m} ${url}`] ?? CONSOLE_ACCESS[`${m} ${url}`];
  if (rule && url === '/metrics' && !metricsPublic) return scope('admin');
  return rule;
}
