// What an experiment is: variants with split weights, the unit that is randomised, the metric that
// decides, the guardrails that may not get worse than their margins, and the design (MDE, alpha,
// power) the sample size follows from. Parsed the same way from the API, the CLI and files.
import { z } from 'zod';
import { nameSchema } from '../names';
import { safeText } from '../text-schema';
import { EXPERIMENT_METRICS } from './metrics';

const metricSchema = z.enum(EXPERIMENT_METRICS, { error: () => `must be one of ${EXPERIMENT_METRICS.join(', ')}` });

const variantSchema = z.strictObject({
  name: nameSchema,
  weight: z.number().finite().positive('must be above 0'),
});

const guardrailSchema = z.strictObject({
  metric: metricSchema,
  /** Relative worsening tolerated: 0.1 lets p95 rise or quality fall by up to 10 % of control. */
  margin: z.number().finite().positive('must be above 0').max(1, 'must be at most 1 (a relative margin: 0.1 is 10 %)'),
});

/** An experiment as its owner writes it. The first variant is the control. */
export const experimentDefinitionSchema = z
  .strictObject({
    name: nameSchema,
    service: nameSchema.describe('the RAG service whose traffic is split'),
    description: safeText({ max: 1000 }).default(''),
    unit: z.enum(['user', 'session', 'request']).default('user').describe('what is randomised; with user or session the tests use the variance over units (delta method; for p95 a design effect from per-unit slow-request counts), which needs the unit id on the sample’s tag'),
    salt: safeText({ max: 100, min: 1 }).optional().describe('defaults to the name; change it to re-randomise'),
    // Checked on the array itself, so a bad split is reported together with any other bad field.
    variants: z
      .array(variantSchema)
      .min(2, 'needs a control and at least one treatment')
      .max(10, 'at most 10 variants')
      .superRefine((variants, ctx) => {
        const sum = variants.reduce((s, v) => s + v.weight, 0);
        if (Math.abs(sum - 1) > 1e-6 && Math.abs(sum - 100) > 1e-4) {
          ctx.addIssue({ code: 'custom', message: `weights must sum to 1 (or 100 as percentages), got ${Number(sum.toFixed(6))}` });
        }
        const names = new Set<string>();
        variants.forEach((v, i) => {
          if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `variant "${v.name}" appears twice` });
          names.add(v.name);
        });
      }),
    primary: metricSchema,
    secondary: z.array(metricSchema).max(10).default([]),
    guardrails: z.array(guardrailSchema).max(10).default([]),
    /** Relative minimum detectable effect on the primary metric: 0.05 is 5 % of control. */
    mde: z.number().finite().positive('must be above 0').max(1, 'must be at most 1 (relative: 0.05 is 5 %)'),
    alpha: z.number().gt(0, 'must be above 0').max(0.2, 'must be at most 0.2').default(0.05),
    power: z.number().min(0.5, 'must be at least 0.5').lt(1, 'must be below 1').default(0.8),
    baseline: z
      .strictObject({ mean: z.number().finite().positive('must be above 0'), sd: z.number().finite().positive('must be above 0') })
      .optional()
      .describe("the primary metric's control mean and per-unit standard deviation (p95_latency: the sd of log latency)"),
    reportChannels: z.array(nameSchema).max(10).default([]).describe('channels the reports are posted to (names from the config’s channels)'),
    stopForFutility: z.boolean().default(true).describe('stop a treatment whose interval rules out the MDE, or after twice the planned units'),
    unitsPerDay: z.number().finite().positive('must be above 0').optional().describe('traffic used for the duration estimate; default: the service’s last 24 h of requests'),
  })
  .superRefine((d, ctx) => {
    d.secondary.forEach((m, i) => {
      if (m === d.primary) ctx.addIssue({ code: 'custom', path: ['secondary', i], message: `${m} is already the primary metric` });
    });
    const guarded = new Set<string>();
    d.guardrails.forEach((g, i) => {
      if (guarded.has(g.metric)) ctx.addIssue({ code: 'custom', path: ['guardrails', i, 'metric'], message: `${g.metric} is guarded twice` });
      guarded.add(g.metric);
    });
  });

export type ExperimentDefinitionInput = z.input<typeof experimentDefinitionSchema>;
export type ExperimentDefinition = z.output<typeof experimentDefinitionSchema>;

/** The salt assignment hashes with. */
export const saltOf = (d: Pick<ExperimentDefinition, 'name' | 'salt'>): string => d.salt ?? d.name;

/** `experiment/<name>`: one workflow per experiment. */
export const experimentWorkflowId = (name: string): string => `experiment/${name}`;
