import { z } from 'zod';
import { durationSchema } from '../duration-schema';
import { nameSchema } from '../names';

const DAY = 86_400_000;

/** `compliance.reports`: the ComplianceAudit Schedule and where its reports go. */
export const complianceReportsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('create the vigil-compliance-audit Schedule'),
    every: durationSchema.default(DAY).describe('how often a report is made (the Schedule interval)'),
    offset: durationSchema.default(6 * 3_600_000).describe('when in each interval, from the Unix epoch (UTC): "6h" with every "1d" runs at 06:00 UTC'),
    period: durationSchema.optional().describe('the stretch each report covers; defaults to `every` so reports tile time'),
    channels: z.array(nameSchema).default([]).describe('channels that receive every report (email, slack, teams, webhook, console)'),
    catchupWindow: durationSchema.default(7 * DAY).describe('missed runs within this are made after downtime, one report each'),
    accessWindow: durationSchema.default(3_600_000).describe('window for counting accesses per actor'),
    accessFactor: z.number().positive().default(5).describe('an actor is unusual above this × their median accesses per window'),
  })
  .strict()
  .refine((r) => r.offset < r.every, { message: 'offset must be shorter than every', path: ['offset'] });

export type ComplianceReportsConfig = z.output<typeof complianceReportsSchema>;

export const COMPLIANCE_REPORTS_DEFAULTS: ComplianceReportsConfig = complianceReportsSchema.parse({});
