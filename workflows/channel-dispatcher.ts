import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { QueueActivities } from '../activities/notify/types';
import {
  emptyQueue,
  enqueue,
  LOOKAHEAD_MS,
  memoFor,
  nextSend,
  sendsOf,
  settle,
  settleDigest,
  startSend,
  type ChannelQueue,
  type DigestOutcome,
  type QueuedSend,
  type SendOutcome,
  type SendReport,
} from '../domain/delivery/channel-queue';
import {
  deliveryReportSignal,
  dispatcherStatusQuery,
  enqueueSendsSignal,
  type ChannelDispatcherInput,
  type DispatcherStatus,
} from './channel-dispatcher-messages';

// One attempt per activity: the dispatcher is the retry stage, so each attempt lands on the incident's timeline.
const sender = proxyActivities<QueueActivities>({
  startToCloseTimeout: '45s',
  // The send heartbeats every second: a worker killed mid-send is noticed in seconds, not at the timeout.
  heartbeatTimeout: '5s',
  retry: { maximumAttempts: 1 },
});

/** Sends settled per run before continuing as new (each costs about ten history events). */
export const SENDS_PER_RUN = 300;

function status(q: ChannelQueue): DispatcherStatus {
  const bySeverity: Record<string, number> = {};
  for (const i of q.items) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
  return {
    channel: q.channel,
    ratePerSecond: q.ratePerSecond,
    queued: q.items.length,
    inFlight: q.inFlight.length,
    bySeverity,
    pausedUntil: q.pausedUntil > Date.now() ? q.pausedUntil : null,
    stats: q.stats,
  };
}

function failureOutcome(err: unknown): SendOutcome {
  // The activity returns classified outcomes; a thrown failure is a crash or timeout, worth another try.
  const text = err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err);
  return { type: 'failed', permanent: false, calls: 1, detail: text };
}

/**
 * One per rate-limited channel and task queue (`dispatch/<task queue>/<channel>`): holds the channel's ordered queue and starts
 * each send when the limit allows — durably, however long the line — so a storm waits instead of
 * timing out. Reports failed attempts and failures to the incident (the send activity reports successes).
 */
export async function channelDispatcherWorkflow(input: ChannelDispatcherInput): Promise<void> {
  let q: ChannelQueue = input.carried ?? emptyQueue(input.channel, input.ratePerSecond);
  // Sends that were in flight when the last run ended go back in line (a digest as its members, which
  // may group again); the ledger makes a repeat harmless.
  const interrupted = q.inFlight;
  q = { ...q, inFlight: [] };
  for (const s of interrupted.flatMap(sendsOf)) q = enqueue(q, s);
  let changed = false;
  let settledThisRun = 0;
  // Reports on their way: the run must not end before they are out (the server drops a signal whose sender has closed).
  let reporting = 0;
  // Where the next run goes: a dispatcher started on an older deployment's queue moves to the one its senders name.
  let home = workflowInfo().taskQueue;

  setHandler(enqueueSendsSignal, ({ ratePerSecond, sends, taskQueue }) => {
    q = { ...q, ratePerSecond };
    if (taskQueue) home = taskQueue;
    for (const s of sends) q = enqueue(q, s);
    changed = true;
  });
  setHandler(dispatcherStatusQuery, () => status(q));

  async function report(s: QueuedSend, r: SendReport): Promise<void> {
    // Sent and skipped are reported by the send activity itself (one workflow task less per send).
    if (!r || r.type === 'sent' || r.type === 'skipped') return;
    // A digest's refresh belongs to no one incident; a stale digest is cosmetic and retried like any refresh.
    if (s.digestRef) return;
    reporting++;
    try {
      await getExternalWorkflowHandle(s.workflowId).signal(deliveryReportSignal, {
        incidentId: s.incidentId,
        kind: s.kind,
        step: s.step,
        target: s.target,
        channel: s.channel,
        report: r,
      });
    } catch {
      // The incident closed: the ledger still has the send; nobody is waiting for the report.
    } finally {
      reporting--;
    }
  }

  async function run(s: QueuedSend, at: number): Promise<void> {
    let outcome: SendOutcome | DigestOutcome;
    try {
      const memo = memoFor(q, s);
      outcome = await sender.sendQueued({ send: s, ...(memo ? { memo } : {}), ...(at > Date.now() ? { notBefore: at } : {}) });
    } catch (err) {
      outcome = failureOutcome(err);
    }
    // A digest settles as its members, each reported to its own incident.
    const now = Date.now();
    const settled =
      s.kind === 'digest' || outcome.type === 'digest'
        ? settleDigest(q, s, outcome, now)
        : ((r) => ({ queue: r.queue, reports: [{ send: s, report: r.report }] }))(settle(q, s, outcome, now));
    q = settled.queue;
    settledThisRun++;
    changed = true;
    await Promise.all(settled.reports.map((r) => report(r.send, r.report)));
  }

  let shown = '';
  for (;;) {
    const renew = workflowInfo().continueAsNewSuggested || settledThisRun >= SENDS_PER_RUN;
    if (renew && q.inFlight.length === 0) {
      await condition(() => allHandlersFinished() && reporting === 0);
      const next: ChannelDispatcherInput = { channel: input.channel, ratePerSecond: q.ratePerSecond, carried: q };
      if (home === workflowInfo().taskQueue) await continueAsNew<typeof channelDispatcherWorkflow>(next);
      else await makeContinueAsNewFunc<typeof channelDispatcherWorkflow>({ taskQueue: home })(next);
    }
    // While renewing, start nothing new: the run ends once what is in flight has settled.
    const next = renew ? { waitMs: null } : nextSend(q, Date.now(), LOOKAHEAD_MS);
    if ('send' in next) {
      q = startSend(q, next.send, next.at);
      void run(next.send, next.at);
      continue;
    }
    const line = `${q.channel}: ${q.items.length} queued, ${q.inFlight.length} in flight, ${q.stats.sent} sent`;
    // The memo is for the Web UI; refreshing it on every send would double the history.
    if (line !== shown && (q.items.length === 0 || settledThisRun % 20 === 0)) {
      shown = line;
      upsertMemo({ summary: line });
    }
    changed = false;
    const woken = () => changed;
    if (next.waitMs === null) await condition(woken);
    else await condition(woken, Math.max(1, next.waitMs));
  }
}
