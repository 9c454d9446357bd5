import { formatDuration } from './duration';
import { describePosition, stepAfter } from './escalation-policy';
import type { IncidentEffect, IncidentState, RefreshReason, Transition } from './incident-state';
import { resolve, restartEscalation } from './incident-transitions';
import { withEntries } from './incident-timeline';

function quietDeadline(s: IncidentState): number | null {
  if (s.status === 'resolved' || s.settings.resolveAfterQuietMs === null) return null;
  return s.lastOccurrenceAt + s.settings.resolveAfterQuietMs;
}

/** The earliest moment at which `advanceClock` has something to do, or null to wait for messages only. */
export function nextWakeAt(s: IncidentState): number | null {
  if (s.closed) return null;
  const candidates: Array<number | null> = [quietDeadline(s)];
  if (s.status === 'snoozed') candidates.push(s.snoozedUntil);
  if (s.status === 'triggered') candidates.push(s.held ? (s.held.checking ? null : s.held.recheckAt) : s.escalation.dueAt);
  if (s.status === 'acknowledged') candidates.push(s.ackExpiresAt);
  if (s.status === 'resolved') candidates.push(s.reopenUntil);
  const times = candidates.filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.min(...times);
}

/** Lateness up to which the ladder keeps its schedule (see fireEscalation). */
export const CATCH_UP_TOLERANCE_MS = 60_000;

function stepKey(s: IncidentState): string {
  const p = s.escalation.next!;
  return `${s.escalation.fired + 1}.e${s.episode}.p${p.pass}.l${p.level + 1}`;
}

function fireEscalation(s: IncidentState, now: number): Transition {
  const position = s.escalation.next!;
  const level = s.policy.levels[position.level]!;
  const step = stepKey(s);
  const after = stepAfter(s.policy, position);
  // Count the next delay from when this step was due, so timer latency never accumulates along the
  // ladder; after a long outage (worker down) count from now instead of firing a burst of catch-up pages.
  const due = s.escalation.dueAt;
  const base = due !== null && now - due < CATCH_UP_TOLERANCE_MS ? due : now;
  const state = withEntries(
    {
      ...s,
      escalation: {
        next: after?.position ?? null,
        dueAt: after ? base + after.delayMs : null,
        lastFired: position,
        fired: s.escalation.fired + 1,
      },
    },
    now,
    [
      {
        type: 'escalated',
        actor: 'system',
        text: `Escalated to ${describePosition(position)}: ${level.targets.join(', ')}`,
        data: { step, level: position.level + 1, pass: position.pass, dueAt: s.escalation.dueAt },
      },
    ],
  );
  const effects: IncidentEffect[] = [{ type: 'notify', step, position, targets: level.targets }];
  // Messages already posted to other targets should show the new level too.
  if (s.messages.some((m) => !level.targets.includes(m.target))) effects.push({ type: 'refresh', reasons: ['level'] });
  return { state, effects, message: `escalated to ${describePosition(position)}` };
}

/**
 * Applies everything that is due at `now`: snooze expiry, quiet auto-resolve, escalation steps and
 * the end of the reopen window. Pure; the workflow calls it after every wake-up.
 */
export function advanceClock(start: IncidentState, now: number): Transition {
  let s = start;
  const effects: IncidentEffect[] = [];
  const messages: string[] = [];
  // Each pass handles one due item; bounded because every branch moves a deadline past `now` or clears it.
  for (let guard = 0; guard < 100; guard++) {
    if (s.closed) break;
    if (s.status === 'snoozed' && s.snoozedUntil !== null && now >= s.snoozedUntil) {
      s = withEntries({ ...s, status: 'triggered', snoozedUntil: null, escalation: restartEscalation(s, now) }, now, [
        { type: 'snooze_ended', actor: 'system', text: 'Snooze ended; escalating again' },
      ]);
      effects.push({ type: 'refresh', reasons: ['status'] });
      continue;
    }
    const quiet = quietDeadline(s);
    if (quiet !== null && now >= quiet) {
      const t = resolve(s, 'system', `no occurrence for ${formatDuration(s.settings.resolveAfterQuietMs!)}`, now);
      s = t.state;
      effects.push(...t.effects);
      continue;
    }
    if (s.status === 'acknowledged' && s.ackExpiresAt !== null && now >= s.ackExpiresAt) {
      // The responder went quiet: page the level that was acknowledged again, then climb as before.
      const again = s.escalation.lastFired ?? { pass: 0, level: 0 };
      s = withEntries({ ...s, status: 'triggered', ackExpiresAt: null, escalation: { ...s.escalation, next: again, dueAt: now } }, now, [
        { type: 'ack_timeout', actor: 'system', text: `Acknowledged by ${s.acknowledged?.by ?? 'someone'} but not resolved in time; escalating again` },
      ]);
      effects.push({ type: 'refresh', reasons: ['status'] });
      continue;
    }
    if (s.status === 'triggered' && s.held && !s.held.checking && now >= s.held.recheckAt) {
      // Send the held step out for another suppression check (the workflow holds or releases it).
      const h = s.held;
      s = { ...s, held: { ...h, checking: true } };
      effects.push({ type: 'notify', step: h.step, position: h.position, targets: h.targets });
      continue;
    }
    if (s.status === 'triggered' && !s.held && s.escalation.dueAt !== null && s.escalation.next && now >= s.escalation.dueAt) {
      const t = fireEscalation(s, now);
      s = t.state;
      effects.push(...t.effects);
      messages.push(t.message);
      continue;
    }
    if (s.status === 'resolved' && s.reopenUntil !== null && now >= s.reopenUntil) {
      s = withEntries({ ...s, closed: true }, now, [
        { type: 'closed', actor: 'system', text: 'Reopen window passed; incident closed' },
      ]);
      continue;
    }
    break;
  }
  return { state: s, effects: dedupeRefresh(effects), message: messages.join('; ') };
}

/** One refresh at the end carrying every reason, so channels edit once per wake-up. */
function dedupeRefresh(effects: IncidentEffect[]): IncidentEffect[] {
  const notifies = effects.filter((e) => e.type !== 'refresh');
  const reasons = mergeRefreshReasons(effects.flatMap((e) => (e.type === 'refresh' ? e.reasons : [])));
  return reasons.length > 0 ? [...notifies, { type: 'refresh', reasons }] : notifies;
}

/** The distinct reasons, in a fixed order (so equal sets compare equal). */
export function mergeRefreshReasons(reasons: readonly RefreshReason[]): RefreshReason[] {
  return (['status', 'level', 'severity'] as const).filter((r) => reasons.includes(r));
}
