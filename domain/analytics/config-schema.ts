import { z } from 'zod';
import { durationSchema } from '../duration-schema';

const DAY = 86_400_000;
const weight = (what: string) => z.number().min(0).describe(`weight of ${what} in the health score`);
const money = (what: string) => z.number().nonnegative().optional().describe(what);

/** Health-score weights (renormalised over the components a service has data for). */
export const healthWeightsSchema = z
  .object({
    reliability: weight('reliability (SLA compliance, error budget left)').default(0.4),
    quality: weight('answer quality and satisfaction').default(0.3),
    costEfficiency: weight('cost per successful answer against its target').default(0.15),
    openIncidents: weight('open incidents (none = full marks)').default(0.15),
  })
  .strict()
  .refine((w) => w.reliability + w.quality + w.costEfficiency + w.openIncidents > 0, { message: 'at least one weight must be above 0' });

/**
 * Business assumptions: each impact figure is computed only when the assumptions it needs are
 * set, and is shown next to them. Nothing here has a default: an invented number would be shown as a fact.
 */
export const assumptionsSchema = z
  .object({
    minutesSavedPerAnswer: money('minutes of work a successful answer saves a person'),
    loadedHourlyCostUsd: money('fully loaded cost of an hour of that person\'s time (USD)'),
    valuePerResolvedQueryUsd: money('revenue or value of one successfully answered query (USD)'),
    outageMinuteCostUsd: money('cost of one minute of outage (USD)'),
    monthlyBudgetUsd: money('monthly spend budget for the whole estate (USD)'),
    targetCostPerSuccessUsd: money('cost per successful answer that counts as fully efficient (USD); cost efficiency is judged against it'),
  })
  .strict();

/** The `analytics:` section: rollup schedules, SLO window, health weights, business assumptions. */
export const analyticsConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('create the executive rollup Schedules (hourly at :05, daily at 00:10 UTC)'),
    sliceDuration: durationSchema.default(300_000).describe('SLA timeslice length: the share of slices meeting every SLA is the SLA compliance'),
    sloWindow: durationSchema.default(30 * DAY).describe('error-budget window (rolling)'),
    maxCatchup: durationSchema.default(7 * DAY).describe('after downtime, missed hours and days within this are rolled up'),
    healthWeights: healthWeightsSchema.default({ reliability: 0.4, quality: 0.3, costEfficiency: 0.15, openIncidents: 0.15 }),
    assumptions: assumptionsSchema.default({}),
    capacity: z
      .object({
        headroom: z.number().min(0).max(5).default(0.3).describe('plan so the forecast peak uses at most 1/(1+headroom) of capacity'),
        costPerReplicaHourUsd: z.number().nonnegative().optional().describe('cost of one replica-hour (USD), for the cost of a capacity change'),
        perReplicaRps: z
          .record(z.string().min(1).max(100), z.number().positive())
          .default({})
          .describe('per service: requests/s one replica sustains, overriding what the USL fit learns from history'),
      })
      .strict()
      .default({ headroom: 0.3, perReplicaRps: {} }),
  })
  .strict();

export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>;
export type HealthWeights = z.output<typeof healthWeightsSchema>;
export type Assumptions = z.output<typeof assumptionsSchema>;
