import type { RefreshReason } from '../incident-state';
import { mergeRefreshReasons } from '../incident-clock';
import { SEVERITY_RANK, type Severity } from '../severity';
import { retryDelayMs } from './retry';

/**
 * The ordered send queue of one rate-limited channel (pure; the ChannelDispatcher workflow holds it).
 * Sends wait here — durably, for as long as the limit needs — instead of inside an activity that
 * times out. Pages go before refreshes, critical before high before medium, then first come first
 * served; a refresh of a message that is already queued merges into it, so ten changes behind the
 * limit become one call that shows the latest state.
 */
export interface QueuedSend {
  /** Unique per send: pages `<workflowId>|<step>|<target>`, refreshes `<workflowId>|refresh|<target>`. */
  key: string;
  kind: 'page' | 'refresh';
  workflowId: string;
  /** First run id of the incident (the ledger's run id); a report for another incident is ignored. */
  incidentId: string;
  /** Escalation step for pages; '' for refreshes (they are keyed by revision at send time). */
  step: string;
  /** Ledger target key (a channel name, or e.g. "oncall:primary/alice/slack"). */
  target: string;
  channel: string;
  address?: string;
  severity: Severity;
  /** Refreshes only: every reason merged into this one call. */
  reasons: RefreshReason[];
  enqueuedAt: number;
  /** Failed attempts so far (rate limits and busy ledger rows do not count). */
  attempt: number;
  /** Not before this time (backoff after a failed attempt). */
  notBefore: number;
}

/** What the dispatcher remembers of a message it posted, so later sends edit it without asking the incident. */
export interface MessageMemo {
  workflowId: string;
  incidentId: string;
  target: string;
  channelType: string;
  ref: Record<string, string>;
  /** The incident revision the message shows now. */
  revision: number;
}

export interface ChannelQueue {
  channel: string;
  ratePerSecond: number;
  items: QueuedSend[];
  /** Sends started and not yet settled (out of `items`, so a change queued meanwhile waits as its own send). */
  inFlight: QueuedSend[];
  /** Earliest start of the next provider call (the limiter's own spacing). */
  nextSlotAt: number;
  /** The provider said Retry-After: no call before this time. */
  pausedUntil: number;
  memos: MessageMemo[];
  /** Pages already sent (`<incidentId>|<key>`), so a repeated enqueue (a retried activity) is dropped. */
  done: string[];
  stats: { sent: number; coalesced: number; rateLimited: number; failed: number; skipped: number };
}

/** Bounds that keep the queue's carried state small across continue-as-new. */
export const MEMORY_LIMIT = 2000;
/** Sends in flight at once per channel: covers provider latency without breaking the spacing. */
export const MAX_IN_FLIGHT = 8;
/** When a 429 names no Retry-After, pause the channel this long. */
export const DEFAULT_PAUSE_MS = 1000;

export function emptyQueue(channel: string, ratePerSecond: number): ChannelQueue {
  return { channel, ratePerSecond, items: [], inFlight: [], nextSlotAt: 0, pausedUntil: 0, memos: [], done: [], stats: { sent: 0, coalesced: 0, rateLimited: 0, failed: 0, skipped: 0 } };
}

const spacingMs = (q: ChannelQueue) => 1000 / q.ratePerSecond;

/**
 * Whether two sends are the same send. Keys repeat across incidents: the workflow id is the
 * fingerprint, so the next incident on it starts again at step 1 with the same page keys.
 */
export const sameSend = (a: Pick<QueuedSend, 'key' | 'incidentId'>, b: Pick<QueuedSend, 'key' | 'incidentId'>) => a.key === b.key && a.incidentId === b.incidentId;
const doneKey = (s: Pick<QueuedSend, 'key' | 'incidentId'>) => `${s.incidentId}|${s.key}`;

/** Which message a send touches: two sends to one message never run at once (a refresh needs the post's ref). */
export const messageKey = (s: Pick<QueuedSend, 'workflowId' | 'target'>) => `${s.workflowId}|${s.target}`;

const maxSeverity = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a);

/** Adds a send; drops a page already queued or sent, merges a refresh into a queued one. */
export function enqueue(q: ChannelQueue, send: QueuedSend): ChannelQueue {
  // A severity that rose applies to everything this incident still has waiting, and to what is in flight (it may come back).
  const raise = (i: QueuedSend) => (i.workflowId === send.workflowId && i.incidentId === send.incidentId ? { ...i, severity: maxSeverity(i.severity, send.severity) } : i);
  const items = q.items.map(raise);
  const inFlight = q.inFlight.map(raise);
  if (send.kind === 'page') {
    const known = q.done.includes(doneKey(send)) || items.some((i) => sameSend(i, send)) || inFlight.some((i) => sameSend(i, send));
    return { ...q, items: known ? items : [...items, send], inFlight };
  }
  return requeue({ ...q, items, inFlight }, send, true);
}

/** Puts a send in line, merging it into a queued send of the same key (a refresh: the union of reasons). */
function requeue(q: ChannelQueue, send: QueuedSend, counts: boolean): ChannelQueue {
  const queued = q.items.findIndex((i) => sameSend(i, send));
  if (queued < 0) return { ...q, items: [...q.items, send] };
  const old = q.items[queued]!;
  const merged: QueuedSend = {
    ...old,
    reasons: mergeRefreshReasons([...old.reasons, ...send.reasons]),
    enqueuedAt: Math.min(old.enqueuedAt, send.enqueuedAt),
    attempt: Math.max(old.attempt, send.attempt),
    notBefore: Math.max(old.notBefore, send.notBefore),
  };
  const stats = counts ? { ...q.stats, coalesced: q.stats.coalesced + 1 } : q.stats;
  return { ...q, items: q.items.map((i, n) => (n === queued ? merged : i)), stats };
}

/** Pages first; then severity; then first come, first served. */
export function compareSends(a: QueuedSend, b: QueuedSend): number {
  if (a.kind !== b.kind) return a.kind === 'page' ? -1 : 1;
  const bySeverity = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (bySeverity !== 0) return bySeverity;
  return a.enqueuedAt - b.enqueuedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The next send to start now, or how long to wait (null: until something changes). */
export function nextSend(q: ChannelQueue, now: number): { send: QueuedSend } | { waitMs: number | null } {
  if (q.inFlight.length >= MAX_IN_FLIGHT) return { waitMs: null };
  const busy = new Set(q.inFlight.map(messageKey));
  let best: QueuedSend | undefined;
  let soonest = Infinity;
  for (const item of q.items) {
    if (busy.has(messageKey(item))) continue;
    if (item.notBefore > now) {
      soonest = Math.min(soonest, item.notBefore);
      continue;
    }
    if (!best || compareSends(item, best) < 0) best = item;
  }
  const slotAt = Math.max(q.nextSlotAt, q.pausedUntil);
  if (best) return slotAt <= now ? { send: best } : { waitMs: slotAt - now };
  return { waitMs: soonest === Infinity ? null : Math.max(soonest, slotAt) - now };
}

/** Starts a send now: it leaves the line and takes the channel's next slot. */
export function startSend(q: ChannelQueue, send: QueuedSend, now: number): ChannelQueue {
  return { ...q, items: q.items.filter((i) => !sameSend(i, send)), inFlight: [...q.inFlight, send], nextSlotAt: Math.max(now, q.nextSlotAt) + spacingMs(q) };
}

/** How a send ended, as the send activity reports it. */
export type SendOutcome =
  | { type: 'sent'; calls: number; detail: string; memo?: Omit<MessageMemo, 'workflowId' | 'incidentId' | 'target'> }
  | { type: 'skipped'; detail: string }
  | { type: 'rate_limited'; retryAfterMs?: number; calls: number; detail: string }
  | { type: 'busy'; retryAfterMs: number; detail: string }
  | { type: 'failed'; permanent: boolean; retryAfterMs?: number; calls: number; detail: string };

/** What the incident should hear about a settled send. */
export type SendReport =
  | { type: 'sent'; detail: string; ref?: Record<string, string>; channelType?: string }
  | { type: 'skipped'; detail: string }
  | { type: 'retrying'; attempt: number; nextTryAt: number; detail: string }
  | { type: 'failed'; attempt: number; detail: string }
  | null;

function adjustSlots(q: ChannelQueue, calls: number, now: number): ChannelQueue {
  // startSend reserved one call; give an unused reservation back, charge extra calls (a Slack escalation edits and replies).
  if (calls === 1) return q;
  return { ...q, nextSlotAt: Math.max(now, q.nextSlotAt + (calls - 1) * spacingMs(q)) };
}

function remember<T>(list: T[], value: T): T[] {
  const out = [...list, value];
  return out.length > MEMORY_LIMIT ? out.slice(out.length - MEMORY_LIMIT) : out;
}

/** Applies a send's outcome: done, back in line after a pause or backoff, or failed for good. */
export function settle(q: ChannelQueue, send: QueuedSend, outcome: SendOutcome, now: number): { queue: ChannelQueue; report: SendReport } {
  const base: ChannelQueue = { ...q, inFlight: q.inFlight.filter((i) => !sameSend(i, send)) };
  // Back in line at the severity its incident rose to while it was out (the caller's copy predates that).
  const severity = q.inFlight.find((i) => sameSend(i, send))?.severity ?? send.severity;
  const back = (patch: Partial<QueuedSend>) => requeue(base, { ...send, severity, ...patch }, false);
  switch (outcome.type) {
    case 'sent': {
      let memos = base.memos;
      if (outcome.memo) {
        const old = memoFor(base, send);
        const memo: MessageMemo = { workflowId: send.workflowId, incidentId: send.incidentId, target: send.target, ...outcome.memo, revision: Math.max(outcome.memo.revision, old?.revision ?? 0) };
        memos = remember(memos.filter((m) => m !== old), memo);
      }
      const done = send.kind === 'page' ? remember(base.done, doneKey(send)) : base.done;
      const queue = adjustSlots({ ...base, memos, done, stats: { ...base.stats, sent: base.stats.sent + 1 } }, outcome.calls, now);
      const memo = outcome.memo;
      return { queue, report: { type: 'sent', detail: outcome.detail, ...(memo ? { ref: memo.ref, channelType: memo.channelType } : {}) } };
    }
    case 'skipped':
      return { queue: adjustSlots({ ...base, stats: { ...base.stats, skipped: base.stats.skipped + 1 } }, 0, now), report: { type: 'skipped', detail: outcome.detail } };
    case 'rate_limited': {
      const pause = outcome.retryAfterMs ?? DEFAULT_PAUSE_MS;
      const paused = { ...back({}), pausedUntil: Math.max(base.pausedUntil, now + pause), stats: { ...base.stats, rateLimited: base.stats.rateLimited + 1 } };
      return { queue: adjustSlots(paused, outcome.calls, now), report: null };
    }
    case 'busy':
      return { queue: adjustSlots(back({ notBefore: now + outcome.retryAfterMs }), 0, now), report: null };
    case 'failed': {
      const attempt = send.attempt + 1;
      const delay = outcome.permanent ? null : retryDelayMs(attempt, outcome.retryAfterMs);
      if (delay === null) {
        const queue = adjustSlots({ ...base, stats: { ...base.stats, failed: base.stats.failed + 1 } }, outcome.calls, now);
        return { queue, report: { type: 'failed', attempt, detail: outcome.detail } };
      }
      const queue = adjustSlots(back({ attempt, notBefore: now + delay }), outcome.calls, now);
      return { queue, report: { type: 'retrying', attempt, nextTryAt: now + delay, detail: outcome.detail } };
    }
  }
}

/** The memo of a message this channel posted for an incident, if it still remembers one. */
export function memoFor(q: Pick<ChannelQueue, 'memos'>, send: Pick<QueuedSend, 'workflowId' | 'incidentId' | 'target'>): MessageMemo | undefined {
  return q.memos.find((m) => m.workflowId === send.workflowId && m.incidentId === send.incidentId && m.target === send.target);
}
