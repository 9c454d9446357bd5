import { z } from 'zod';
import { labelsSchema, nameSchema, severitySchema } from './names';
import { safeLine, safeText } from './text-schema';

/** What a detector (SLA check, anomaly model, Alertmanager, a human) reports: one occurrence of a problem. */
export const violationSchema = z.object({
  service: nameSchema,
  kind: nameSchema.describe('e.g. response_time_sla, availability_sla, quality_sla, anomaly'),
  dimension: safeText({ max: 200 }).default('').describe('what within the service, e.g. "p95" or an endpoint'),
  severity: severitySchema,
  title: safeText({ max: 300, min: 1, trim: true }),
  current: z.number().finite().optional(),
  threshold: z.number().finite().optional(),
  unit: safeLine({ max: 20 }).optional(),
  impact: safeText({ max: 1000 }).optional(),
  labels: labelsSchema.default({}),
  occurrenceId: safeText({ max: 200, min: 1 })
    .optional()
    .describe('idempotency key: the same id reported twice counts once'),
});

/**
 * A violation as API clients send it: unknown fields are refused (400 naming them) so a misspelt
 * `occurenceId` or `treshold` is not silently dropped. Internal callers that spread richer objects
 * (the monitor activity, Alertmanager) keep using violationSchema.
 */
export const violationBodySchema = violationSchema.strict();

export type Violation = z.output<typeof violationSchema>;
export type ViolationInput = z.input<typeof violationSchema>;

/** The facts an incident shows about its latest occurrence. */
export interface IncidentDetails {
  current?: number;
  threshold?: number;
  unit?: string;
  impact?: string;
}
