import { z } from 'zod';
import { labelsSchema, nameSchema, severitySchema } from './names';

/** What a detector (SLA check, anomaly model, Alertmanager, a human) reports: one occurrence of a problem. */
export const violationSchema = z.object({
  service: nameSchema,
  kind: nameSchema.describe('e.g. response_time_sla, availability_sla, quality_sla, anomaly'),
  dimension: z.string().max(200).default('').describe('what within the service, e.g. "p95" or an endpoint'),
  severity: severitySchema,
  title: z.string().trim().min(1, 'must not be empty').max(300),
  current: z.number().finite().optional(),
  threshold: z.number().finite().optional(),
  unit: z.string().max(20).optional(),
  impact: z.string().max(1000).optional(),
  labels: labelsSchema.default({}),
  occurrenceId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('idempotency key: the same id reported twice counts once'),
});

export type Violation = z.output<typeof violationSchema>;
export type ViolationInput = z.input<typeof violationSchema>;

/** The facts an incident shows about its latest occurrence. */
export interface IncidentDetails {
  current?: number;
  threshold?: number;
  unit?: string;
  impact?: string;
}
