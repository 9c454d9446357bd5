import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import type { Pool } from 'pg';
import { parseConfig } from '../app/config-file';
import { createIncidentService } from '../app/incident-service';
import type { VigilConfig } from '../domain/config';
import { fingerprint, incidentWorkflowId } from '../domain/fingerprint';
import { violationSchema, type Violation } from '../domain/violation';
import { createCoreWorker, type CoreWorkerTuning } from '../workers/core-worker';
import { capturePages } from './page-capture';
import { runPhase, type PhaseResult } from './phase';

/** What the Vigil phase runs against. */
export interface IncidentsDeps {
  client: Client;
  connection: NativeConnection;
  pool: Pool;
  temporalAddress: string;
  namespace: string;
  /** The bundle of workflows/index.ts (bundled before measuring). */
  bundleCode: string;
  n: number;
  concurrency: number;
  timeoutMs: number;
  /** Service name prefix, so several Vigil phases in one run open distinct incidents. */
  prefix?: string;
  tuning?: CoreWorkerTuning;
}

/** One console channel paged immediately: the first notification is the console notifier's PAGE line. */
export function benchConfig(temporalAddress: string, namespace: string): VigilConfig {
  return parseConfig(
    {
      temporal: { address: temporalAddress, namespace },
      channels: { console: { type: 'console' } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } },
    },
    'bench',
    {},
  );
}

/** The i-th violation: one distinct service each, so every violation opens its own incident. */
export function benchViolation(i: number, prefix = 'bench-svc'): Violation {
  return violationSchema.parse({
    service: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'critical',
    title: 'p95 response time above SLA',
    current: 2400,
    threshold: 1500,
    unit: 'ms',
  });
}

/**
 * Vigil: n incidents raised through the incident service (signal-with-start) on one core worker.
 * Latency = the console notifier's PAGE line − the raise() call.
 */
export function runIncidents(deps: IncidentsDeps): Promise<PhaseResult> {
  const config = benchConfig(deps.temporalAddress, deps.namespace);
  const service = createIncidentService({ client: deps.client, pool: deps.pool, config });
  const violations = Array.from({ length: deps.n }, (_, i) => benchViolation(i, deps.prefix));
  const keys = violations.map((v) => incidentWorkflowId(fingerprint(v.service, v.kind, v.dimension)));
  const pages = capturePages();
  return runPhase({
    name: 'vigil',
    n: deps.n,
    concurrency: deps.concurrency,
    timeoutMs: deps.timeoutMs,
    arrivals: pages.firstPage,
    keyOf: (i) => keys[i]!,
    createWorker: () =>
      createCoreWorker({
        connection: deps.connection,
        config,
        pool: deps.pool,
        logger: pino({ name: 'vigil', level: 'info' }, pages),
        env: {},
        workflowBundle: { code: deps.bundleCode },
        ...(deps.tuning ? { tuning: deps.tuning } : {}),
      }),
    async start(i) {
      await service.raise(violations[i]!);
    },
  });
}
