import { z } from 'zod';
import { formatDuration } from '../duration';
import { durationSchema } from '../duration-schema';
import { DEFAULT_GROUPING, MAX_DIGEST_MEMBERS, MAX_GROUP_WAIT_MS, type GroupingConfig } from './grouping';

/** What a route may say about grouping: `false` (never group) or settings, each with the root default. */
export type GroupingInput = false | { threshold?: number; max?: number; wait?: string | number };

const settingsSchema = z
  .object({
    threshold: z.number().int().min(2, 'a digest needs at least 2 incidents').default(DEFAULT_GROUPING.threshold),
    max: z
      .number()
      .int()
      .min(2, 'a digest needs at least 2 incidents')
      .max(MAX_DIGEST_MEMBERS, `at most ${MAX_DIGEST_MEMBERS} incidents fit one Slack digest (50 blocks)`)
      .default(DEFAULT_GROUPING.max),
    wait: durationSchema
      .default(DEFAULT_GROUPING.waitMs)
      .refine((ms) => ms <= MAX_GROUP_WAIT_MS, `at most ${formatDuration(MAX_GROUP_WAIT_MS)}: a page held longer is a late page`),
  })
  .strict()
  .refine((g) => g.max >= g.threshold, { message: 'max must be at least threshold', path: ['max'] })
  .transform((g): GroupingConfig => ({ threshold: g.threshold, max: g.max, waitMs: g.wait }));

const NOT_GROUPING = 'must be false (never group) or { threshold, max, wait }';

/**
 * A route's `grouping`: false, or { threshold, max, wait } (an object replaces the inherited settings
 * whole). Not a z.union: a union reports any problem inside the object as "invalid input" at
 * `grouping`, where the person editing the file needs `grouping.max` and why.
 */
export const groupingSchema: z.ZodType<GroupingConfig | false, GroupingInput> = z
  .custom<GroupingInput>((v) => v === false || (typeof v === 'object' && v !== null && !Array.isArray(v)), { message: NOT_GROUPING })
  .transform((v, ctx) => {
    if (v === false) return false;
    const parsed = settingsSchema.safeParse(v);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) });
    return z.NEVER;
  });
