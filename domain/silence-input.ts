import { z } from 'zod';
import { durationSchema } from './duration-schema';
import { matcherSchema } from './matchers';
import { safeLine, safeText } from './text-schema';

/** A silence as people create it (API body, CLI flags): matchers plus an end time or a duration. */
export const silenceInputSchema = z
  .object({
    matchers: z.array(matcherSchema).default([]),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    duration: durationSchema.optional(),
    createdBy: safeLine({ max: 200, min: 1, trim: true, minMessage: 'say who creates the silence' }),
    comment: safeText({ max: 1000, min: 1, trim: true, minMessage: 'say why (it shows in every muted incident)' }),
    incident: safeLine({ max: 300, min: 1 }).optional().describe('tie to one incident: it ends when that incident resolves'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.matchers.length === 0 && !s.incident) ctx.addIssue({ code: 'custom', path: ['matchers'], message: 'give at least one matcher, or an incident' });
    if ((s.endsAt === undefined) === (s.duration === undefined)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give exactly one of endsAt and duration' });
  });

export type SilenceInput = z.output<typeof silenceInputSchema>;

/** The longest silence: a maintenance window, not a way to switch paging off for good. */
export const MAX_SILENCE_MS = 366 * 86_400_000;
/**
 * The shortest time a silence may be in effect: a bare number is milliseconds, so `duration: 30` meant as minutes would silence
 * nothing; and a silence ending before anyone could list or expire it is a mistake, not a window.
 */
export const MIN_SILENCE_MS = 60_000;

/** Start and end in epoch ms, validated: the end must follow the start and lie in the future. */
export function silenceWindow(s: SilenceInput, now: number): { startsAt: number; endsAt: number } | { error: string; field: string } {
  const startsAt = s.startsAt ? Date.parse(s.startsAt) : now;
  const endsAt = s.endsAt ? Date.parse(s.endsAt) : startsAt + (s.duration ?? 0);
  const field = s.endsAt ? 'endsAt' : 'duration';
  // Order matters for the message: a duration or an explicit start is about length; an end alone is about time.
  const past = endsAt <= now;
  const beforeStart = endsAt <= startsAt;
  if (beforeStart && (s.duration !== undefined || s.startsAt !== undefined)) return { error: 'must be after startsAt', field };
  if (past) return { error: 'is in the past; the silence would never apply', field };
  if (beforeStart) return { error: 'must be after startsAt', field };
  if (endsAt - Math.max(startsAt, now) < MIN_SILENCE_MS) return { error: 'must keep the silence in effect for at least 1 minute (a bare number is milliseconds)', field };
  // A window past what a date can hold (a duration of 10^21 ms) would reach Postgres as NaN: refuse it here.
  if (!Number.isFinite(endsAt) || endsAt - startsAt > MAX_SILENCE_MS || !Number.isFinite(new Date(endsAt).getTime())) {
    return { error: 'may be at most 366 days after the start', field };
  }
  return { startsAt, endsAt };
}
