import { getClient } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createIncidentService } from '../../app/incident-service';
import { storeWindows } from '../../db/metric-windows';
import type { VigilConfig } from '../../domain/config';
import { slaFor } from '../../domain/sla-config';
import { violationSchema } from '../../domain/violation';
import type { MonitorActivities } from './types';

export interface MonitorDeps {
  pool: Pool;
  config: VigilConfig;
  logger: Logger;
  /** Defaults to the worker's own client (the activity context's); tests may pass one. */
  client?: () => Client;
}

/** The ServiceMonitor's side effects: incidents through the same service the API uses, windows into Postgres. */
export function createMonitorActivities(deps: MonitorDeps): MonitorActivities {
  const incidents = () => createIncidentService({ client: (deps.client ?? getClient)(), pool: deps.pool, config: deps.config });
  return {
    async loadMonitorSettings({ service }) {
      const a = deps.config.anomalyDetection;
      return {
        sla: slaFor(deps.config.services, deps.config.slaDefaults, service),
        anomaly: { enabled: a.enabled, openAfter: a.openAfter, resolveAfter: a.resolveAfter },
        mlTaskQueue: deps.config.temporal.mlTaskQueue,
      };
    },

    async applyMonitorActions({ actions }) {
      const svc = incidents();
      let raised = 0;
      let cleared = 0;
      for (const a of actions) {
        if (a.type === 'raise') {
          // Parsed like any API input, so a monitor can never open an incident the API would refuse.
          await svc.raise(violationSchema.parse({ ...a.violation, title: a.violation.title.slice(0, 300), impact: a.violation.impact?.slice(0, 1000) }));
          raised++;
        } else if (await svc.clear({ service: a.service, kind: a.kind, dimension: a.dimension }, a.reason)) {
          cleared++;
        }
      }
      if (raised || cleared) deps.logger.info({ raised, cleared }, 'monitor actions applied');
      return { raised, cleared };
    },

    async storeWindows({ windows }) {
      const out = await storeWindows(deps.pool, { reported: windows, sampled: [] }, async () => undefined);
      return { stored: out.stored.length };
    },
  };
}
