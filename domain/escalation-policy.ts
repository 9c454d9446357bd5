import { z } from 'zod';
import { durationSchema } from './duration';
import { nameSchema } from './names';

/** One rung of an escalation policy: who to notify, and how long after the previous rung. */
export const escalationLevelSchema = z.object({
  delay: durationSchema.describe('time after the previous level fired (level 1: after the incident opened)'),
  targets: z.array(nameSchema).min(1, 'a level needs at least one target'),
});

/** How an unacknowledged incident climbs: levels in order, then optionally the whole ladder again. */
export const escalationPolicySchema = z.object({
  levels: z.array(escalationLevelSchema).min(1, 'a policy needs at least one level'),
  repeat: z.number().int().min(0).max(1000).default(0).describe('extra passes over all levels'),
  repeatDelay: durationSchema.default(300_000).describe('pause between the last level and the next pass'),
});

export type EscalationPolicy = z.output<typeof escalationPolicySchema>;
export type EscalationPolicyInput = z.input<typeof escalationPolicySchema>;

/** Where an incident stands on its policy's ladder. */
export interface EscalationPosition {
  /** Pass over the ladder, 0-based (pass > 0 are repeats). */
  pass: number;
  /** Index of the level that fires next. */
  level: number;
}

/** Result of stepping: the next position and the delay before it fires, or null when the ladder is exhausted. */
export interface NextStep {
  position: EscalationPosition;
  delayMs: number;
}

/** The first rung of a fresh (or restarted) escalation. */
export function firstStep(policy: EscalationPolicy): NextStep {
  return { position: { pass: 0, level: 0 }, delayMs: policy.levels[0]!.delay };
}

/** The rung after `fired`, or null when every level of every pass has fired. */
export function stepAfter(policy: EscalationPolicy, fired: EscalationPosition): NextStep | null {
  const nextLevel = fired.level + 1;
  if (nextLevel < policy.levels.length) {
    return { position: { pass: fired.pass, level: nextLevel }, delayMs: policy.levels[nextLevel]!.delay };
  }
  if (fired.pass < policy.repeat) {
    return { position: { pass: fired.pass + 1, level: 0 }, delayMs: policy.repeatDelay };
  }
  return null;
}

/** The rung an "escalate now" jumps to: the next level, or the last level again when none is left. */
export function escalateNowTarget(policy: EscalationPolicy, lastFired: EscalationPosition | null): EscalationPosition {
  if (lastFired === null) return { pass: 0, level: 0 };
  const next = stepAfter(policy, lastFired);
  if (next && next.position.pass === lastFired.pass) return next.position;
  return { pass: lastFired.pass, level: policy.levels.length - 1 };
}

/** Human label for a position, 1-based like people count levels. */
export function describePosition(p: EscalationPosition): string {
  return p.pass === 0 ? `level ${p.level + 1}` : `level ${p.level + 1} (repeat ${p.pass})`;
}
