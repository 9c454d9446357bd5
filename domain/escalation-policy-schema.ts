import { z } from 'zod';
import { durationSchema } from './duration-schema';
import { nameSchema } from './names';

/** One rung of an escalation policy: who to notify, and how long after the previous rung. */
export const escalationLevelSchema = z.object({
  delay: durationSchema.describe('time after the previous level fired (level 1: after the incident opened)'),
  targets: z.array(nameSchema).min(1, 'a level needs at least one target'),
});

/** How an unacknowledged incident climbs: levels in order, then optionally the whole ladder again. */
export const escalationPolicySchema = z.object({
  levels: z.array(escalationLevelSchema).min(1, 'a policy needs at least one level'),
  repeat: z
    .union([z.number().int().min(0), z.literal('until-acknowledged')])
    .default(0)
    .describe('extra passes over all levels, or "until-acknowledged" (no cap)'),
  repeatDelay: durationSchema.default(300_000).describe('pause between the last level and the next pass'),
  ackTimeout: durationSchema
    .optional()
    .describe('an acknowledged incident not resolved within this time is triggered again and escalation resumes'),
});
