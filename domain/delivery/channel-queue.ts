import type { RefreshReason } from '../incident-state';
import { mergeRefreshReasons } from '../incident-clock';
import { SEVERITY_RANK, type Severity } from '../severity';
import { digestOrAlone, groupable, groupKeyOf, groupReadyAt, groupsOf } from './digest-selection';
import type { IncidentGrouping } from './grouping';
import { retryDelayMs } from './retry';
import { compareSends } from './send-order';

export { compareSends } from './send-order';

/**
 * The ordered send queue of one rate-limited channel (pure; the ChannelDispatcher workflow holds it).
 * Sends wait here — durably, for as long as the limit needs — instead of inside an activity that
 * times out. Pages go before refreshes, critical before high before medium, then first come first
 * served; a refresh of a message that is already queued merges into it, so ten changes behind the
 * limit become one call that shows the latest state. During a storm, first pages of one route that
 * wait together go out as one digest message (see digest-selection.ts).
 */
export interface QueuedSend {
  /**
   * Unique per send: pages `<workflowId>|<step>|<target>`, refreshes `<workflowId>|refresh|<target>`
   * (of a digest: `<message>|refresh`), digests `digest|<group>|<leader>`.
   */
  key: string;
  /** A digest is never enqueued: nextSend makes one from waiting pages, and it settles as its members. */
  kind: 'page' | 'refresh' | 'digest';
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
  /** Pages: the incident's first page to this target (it has no message there yet), so it may join a digest. */
  first?: boolean;
  /** Pages: the incident's storm grouping; digests: their leader's. */
  group?: IncidentGrouping;
  /** Digests: the first pages sent as one message, best first. */
  members?: QueuedSend[];
  /**
   * A shared message this send edits instead of the incident's own (`digest|<channel>|<ts>` for a
   * digest): no two sends to one message run at once.
   */
  message?: string;
  /** Refreshes of a digest: the digest's message ref (channel, ts, members, runs), for re-rendering it. */
  digestRef?: Record<string, string>;
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
  /** `sent` counts sends, a digest's members one each; `digests` the digest messages posted (absent on older queues). */
  stats: { sent: number; coalesced: number; rateLimited: number; failed: number; skipped: number; digests?: number };
}

/** Bounds that keep the queue's carried state small across continue-as-new. */
export const MEMORY_LIMIT = 2000;
/** Sends in flight at once per channel: covers provider latency without breaking the spacing. */
export const MAX_IN_FLIGHT = 8;
/** When a 429 names no Retry-After, pause the channel this long. */
export const DEFAULT_PAUSE_MS = 1000;

export function emptyQueue(channel: string, ratePerSecond: number): ChannelQueue {
  return { channel, ratePerSecond, items: [], inFlight: [], nextSlotAt: 0, pausedUntil: 0, memos: [], done: [], stats: { sent: 0, coalesced: 0, rateLimited: 0, failed: 0, skipped: 0, digests: 0 } };
}

const spacingMs = (q: ChannelQueue) => 1000 / q.ratePerSecond;

/**
 * The slot after a send that starts now. Slots stay on their grid when the send starts a little late
 * (a timer fires, then a workflow task runs: tens of ms): resetting to `now` each time would lose that
 * lateness on every send and run the channel below its limit. Up to one spacing (at most 1 s) of
 * lateness is caught up; an idle channel starts afresh.
 */
export function slotAfter(q: Pick<ChannelQueue, 'nextSlotAt' | 'ratePerSecond'>, now: number): number {
  const spacing = spacingMs(q as ChannelQueue);
  return q.nextSlotAt >= now - Math.min(spacing, 1000) ? q.nextSlotAt + spacing : now + spacing;
}

/**
 * Whether two sends are the same send. Keys repeat across incidents: the workflow id is the
 * fingerprint, so the next incident on it starts again at step 1 with the same page keys.
 */
export const sameSend = (a: Pick<QueuedSend, 'key' | 'incidentId'>, b: Pick<QueuedSend, 'key' | 'incidentId'>) => a.key === b.key && a.incidentId === b.incidentId;
const doneKey = (s: Pick<QueuedSend, 'key' | 'incidentId'>) => `${s.incidentId}|${s.key}`;

/** Which message a send touches: two sends to one message never run at once (a refresh needs the post's ref). */
export const messageKey = (s: Pick<QueuedSend, 'workflowId' | 'target' | 'message'>) => `${s.message ?? s.workflowId}|${s.target}`;

/** The sends a queued or in-flight item stands for: a digest its members, anything else itself. */
export const sendsOf = (s: QueuedSend): QueuedSend[] => s.members ?? [s];

const maxSeverity = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a);

/** Adds a send; drops a page already queued or sent, merges a refresh into a queued one. */
export function enqueue(q: ChannelQueue, send: QueuedSend): ChannelQueue {
  // A severity that rose applies to everything this incident still has waiting, and to what is in flight (it may come back).
  const raiseOne = (i: QueuedSend) => (i.workflowId === send.workflowId && i.incidentId === send.incidentId ? { ...i, severity: maxSeverity(i.severity, send.severity) } : i);
  const raise = (i: QueuedSend) => (i.members ? { ...i, members: i.members.map(raiseOne) } : raiseOne(i));
  const items = q.items.map(raise);
  const inFlight = q.inFlight.map(raise);
  if (send.kind === 'page') {
    const known = q.done.includes(doneKey(send)) || items.some((i) => sameSend(i, send)) || inFlight.flatMap(sendsOf).some((i) => sameSend(i, send));
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
    // A digest's refresh carries changes of several incidents: it is as urgent as the most severe.
    severity: maxSeverity(old.severity, send.severity),
  };
  const stats = counts ? { ...q.stats, coalesced: q.stats.coalesced + 1 } : q.stats;
  return { ...q, items: q.items.map((i, n) => (n === queued ? merged : i)), stats };
}

/**
 * How far ahead of its slot a send may be started (it waits for the slot inside the send). Starting
 * a send costs a timer, a workflow task and an activity dispatch; under load those take tens to
 * hundreds of milliseconds, and one round trip per slot would run a 10/s channel at 7/s. Small, so a
 * more severe page arriving meanwhile is passed by at most this long.
 */
export const LOOKAHEAD_MS = 500;

/**
 * The next send to start — a digest when its group is big enough — and the time its slot opens
 * (`at`, at most `lookaheadMs` from now), or how long to wait (null: until something changes). A
 * group still inside its `wait` is passed over, never anything else.
 */
export function nextSend(q: ChannelQueue, now: number, lookaheadMs = 0): { send: QueuedSend; at: number } | { waitMs: number | null } {
  if (q.inFlight.length >= MAX_IN_FLIGHT) return { waitMs: null };
  const busy = new Set(q.inFlight.flatMap(sendsOf).map(messageKey));
  const ready: QueuedSend[] = [];
  let soonest = Infinity;
  for (const item of q.items) {
    if (busy.has(messageKey(item))) continue;
    if (item.notBefore > now) {
      soonest = Math.min(soonest, item.notBefore);
      continue;
    }
    ready.push(item);
  }
  const groups = groupsOf(ready);
  const held = new Set<string>();
  for (const [key, members] of groups) {
    const readyAt = groupReadyAt(members);
    if (readyAt <= now) continue;
    held.add(key);
    soonest = Math.min(soonest, readyAt);
  }
  let best: QueuedSend | undefined;
  for (const item of ready) {
    if (groupable(item) && held.has(groupKeyOf(item))) continue;
    if (!best || compareSends(item, best) < 0) best = item;
  }
  const slotAt = Math.max(q.nextSlotAt, q.pausedUntil);
  if (!best) return { waitMs: soonest === Infinity ? null : Math.max(soonest, slotAt) - now };
  if (slotAt > now + lookaheadMs) return { waitMs: slotAt - now - lookaheadMs };
  return { send: groupable(best) ? digestOrAlone(best, groups.get(groupKeyOf(best))!) : best, at: Math.max(slotAt, now) };
}

/** Starts a send whose slot opens at `now`: it (a digest: each member) leaves the line, and it takes the channel's next slot. */
export function startSend(q: ChannelQueue, send: QueuedSend, now: number): ChannelQueue {
  const leaving = sendsOf(send);
  return { ...q, items: q.items.filter((i) => !leaving.some((l) => sameSend(i, l))), inFlight: [...q.inFlight, send], nextSlotAt: slotAfter(q, now) };
}

/** How a send ended, as the send activity reports it (a digest: see DigestOutcome). */
export type SendOutcome =
  | { type: 'sent'; calls: number; detail: string; memo?: Omit<MessageMemo, 'workflowId' | 'incidentId' | 'target'> }
  | { type: 'skipped'; detail: string }
  | { type: 'rate_limited'; retryAfterMs?: number; calls: number; detail: string }
  | { type: 'busy'; retryAfterMs: number; detail: string }
  | { type: 'failed'; permanent: boolean; retryAfterMs?: number; calls: number; detail: string };

/**
 * How a digest ended: one provider call (or none when no member was left to post), and an outcome
 * per member — sent in it, already sent before (left out), busy elsewhere or unreadable (back in line).
 * `memo` remembers the digest message itself, so its refreshes know what it shows.
 */
export interface DigestOutcome {
  type: 'digest';
  calls: number;
  detail: string;
  members: Array<{ key: string; incidentId: string; outcome: SendOutcome }>;
  memo?: MessageMemo;
}

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

type Counter = Exclude<keyof ChannelQueue['stats'], 'digests' | 'coalesced'>;

const count = (q: ChannelQueue, counter: Counter | null): ChannelQueue => (counter ? { ...q, stats: { ...q.stats, [counter]: q.stats[counter] + 1 } } : q);

/** Provider calls an outcome used (a skip or a busy ledger row used none). */
const callsOf = (o: SendOutcome): number => (o.type === 'skipped' || o.type === 'busy' ? 0 : o.calls);

/**
 * One send's outcome on a queue it has already left: done, back in line after a pause or backoff,
 * or failed for good. Slots and counters are the caller's (a digest's members share one call).
 */
function apply(base: ChannelQueue, send: QueuedSend, outcome: SendOutcome, now: number): { queue: ChannelQueue; report: SendReport; counter: Counter | null } {
  const back = (patch: Partial<QueuedSend>) => requeue(base, { ...send, ...patch }, false);
  switch (outcome.type) {
    case 'sent': {
      let memos = base.memos;
      if (outcome.memo) {
        const old = memoFor(base, send);
        const memo: MessageMemo = { workflowId: send.workflowId, incidentId: send.incidentId, target: send.target, ...outcome.memo, revision: Math.max(outcome.memo.revision, old?.revision ?? 0) };
        memos = remember(memos.filter((m) => m !== old), memo);
      }
      const done = send.kind === 'page' ? remember(base.done, doneKey(send)) : base.done;
      const memo = outcome.memo;
      return { queue: { ...base, memos, done }, counter: 'sent', report: { type: 'sent', detail: outcome.detail, ...(memo ? { ref: memo.ref, channelType: memo.channelType } : {}) } };
    }
    case 'skipped':
      return { queue: base, counter: 'skipped', report: { type: 'skipped', detail: outcome.detail } };
    case 'rate_limited': {
      const pause = outcome.retryAfterMs ?? DEFAULT_PAUSE_MS;
      return { queue: { ...back({}), pausedUntil: Math.max(base.pausedUntil, now + pause) }, counter: 'rateLimited', report: null };
    }
    case 'busy':
      return { queue: back({ notBefore: now + outcome.retryAfterMs }), counter: null, report: null };
    case 'failed': {
      const attempt = send.attempt + 1;
      const delay = outcome.permanent ? null : retryDelayMs(attempt, outcome.retryAfterMs);
      if (delay === null) return { queue: base, counter: 'failed', report: { type: 'failed', attempt, detail: outcome.detail } };
      return { queue: back({ attempt, notBefore: now + delay }), counter: null, report: { type: 'retrying', attempt, nextTryAt: now + delay, detail: outcome.detail } };
    }
  }
}

/** Applies a send's outcome: done, back in line after a pause or backoff, or failed for good. */
export function settle(q: ChannelQueue, send: QueuedSend, outcome: SendOutcome, now: number): { queue: ChannelQueue; report: SendReport } {
  const base: ChannelQueue = { ...q, inFlight: q.inFlight.filter((i) => !sameSend(i, send)) };
  // Back in line at the severity its incident rose to while it was out (the caller's copy predates that).
  const severity = q.inFlight.find((i) => sameSend(i, send))?.severity ?? send.severity;
  const r = apply(base, { ...send, severity }, outcome, now);
  return { queue: adjustSlots(count(r.queue, r.counter), callsOf(outcome), now), report: r.report };
}

/**
 * Applies a digest's outcome to each member: a DigestOutcome says how each fared; any other outcome
 * (the post failed, was rate limited, or the activity crashed) is every member's, so they settle
 * together — all done, or all back in line (where they may form the next digest). One call is charged.
 */
export function settleDigest(q: ChannelQueue, digest: QueuedSend, outcome: SendOutcome | DigestOutcome, now: number): { queue: ChannelQueue; reports: Array<{ send: QueuedSend; report: SendReport }> } {
  // The in-flight copy has the severities members rose to while out.
  const flying = q.inFlight.find((i) => sameSend(i, digest)) ?? digest;
  let queue: ChannelQueue = { ...q, inFlight: q.inFlight.filter((i) => !sameSend(i, digest)) };
  const reports: Array<{ send: QueuedSend; report: SendReport }> = [];
  const counted = new Set<Counter>();
  for (const m of sendsOf(flying)) {
    const own: SendOutcome =
      outcome.type === 'digest'
        ? (outcome.members.find((r) => r.key === m.key && r.incidentId === m.incidentId)?.outcome ?? { type: 'failed', permanent: false, calls: 0, detail: 'the digest send did not say what became of this page' })
        : outcome;
    const r = apply(queue, m, own, now);
    // A 429 stopped one call, not one per member.
    queue = r.counter === 'rateLimited' && counted.has('rateLimited') ? r.queue : count(r.queue, r.counter);
    if (r.counter) counted.add(r.counter);
    reports.push({ send: m, report: r.report });
  }
  if (outcome.type === 'digest') {
    if (outcome.memo) {
      const memo = outcome.memo;
      queue = { ...queue, memos: remember(queue.memos.filter((m) => !(m.workflowId === memo.workflowId && m.incidentId === memo.incidentId && m.target === memo.target)), memo) };
    }
    // A digest message posted: some member went out in it (a 429 or a failed post used a call and posted nothing).
    const posted = outcome.members.some((m) => m.outcome.type === 'sent' && m.outcome.calls > 0);
    if (posted) queue = { ...queue, stats: { ...queue.stats, digests: (queue.stats.digests ?? 0) + 1 } };
  }
  return { queue: adjustSlots(queue, outcome.type === 'digest' ? outcome.calls : callsOf(outcome), now), reports };
}

/** The memo of a message this channel posted for an incident, if it still remembers one. */
export function memoFor(q: Pick<ChannelQueue, 'memos'>, send: Pick<QueuedSend, 'workflowId' | 'incidentId' | 'target'>): MessageMemo | undefined {
  return q.memos.find((m) => m.workflowId === send.workflowId && m.incidentId === send.incidentId && m.target === send.target);
}
