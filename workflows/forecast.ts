import { proxyActivities } from '@temporalio/workflow';
import type { ForecastActivities } from '../activities/analytics/forecast';
import { scheduledTime } from './scheduled-time';

export interface ForecastInput {
  mlTaskQueue: string;
  /** ISO time the forecasts start from; default the Schedule's slot, else now. */
  asOf?: string;
}

/**
 * Forecast, run daily by the `vigil-forecast` Schedule: per service, hourly requests, p95, quality,
 * cost and errors for the next 7 and 30 days with 80/95 % intervals, fitted on the vigil-ml workers
 * one service at a time; then capacity is planned against the new traffic forecasts and every
 * recommendation (capacity, error budget, quality, cost, spend) stored in one ranked list. Each
 * store replaces its own rows (keyed by the slot), so a retry is harmless.
 */
export async function forecastWorkflow(input: ForecastInput): Promise<Array<{ service: string; methods: Record<string, string> }>> {
  const ml = proxyActivities<ForecastActivities>({ taskQueue: input.mlTaskQueue, startToCloseTimeout: '10m', retry: { maximumAttempts: 3, initialInterval: '10s' } });
  const asOf = input.asOf ? Date.parse(input.asOf) : (scheduledTime() ?? Date.now());
  const services = await ml.listForecastServices({ asOf });
  const out = [];
  for (const service of services) out.push(await ml.forecastService({ service, asOf }));
  await ml.planCapacity({ asOf });
  return out;
}
