import { z } from 'zod';
import { durationSchema } from './duration-schema';

const ratio = (what: string) => z.number().gt(0, `${what} is a ratio above 0`).lt(1, `${what} is a ratio below 1, e.g. 0.995`);

// Field checks without defaults, so a per-service override holds only what its author wrote.
const fields = {
  p95LatencyMs: z.number().positive().describe('p95 response time above this → high'),
  availability: ratio('availability').describe('success ratio below this → critical'),
  minQuality: z.number().min(0).max(1).describe('average quality score below this → medium'),
  evaluationWindow: durationSchema.describe('recent windows merged for each SLA check'),
  minRequests: z.number().int().min(1).describe('no verdict on fewer requests than this'),
  openAfter: z.number().int().min(1).describe('consecutive breaching windows before an incident opens'),
  resolveAfter: z.number().int().min(1).describe('consecutive clear windows before it auto-resolves'),
  burnRateAlerts: z.boolean(),
};
const sloFields = {
  availability: ratio('slo.availability').describe('error budget = 1 − this'),
  latency: ratio('slo.latency').describe('share of requests that must be under p95LatencyMs'),
};

/** The seed's SLAs: p95 ≤ 2000 ms (high), availability ≥ 99.5 % (critical), quality ≥ 0.7 (medium). */
export const SLA_DEFAULTS = {
  p95LatencyMs: 2000,
  availability: 0.995,
  minQuality: 0.7,
  evaluationWindow: 300_000,
  minRequests: 20,
  openAfter: 3,
  resolveAfter: 5,
  burnRateAlerts: true,
  slo: { availability: 0.999, latency: 0.99 },
};

/** A complete SLA (config `slaDefaults`): anything left out takes the seed's default. */
export const serviceSlaSchema = z
  .object({
    p95LatencyMs: fields.p95LatencyMs.default(SLA_DEFAULTS.p95LatencyMs),
    availability: fields.availability.default(SLA_DEFAULTS.availability),
    minQuality: fields.minQuality.default(SLA_DEFAULTS.minQuality),
    evaluationWindow: fields.evaluationWindow.default(SLA_DEFAULTS.evaluationWindow),
    minRequests: fields.minRequests.default(SLA_DEFAULTS.minRequests),
    openAfter: fields.openAfter.default(SLA_DEFAULTS.openAfter),
    resolveAfter: fields.resolveAfter.default(SLA_DEFAULTS.resolveAfter),
    burnRateAlerts: fields.burnRateAlerts.default(SLA_DEFAULTS.burnRateAlerts),
    slo: z
      .object({ availability: sloFields.availability.default(SLA_DEFAULTS.slo.availability), latency: sloFields.latency.default(SLA_DEFAULTS.slo.latency) })
      .strict()
      .default(SLA_DEFAULTS.slo),
  })
  .strict();

/** A per-service override (config `services.<name>`): only the fields it sets replace the defaults. */
export const serviceSlaOverrideSchema = z
  .object({ ...fields, slo: z.object(sloFields).partial().strict() })
  .partial()
  .strict();

export type ServiceSla = z.output<typeof serviceSlaSchema>;
export type ServiceSlaOverride = z.output<typeof serviceSlaOverrideSchema>;

/** The SLA for a service: its own entry over the defaults, field by field. */
export function slaFor(services: Record<string, ServiceSlaOverride>, defaults: ServiceSla, service: string): ServiceSla {
  const own = services[service] ?? {};
  return { ...defaults, ...own, slo: { ...defaults.slo, ...own.slo } };
}
