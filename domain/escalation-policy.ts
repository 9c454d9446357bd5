import type { z } from 'zod';
import type { escalationPolicySchema } from './escalation-policy-schema';

// Types only from the schema module: this file is imported by workflow code, which must not bundle zod.

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
  if (policy.repeat === 'until-acknowledged' || fired.pass < policy.repeat) {
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

/**
 * One policy from several (an alert that matched several routes through `continue`): level i
 * notifies the union of every policy's level-i targets, after the shortest of their delays;
 * the most insistent repeat and the shortest ack timeout win. Order of targets is kept, first seen first.
 */
export function mergePolicies(policies: EscalationPolicy[]): EscalationPolicy {
  if (policies.length === 1) return policies[0]!;
  const depth = Math.max(...policies.map((p) => p.levels.length));
  const levels = Array.from({ length: depth }, (_, i) => {
    const at = policies.map((p) => p.levels[i]).filter((l): l is EscalationPolicy['levels'][number] => l !== undefined);
    return { delay: Math.min(...at.map((l) => l.delay)), targets: [...new Set(at.flatMap((l) => l.targets))] };
  });
  const repeats = policies.map((p) => p.repeat);
  const repeat = repeats.includes('until-acknowledged') ? 'until-acknowledged' : Math.max(...(repeats as number[]));
  const timeouts = policies.map((p) => p.ackTimeout).filter((t): t is number => t !== undefined);
  return {
    levels,
    repeat,
    repeatDelay: Math.min(...policies.map((p) => p.repeatDelay)),
    ...(timeouts.length ? { ackTimeout: Math.min(...timeouts) } : {}),
  };
}
