import type { Pool } from 'pg';
import { planRollups } from '../../domain/analytics/plan';
import { combineRollups, rollHour } from '../../domain/analytics/rollup';
import { DAY_MS, HOUR_MS } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import { slaFor } from '../../domain/sla-config';
import { hourlyTotalsBetween, incidentFactsBetween, lateHours, notificationsBetween, readRollups, rollupWatermark, storeRollups, windowsBetween } from '../../db/analytics/rollups';
import type { AnalyticsActivities } from './types';

export interface RollupDeps {
  pool: Pool;
  config: VigilConfig;
}

/** Rolls one hour: reads every input, computes in domain/, writes in one transaction. */
export async function rollOneHour(deps: RollupDeps, slot: number): Promise<number> {
  const { pool, config } = deps;
  const a = config.analytics;
  const end = slot + HOUR_MS;
  const [windows, incidents, notifications, prior] = await Promise.all([
    windowsBetween(pool, slot, end),
    incidentFactsBetween(pool, slot, end),
    notificationsBetween(pool, slot, end),
    hourlyTotalsBetween(pool, end - a.sloWindow, slot),
  ]);
  const services = [...new Set([...windows.keys(), ...incidents.keys(), ...notifications.keys()])].sort();
  const rows = services.map((service) =>
    rollHour(windows.get(service) ?? [], {
      service,
      slotStart: slot,
      slotMs: HOUR_MS,
      sla: slaFor(config.services, config.slaDefaults, service),
      sliceMs: a.sliceDuration,
      sloWindowMs: a.sloWindow,
      priorRequests: prior.get(service)?.requests ?? 0,
      priorErrors: prior.get(service)?.errors ?? 0,
      incidents: incidents.get(service) ?? [],
      notificationsByChannel: notifications.get(service) ?? {},
    }),
  );
  await storeRollups(pool, 'hour', slot, rows);
  return rows.length;
}

/** Rolls one day from its hourly rollups (hours with no row simply had nothing). */
export async function rollOneDay(deps: RollupDeps, slot: number): Promise<number> {
  const hours = await readRollups(deps.pool, 'hour', slot, slot + DAY_MS);
  const byService = new Map<string, typeof hours>();
  for (const h of hours) byService.set(h.service, [...(byService.get(h.service) ?? []), h]);
  const rows = [...byService].map(([service, parts]) => combineRollups(service, slot, parts));
  await storeRollups(deps.pool, 'day', slot, rows);
  return rows.length;
}

/** The rollup activities; `asOf` and slots come from the workflow, never this process's clock. */
export function createAnalyticsActivities(deps: RollupDeps): AnalyticsActivities {
  return {
    async planRollups({ asOf, period }) {
      const maxCatchupMs = deps.config.analytics.maxCatchup;
      const [hourWatermark, dayWatermark] = await Promise.all([rollupWatermark(deps.pool, 'hour'), rollupWatermark(deps.pool, 'day')]);
      const late = hourWatermark === null ? [] : await lateHours(deps.pool, hourWatermark + HOUR_MS, asOf - maxCatchupMs);
      return planRollups({ asOf, period, hourWatermark, dayWatermark, lateHours: late, maxCatchupMs });
    },
    async rollHour({ slot }) {
      return { services: await rollOneHour(deps, slot) };
    },
    async rollDay({ slot }) {
      return { services: await rollOneDay(deps, slot) };
    },
  };
}
