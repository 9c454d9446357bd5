import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PROJECTION_ACTIVITY } from '../../activities/store/types';
import { failingActivities } from '../../db/activity-failures';
import { projectionBacklog } from '../../db/incidents';
import { recentServiceSlis, type ServiceSli } from '../../db/metric-windows';
import { ageSeconds, HEALTH_DEFAULTS, type FailingActivity } from '../../domain/health/assess';
import { quantile } from '../../domain/latency-sketch';
import { SEVERITIES } from '../../domain/severity';

/** The span the per-service SLIs cover (like a `[5m]` range in PromQL). */
export const SLI_RANGE_MS = 5 * 60_000;

/** Every series name /metrics exposes besides the default process metrics (the Grafana dashboard test reads this). */
export const VIGIL_METRIC_NAMES = [
  'vigil_incidents_open',
  'vigil_notifications_total',
  'vigil_ingest_windows_total',
  'vigil_ingest_requests_total',
  'vigil_http_request_duration_seconds',
  'vigil_service_p95_ms',
  'vigil_service_availability',
  'vigil_service_quality',
  'vigil_service_requests_per_second',
  'vigil_postgres_up',
  'vigil_projection_failures_total',
  'vigil_projection_lag_seconds',
  'vigil_activity_oldest_failing_seconds',
  'vigil_activities_failing',
] as const;

/** How far the pipe from workflows to Postgres is behind, for /metrics and /healthz alike. */
export interface PipeHealth {
  projection: { lagSeconds: number; failures: number };
  activities: FailingActivity[];
}

/** Two indexed reads of small tables (rows exist only while something fails): fit for every health check. */
export async function readPipeHealth(pool: Pool, staleAfterMs: number): Promise<PipeHealth> {
  const [backlog, failing] = await Promise.all([projectionBacklog(pool, PROJECTION_ACTIVITY, staleAfterMs), failingActivities(pool, staleAfterMs)]);
  return {
    projection: { lagSeconds: ageSeconds(backlog.now.getTime(), backlog.oldestChangeAt?.getTime() ?? null), failures: backlog.pending },
    activities: failing.map((r) => ({
      type: r.activity_type,
      count: r.failing,
      oldestSeconds: ageSeconds(r.now.getTime(), r.oldest_failed_at.getTime()),
      lastError: r.last_error,
    })),
  };
}

/** The API process's own metrics, in a registry of its own so several servers can live in one process (tests). */
export interface ApiTelemetry {
  registry: Registry;
  ingestWindows: Counter<'service' | 'result'>;
  ingestRequests: Counter<'code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/**
 * Builds the registry. Incident and notification figures come from the Postgres projection at
 * scrape time, so every API replica reports the same, whole-system numbers; the ingest counters
 * and the request histogram are this process's own (sum them across replicas).
 */
export function createApiTelemetry(pool: Pool, logger: Pick<Logger, 'warn'>, opts: { activityFailureStaleAfter?: number } = {}): ApiTelemetry {
  const staleAfter = opts.activityFailureStaleAfter ?? HEALTH_DEFAULTS.activityFailureStaleAfter;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // One round of queries per scrape, shared by the gauges below (prom-client collects them in parallel).
  let scrape:
    | { at: number; data: Promise<{ open: Map<string, number>; sent: Array<{ channel_type: string; status: string; n: string }>; slis: ServiceSli[]; refused: Array<{ recovered: boolean; n: string }>; pipe: PipeHealth } | null> }
    | undefined;
  const scraped = () => {
    if (!scrape || Date.now() - scrape.at > 1000) {
      const data = Promise.all([
        pool.query<{ severity: string; n: string }>(`SELECT severity, count(*) AS n FROM incidents WHERE status <> 'resolved' GROUP BY severity`),
        pool.query<{ channel_type: string; status: string; n: string }>('SELECT channel_type, status, count(*) AS n FROM notifications GROUP BY 1, 2'),
        recentServiceSlis(pool, SLI_RANGE_MS),
        pool.query<{ recovered: boolean; n: string }>('SELECT recovered, count(*) AS n FROM projection_failures GROUP BY 1'),
        readPipeHealth(pool, staleAfter),
      ]).then(
        ([open, sent, slis, refused, pipe]) => ({ open: new Map(open.rows.map((r) => [r.severity, Number(r.n)])), sent: sent.rows, slis, refused: refused.rows, pipe }),
        (err: Error) => {
          // A scrape must still show the process metrics (and vigil_postgres_up 0) while Postgres is down.
          logger.warn({ err: err.message }, '/metrics could not read Postgres');
          return null;
        },
      );
      scrape = { at: Date.now(), data };
    }
    return scrape.data;
  };

  new Gauge({
    name: 'vigil_postgres_up',
    help: '1 when this scrape could read the Postgres projections',
    registers,
    async collect() {
      this.set((await scraped()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vigil_incidents_open',
    help: 'Incidents not yet resolved, by severity (from the Postgres projection)',
    labelNames: ['severity'],
    registers,
    async collect() {
      const d = await scraped();
      this.reset();
      if (d) for (const s of SEVERITIES) this.set({ severity: s }, d.open.get(s) ?? 0);
    },
  });
  new Counter({
    name: 'vigil_notifications_total',
    help: 'Notification ledger entries by channel type and status (sending, sent, failed)',
    labelNames: ['channel_type', 'status'],
    registers,
    async collect() {
      const d = await scraped();
      this.reset();
      for (const r of d?.sent ?? []) this.inc({ channel_type: r.channel_type, status: r.status }, Number(r.n));
    },
  });

  new Counter({
    name: 'vigil_projection_failures_total',
    help: 'Incident projections Postgres refused for their data; recovered="true" were written with unstorable characters replaced, "false" were not stored',
    labelNames: ['recovered'],
    registers,
    async collect() {
      const d = await scraped();
      this.reset();
      for (const r of d?.refused ?? []) this.inc({ recovered: String(r.recovered) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'vigil_projection_lag_seconds',
    help: 'Age of the oldest incident change not in Postgres (refused and not superseded, or its projection still retrying); 0 when the projection is current',
    registers,
    async collect() {
      const d = await scraped();
      // No sample while Postgres cannot be read: a 0 would claim the projection is current.
      this.reset();
      if (d) this.set(d.pipe.projection.lagSeconds);
    },
  });
  new Gauge({
    name: 'vigil_activity_oldest_failing_seconds',
    help: 'Per activity type, how long its oldest failing (and still retried) activity has been failing; no series when none fails',
    labelNames: ['activity_type'],
    registers,
    async collect() {
      const d = await scraped();
      this.reset();
      for (const a of d?.pipe.activities ?? []) this.set({ activity_type: a.type }, a.oldestSeconds);
    },
  });
  new Gauge({
    name: 'vigil_activities_failing',
    help: 'Per activity type, how many sends, projections or other activities are failing and still retried',
    labelNames: ['activity_type'],
    registers,
    async collect() {
      const d = await scraped();
      this.reset();
      for (const a of d?.pipe.activities ?? []) this.set({ activity_type: a.type }, a.count);
    },
  });

  const sli = (name: string, help: string, value: (s: ServiceSli) => number | null) =>
    new Gauge({
      name,
      help: `${help} (metric windows of the last ${SLI_RANGE_MS / 60_000} minutes)`,
      labelNames: ['service'],
      registers,
      async collect() {
        const d = await scraped();
        this.reset();
        for (const s of d?.slis ?? []) {
          const v = value(s);
          if (v !== null && Number.isFinite(v)) this.set({ service: s.service }, v);
        }
      },
    });
  sli('vigil_service_p95_ms', '95th percentile response time, ms', (s) => quantile(s.latency, 0.95));
  sli('vigil_service_availability', 'Share of requests that succeeded', (s) => (s.requests > 0 ? 1 - s.errors / s.requests : null));
  sli('vigil_service_quality', 'Average answer quality score', (s) => s.qualityAvg);
  sli('vigil_service_requests_per_second', 'Requests per second', (s) => s.requests / (SLI_RANGE_MS / 1000));

  return {
    registry,
    ingestWindows: new Counter({
      name: 'vigil_ingest_windows_total',
      help: 'Ingested metric windows (and raw samples) by service and result: accepted, duplicate, rejected',
      labelNames: ['service', 'result'],
      registers,
    }),
    ingestRequests: new Counter({ name: 'vigil_ingest_requests_total', help: 'POST /v1/metrics requests by HTTP status', labelNames: ['code'], registers }),
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/** `GET /metrics` in the Prometheus text format, plus the request-duration hook for every route. */
export function prometheusRoutes(app: FastifyInstance, telemetry: ApiTelemetry): void {
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, not the URL: ids in paths would make a series per incident.
    const route = req.routeOptions.url ?? 'unmatched';
    telemetry.httpDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await telemetry.registry.metrics();
    return reply.type(telemetry.registry.contentType).send(body);
  });
}
