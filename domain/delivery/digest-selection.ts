import type { QueuedSend } from './channel-queue';
import { compareSends } from './send-order';

/**
 * Which waiting first pages go out together as one digest (pure; nextSend asks). Only an incident's
 * first page to a target can join one — later steps reply in the thread of the message it has — and
 * never a critical incident's: a critical page always goes alone, at the next slot.
 */
export function groupable(s: QueuedSend): boolean {
  return s.kind === 'page' && s.first === true && s.group !== undefined && s.severity !== 'critical';
}

/** Pages group by route, and only with pages for the same target and address (one digest, one place). */
export const groupKeyOf = (s: QueuedSend): string => `${s.group?.key ?? ''}|${s.target}|${s.address ?? ''}`;

/** Groups of groupable pages among `ready`, each best first. */
export function groupsOf(ready: QueuedSend[]): Map<string, QueuedSend[]> {
  const groups = new Map<string, QueuedSend[]>();
  for (const s of ready) if (groupable(s)) groups.set(groupKeyOf(s), [...(groups.get(groupKeyOf(s)) ?? []), s]);
  for (const members of groups.values()) members.sort(compareSends);
  return groups;
}

/**
 * When a group may go: once its oldest page has waited the route's `wait` (Alertmanager's group_wait),
 * or at once when it already holds `max` pages (waiting longer could not make the digest bigger).
 */
export function groupReadyAt(members: QueuedSend[]): number {
  const leader = members[0]!;
  const g = leader.group!;
  if (members.length >= g.max) return -Infinity;
  return Math.min(...members.map((m) => m.enqueuedAt)) + g.waitMs;
}

/**
 * What to start for a groupable page picked next: a digest of its group's best `max` pages when at
 * least `threshold` wait, else the page alone. The leader's settings decide (they share a route).
 */
export function digestOrAlone(leader: QueuedSend, members: QueuedSend[]): QueuedSend {
  const g = leader.group!;
  if (members.length < Math.max(2, g.threshold)) return leader;
  const chosen = members.slice(0, g.max);
  return {
    key: `digest|${groupKeyOf(leader)}|${leader.incidentId}|${leader.key}`,
    kind: 'digest',
    workflowId: `digest|${g.key}`,
    incidentId: leader.incidentId,
    step: '',
    target: leader.target,
    channel: leader.channel,
    ...(leader.address ? { address: leader.address } : {}),
    severity: chosen[0]!.severity,
    reasons: [],
    enqueuedAt: Math.min(...chosen.map((m) => m.enqueuedAt)),
    attempt: 0,
    notBefore: 0,
    group: g,
    members: chosen,
  };
}
