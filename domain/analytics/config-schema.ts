import { z } from 'zod';
import { durationSchema } from '../duration-schema';
import { nameSchema } from '../names';
import { periodSchema } from './period';

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

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** An IANA zone the runtime knows ("Europe/Paris"); Temporal's scheduler resolves the same names. */
const timeZoneSchema = z.string().min(1).max(100).superRefine((tz, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${tz}" is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)` });
  }
});

/** `analytics.reports`: the weekly executive report's Schedule and where it goes. */
export const executiveReportsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('create the vigil-executive-report Schedule (only when channels are set)'),
    channels: z.array(nameSchema).default([]).describe('channels that receive the report (email, slack, teams, webhook, console)'),
    dayOfWeek: z.enum(DAYS).default('MONDAY').describe('the day the report goes out'),
    hour: z.number().int().min(0).max(23).default(8).describe('the hour it goes out, in timeZone'),
    timeZone: timeZoneSchema.default('UTC').describe('IANA time zone of dayOfWeek and hour'),
    period: periodSchema.default('7d').describe('the stretch each report covers, ending at the last rolled-up hour'),
  })
  .strict();

export type ExecutiveReportsConfig = z.output<typeof executiveReportsSchema>;

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
    reports: executiveReportsSchema
      .default({ enabled: true, channels: [], dayOfWeek: 'MONDAY', hour: 8, timeZone: 'UTC', period: '7d' })
      .describe('the weekly executive report: when, over what period, to which channels (through the notification ledger)'),
  })
  .strict();

export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>;
export type HealthWeights = z.output<typeof healthWeightsSchema>;
export type Assumptions = z.output<typeof assumptionsSchema>;
