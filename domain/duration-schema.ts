import { z } from 'zod';
import { parseDuration } from './duration';

/** A duration in config or API input: "5m"-style text or a whole number of milliseconds. */
// One custom check instead of a union, so errors say what a duration looks like rather than "Invalid input".
export const durationSchema = z
  .custom<string | number>((v) => typeof v === 'string' || typeof v === 'number', {
    message: 'must be a duration such as "30s", "5m", "1h30m", or whole milliseconds',
  })
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isInteger(ms) || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration; use e.g. "30s", "5m", "1h30m", or whole milliseconds` });
      return z.NEVER;
    }
    return ms;
  });
