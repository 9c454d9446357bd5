import { textRefusal } from './text';

/** Why an actor string is unusable, or null. Every human action names who took it. */
export function actorRefusal(by: unknown): string | null {
  if (typeof by !== 'string' || by.trim().length === 0) return '"by" must name who is acting';
  if (by.length > 200) return '"by" may be at most 200 characters';
  const why = textRefusal(by, 'line');
  if (why) return `"by" ${why}`;
  return null;
}

/** Why a resolve reason must be refused, or null (the same text policy as every edge). */
export function reasonRefusal(reason: unknown): string | null {
  if (reason === undefined) return null;
  if (typeof reason !== 'string' || reason.length > 2000) return '"reason" must be text of at most 2000 characters';
  const why = textRefusal(reason, 'text');
  return why ? `"reason" ${why}` : null;
}

/** Parses a snooze "until" given as ISO-8601 text or epoch milliseconds; NaN when unusable. */
export function parseUntil(until: unknown): number {
  if (typeof until === 'number') return until;
  if (typeof until === 'string' && until.trim() !== '') return Date.parse(until);
  return Number.NaN;
}
