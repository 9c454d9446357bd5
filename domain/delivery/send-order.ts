import { SEVERITY_RANK } from '../severity';
import type { QueuedSend } from './channel-queue';

/** The line's one order: pages first; then severity; then first come, first served. */
export function compareSends(a: QueuedSend, b: QueuedSend): number {
  if (a.kind !== b.kind) return a.kind === 'page' ? -1 : 1;
  const bySeverity = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (bySeverity !== 0) return bySeverity;
  return a.enqueuedAt - b.enqueuedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
