import { z } from 'zod';
import { nameSchema } from '../names';
import { safeLine, safeText } from '../text-schema';

/** How far ahead of now a deploy may be dated: clock skew between a CI runner and Vigil, not a schedule. */
export const MAX_FUTURE_MS = 5 * 60_000;

/** A deploy as a CI pipeline reports it: which service, which version, when (default: now). */
export const deployInputSchema = z
  .object({
    service: nameSchema,
    version: safeLine({ min: 1, max: 200 }),
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-01-01T12:00:00Z' }).optional(),
    description: safeText({ max: 2000 }).optional(),
  })
  .strict();
export type DeployInput = z.infer<typeof deployInputSchema>;

/** The deploy's time in ms, or why it is refused (a future beyond the skew allowance would sit ahead of every chart). */
export function deployTime(at: string | undefined, now: number): { t: number } | { field: 'at'; error: string } {
  if (at === undefined) return { t: now };
  const t = Date.parse(at);
  if (!Number.isFinite(t)) return { field: 'at', error: 'is not a valid time' };
  if (t > now + MAX_FUTURE_MS) return { field: 'at', error: 'must not be more than 5 minutes in the future' };
  return { t };
}

/** The list query of GET /v1/deploys: one service or all, since a time (default: the last 30 days). */
export const deployQuerySchema = z
  .object({
    service: nameSchema.optional(),
    since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(500),
  })
  .strict();
