import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { storeWindows } from '../../db/metric-windows';
import { VigilError } from '../../domain/errors';
import { atMonitorAccuracy, metricsBatchSchema, windowsFromSamples } from '../../domain/metrics-input';
import type { WindowSummary } from '../../domain/window-summary';
import { ingestCaller } from '../auth/ingest';
import { parseOr400 } from '../errors';
import type { ApiTelemetry } from './prometheus';

/** Largest ingest body: 1,000 window summaries with their sketches fit comfortably. */
export const METRICS_BODY_LIMIT = 1_048_576;
/** Default for MetricsDeps.maxInFlight. */
export const DEFAULT_MAX_IN_FLIGHT = 8;

export interface MetricsDeps {
  pool: Pool;
  /** Hands new windows to the ServiceMonitor (signal-with-start of `monitor/<service>`); runs before the batch commits. */
  forward: (windows: WindowSummary[]) => Promise<void>;
  telemetry: ApiTelemetry;
  /**
   * Ingest requests this process works on at once; more get 429 + Retry-After. The limit is per API
   * process (replicas behind a load balancer each have their own), and it also keeps ingest from
   * taking every connection of the Postgres pool.
   */
  maxInFlight?: number;
}

const tokenService = new WeakMap<FastifyRequest, string>();
/** Not a service name (names start with a letter or digit): the caller may report for every service. */
const ANY_SERVICE = '*';

function entriesIn(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const { windows, samples } = body as { windows?: unknown; samples?: unknown };
  return (Array.isArray(windows) ? windows.length : 0) + (Array.isArray(samples) ? samples.length : 0);
}

/**
 * `POST /v1/metrics`: window summaries (from the SDK) and raw samples (from anything else), for
 * the one service the bearer token belongs to. A batch is all or nothing: any invalid entry and
 * nothing is stored or forwarded.
 */
export function metricsRoutes(app: FastifyInstance, deps: MetricsDeps): void {
  const maxInFlight = deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const { telemetry } = deps;
  let inFlight = 0;

  app.post(
    '/v1/metrics',
    {
      bodyLimit: METRICS_BODY_LIMIT,
      // Authenticate before the body is read: an unknown caller never gets to send a megabyte.
      onRequest: async (req) => {
        tokenService.set(req, (await ingestCaller(req, deps.pool, 'name'))?.service ?? ANY_SERVICE);
      },
      onResponse: async (_req, reply) => {
        telemetry.ingestRequests.inc({ code: String(reply.statusCode) });
      },
    },
    async (req, reply) => {
      if (inFlight >= maxInFlight) {
        return reply
          .status(429)
          .header('retry-after', '1')
          .send({ error: 'overloaded', message: `more than ${maxInFlight} ingest requests in flight on this API process; retry in a second` });
      }
      inFlight++;
      const service = tokenService.get(req)!;
      try {
        let batch;
        try {
          batch = parseOr400(metricsBatchSchema, req.body, 'body');
        } catch (err) {
          telemetry.ingestWindows.inc({ service, result: 'rejected' }, entriesIn(req.body));
          throw err;
        }
        const windows = (batch.windows ?? []).map((w) => ({ ...w, latency: atMonitorAccuracy(w.latency) }));
        const samples = batch.samples ?? [];
        const foreign = [
          ...windows.map((w, i) => ({ field: `body.windows.${i}.service`, service: w.service })),
          ...samples.map((s, i) => ({ field: `body.samples.${i}.service`, service: s.service })),
        ].filter((e) => service !== ANY_SERVICE && e.service !== service);
        if (foreign.length > 0) {
          telemetry.ingestWindows.inc({ service, result: 'rejected' }, windows.length + samples.length);
          return reply.status(403).send({
            error: 'forbidden',
            message: `this token reports for service "${service}" only, not "${foreign[0]!.service}"; create a token per service with \`vigil tokens create\``,
            issues: foreign.slice(0, 50).map((e) => ({ field: e.field, message: `service "${e.service}" is not this token's service "${service}"` })),
          });
        }
        const outcome = await storeWindows(deps.pool, { reported: windows, sampled: windowsFromSamples(samples, randomUUID()) }, async (stored) => {
          if (stored.length === 0) return;
          try {
            await deps.forward(stored);
          } catch (err) {
            req.log.warn({ err }, 'forwarding metric windows to the monitor failed; the batch was not stored');
            throw new VigilError('unavailable', 'could not hand the windows to the service monitor; nothing was stored, retry later');
          }
        });
        const accepted = windows.length - outcome.duplicates + samples.length;
        if (accepted > 0) telemetry.ingestWindows.inc({ service, result: 'accepted' }, accepted);
        if (outcome.duplicates > 0) telemetry.ingestWindows.inc({ service, result: 'duplicate' }, outcome.duplicates);
        return reply.status(202).send({ accepted, duplicates: outcome.duplicates });
      } finally {
        inFlight--;
      }
    },
  );
}
