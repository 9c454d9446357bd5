import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPageStep } from '../../activities/notify/page-step';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyActivities, QueueActivities, SendQueuedInput } from '../../activities/notify/types';
import type { StoreActivities } from '../../activities/store/types';
import { getIncidentState, raiseViolation } from '../../app/incident-client';
import type { QueuedSend, SendOutcome } from '../../domain/delivery/channel-queue';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';
import type { RefreshReason, TimelineEntry } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import type { channelDispatcherWorkflow } from '../../workflows/channel-dispatcher';
import { SENDS_PER_RUN } from '../../workflows/channel-dispatcher';
import {
  dispatcherStatusQuery,
  dispatcherWorkflowId,
  enqueueSendsSignal,
  type DispatcherStatus,
  type EnqueueSendsInput,
} from '../../workflows/channel-dispatcher-messages';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';

const TASK_QUEUE = `dispatcher-wf-${randomUUID()}`;

let env: TestWorkflowEnvironment;
let harness: TimeSkippingHarness | undefined;

/** One sendQueued call, as the fake channel saw it. */
interface Call {
  channel: string;
  key: string;
  incidentId: string;
  reasons: RefreshReason[];
  attempt: number;
}
/** What the fake channel answers to the `nth` call (1-based) of one send. */
type Script = (send: QueuedSend, nth: number) => SendOutcome;

const calls: Call[] = [];
const scripts = new Map<string, Script>();
const posted: Script = () => ({ type: 'sent', calls: 1, detail: 'posted' });

const activities: QueueActivities & NotifyActivities & StoreActivities = {
  // The real composition over the doubles below, as the worker builds it.
  pageStep: (input) => createPageStep({ plan: (i) => activities.planDelivery(i), deliver: (i) => activities.deliverNotification(i), project: (i) => activities.projectIncident(i) })(input),
  async sendQueued({ send }) {
    const nth = calls.filter((c) => c.channel === send.channel && c.key === send.key && c.incidentId === send.incidentId).length + 1;
    calls.push({ channel: send.channel, key: send.key, incidentId: send.incidentId, reasons: send.reasons, attempt: send.attempt });
    return (scripts.get(send.channel) ?? posted)(send, nth);
  },
  // The incidents below only receive reports: their one level pages nobody.
  async planDelivery() {
    return { deliveries: [], paged: [] };
  },
  async deliverNotification() {
    throw new Error('the report-receiving incidents deliver nothing themselves');
  },
  async refreshMessages() {
    return { updated: 0, queued: 0, failures: [] };
  },
  async projectIncident() {},
};

beforeAll(async () => {
  harness = await startTimeSkippingWorker(TASK_QUEUE, activities);
  env = harness.env;
});
afterAll(async () => harness?.stop());

/** Workflows a test started; ended after it, so their timers do not slow the next test's time skipping. */
const started: string[] = [];
afterEach(async () => {
  for (const id of started.splice(0)) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
});

/**
 * A page from incident `wf` (run `<wf>-1`), to target `slack` unless given. Such workflow ids never
 * exist, so the dispatcher's report to them fails, which it must shrug off.
 */
function page(wf: string, step: string, opts: Partial<QueuedSend> = {}): QueuedSend {
  const s: QueuedSend = {
    key: '', kind: 'page', workflowId: `gone/${wf}`, incidentId: `${wf}-1`, step, target: 'slack', channel: '',
    severity: 'high', reasons: [], enqueuedAt: 0, attempt: 0, notBefore: 0, ...opts,
  };
  return { ...s, key: `${s.workflowId}|${step}|${s.target}` };
}

/** A refresh of incident `wf`'s message on `slack`. */
function refresh(wf: string, reasons: RefreshReason[], opts: Partial<QueuedSend> = {}): QueuedSend {
  const s: QueuedSend = {
    key: '', kind: 'refresh', workflowId: `gone/${wf}`, incidentId: `${wf}-1`, step: '', target: 'slack', channel: '',
    severity: 'high', reasons, enqueuedAt: 0, attempt: 0, notBefore: 0, ...opts,
  };
  return { ...s, key: `${s.workflowId}|refresh|${s.target}` };
}

/** A dispatcher for a channel of its own, started with `sends`, answering each call by `script`. */
async function startDispatcher(ratePerSecond: number, sends: QueuedSend[], script: Script = posted) {
  const channel = `ch-${randomUUID().slice(0, 8)}`;
  scripts.set(channel, script);
  const input = (more: QueuedSend[]): EnqueueSendsInput => ({ ratePerSecond, sends: more.map((s) => ({ ...s, channel })) });
  const handle = await env.client.workflow.signalWithStart<typeof channelDispatcherWorkflow, [EnqueueSendsInput]>('channelDispatcherWorkflow', {
    taskQueue: TASK_QUEUE,
    workflowId: dispatcherWorkflowId(TASK_QUEUE, channel),
    args: [{ channel, ratePerSecond }],
    signal: enqueueSendsSignal,
    signalArgs: [input(sends)],
  });
  // The latest run, so queries and history follow continue-as-new.
  const latest = env.client.workflow.getHandle<typeof channelDispatcherWorkflow>(dispatcherWorkflowId(TASK_QUEUE, channel));
  started.push(latest.workflowId);
  return {
    channel,
    firstRunId: handle.signaledRunId,
    handle: latest,
    enqueue: (more: QueuedSend[]) => latest.signal(enqueueSendsSignal, input(more)),
    status: (): Promise<DispatcherStatus> => latest.query(dispatcherStatusQuery),
    calls: () => calls.filter((c) => c.channel === channel),
  };
}

/** Polls a condition that activities make true shortly after the workflow decided (real time). */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/**
 * When each send's slot opened (it may start up to LOOKAHEAD_MS early and wait), in workflow time, read from the run's history. A workflow's
 * clock is the start time of its current workflow task, so a send's start is the start of the task
 * that scheduled it. (The fake activity's own Date.now() is wall-clock time, which the test server
 * does not skip; the scheduled-event time trails the workflow's clock by the task's latency.)
 */
async function startTimes(handle: WorkflowHandle): Promise<Array<{ key: string; at: number }>> {
  const out: Array<{ key: string; at: number }> = [];
  let now = 0;
  for (const e of (await handle.fetchHistory()).events ?? []) {
    if (e.workflowTaskStartedEventAttributes) now = ms(e.eventTime);
    const payload = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
    if (!payload) continue;
    // A send started ahead of its slot calls the provider at the slot (notBefore), not at its start.
    const input = defaultPayloadConverter.fromPayload<SendQueuedInput>(payload);
    out.push({ key: input.send.key, at: input.notBefore ?? now });
  }
  return out;
}

/**
 * The reports a dispatcher run signalled (to which workflow), how many of those signals found no
 * such workflow, and how many were still on their way when the run ended.
 */
async function reportsSent(handle: WorkflowHandle): Promise<{ to: string[]; failed: number; unfinished: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const count = (has: (e: (typeof events)[number]) => unknown) => events.filter(has).length;
  const failed = count((e) => e.signalExternalWorkflowExecutionFailedEventAttributes);
  const to = events.flatMap((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId ?? []);
  return { to, failed, unfinished: to.length - failed - count((e) => e.externalWorkflowExecutionSignaledEventAttributes) };
}

const gaps = (starts: Array<{ at: number }>) => starts.slice(1).map((s, n) => s.at - starts[n]!.at);

/** A real incident, only there to receive the dispatcher's reports: its pages as the dispatcher sees them. */
async function receiver() {
  const violation = violationSchema.parse({
    service: `svc-${randomUUID().slice(0, 8)}`, kind: 'response_time_sla', dimension: 'p95', severity: 'high',
    title: 'p95 2350 ms > 2000 ms', current: 2350, threshold: 2000, unit: 'ms',
  });
  const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: ['nobody'] }] });
  const r = await raiseViolation(env.client, TASK_QUEUE, { violation, policyName: 'test', policy, settings: { reopenWindowMs: 600_000, resolveAfterQuietMs: null, uiUrl: null } });
  started.push(r.workflowId);
  return {
    page: (step: string, opts: Partial<QueuedSend> = {}) => page('', step, { workflowId: r.workflowId, incidentId: r.runId, ...opts }),
    /** The incident's delivery entries (notified, notify_failed, notify_retry) for `target`. */
    heard: async (target: string): Promise<TimelineEntry[]> =>
      (await getIncidentState(env.client, r.workflowId)).timeline.filter((e) => e.type.startsWith('notif') && e.data?.target === target),
  };
}

describe('channel dispatcher (time-skipping)', () => {
  it('(a) holds 30 sends to 2/s in workflow time, each sent once', async () => {
    const sends = Array.from({ length: 30 }, (_, n) => page(`a${n}`, '1', { enqueuedAt: n }));
    const d = await startDispatcher(2, sends);
    await env.sleep('20s');
    await until(async () => (await d.status()).stats.sent === 30);

    // Each once (the calls may finish out of order: two can be out at once).
    expect(d.calls().map((c) => c.key).sort()).toEqual(sends.map((s) => s.key).sort());
    const starts = await startTimes(d.handle);
    // First come, first served at one severity; no send started twice.
    expect(starts.map((s) => s.key)).toEqual(sends.map((s) => s.key));
    // Slots keep a 500 ms grid: a start a little late (timer, then workflow task) lets the next come
    // that much sooner, but n+1 starts never span less than n slots less that one catch-up.
    for (let i = 0; i < starts.length; i++) {
      for (let j = i + 1; j < starts.length; j++) expect(starts[j]!.at - starts[i]!.at).toBeGreaterThanOrEqual((j - i - 1) * 500);
    }
    // So the line took at least 14 s, which the server skipped.
    expect(starts.at(-1)!.at - starts[0]!.at).toBeGreaterThanOrEqual(14_000);
    expect(await d.status()).toMatchObject({ queued: 0, inFlight: 0, stats: { sent: 30, failed: 0 } });
  });

  it('(b) starts pages before refreshes, critical then high then medium', async () => {
    // Enqueued together, each for its own incident (a shared incident would raise them all to critical).
    const sends = [
      refresh('r1', ['status'], { severity: 'critical' }),
      page('m', '1', { severity: 'medium' }),
      page('l', '1', { severity: 'low' }),
      page('h', '1', { severity: 'high' }),
      page('c1', '1', { severity: 'critical', enqueuedAt: 1 }),
      refresh('r2', ['status'], { severity: 'high' }),
      page('i', '1', { severity: 'info' }),
      page('c2', '1', { severity: 'critical', enqueuedAt: 2 }),
    ];
    const d = await startDispatcher(1, sends);
    await env.sleep('10s');
    await until(async () => (await d.status()).stats.sent === sends.length);

    const order = (await startTimes(d.handle)).map((s) => s.key.split('|')[0]);
    expect(order).toEqual(['gone/c1', 'gone/c2', 'gone/h', 'gone/m', 'gone/l', 'gone/i', 'gone/r1', 'gone/r2']);
  });

  it('(c) ten refreshes of one message while the channel is paused become one call with every reason', async () => {
    // The page meets a 429 (Retry-After 10 s); the refreshes arrive during the pause.
    const d = await startDispatcher(1, [page('p', '1')], (s, nth) =>
      s.kind === 'page' && nth === 1 ? { type: 'rate_limited', retryAfterMs: 10_000, calls: 1, detail: '429' } : { type: 'sent', calls: 1, detail: 'ok' },
    );
    await until(async () => (await d.status()).pausedUntil !== null);
    const reasons: RefreshReason[] = ['status', 'level', 'severity'];
    for (let n = 0; n < 10; n++) await d.enqueue([refresh('r', [reasons[n % 3]!], { enqueuedAt: n })]);
    expect(await d.status()).toMatchObject({ queued: 2, stats: { coalesced: 9, rateLimited: 1, sent: 0 } });

    await env.sleep('15s');
    await until(async () => (await d.status()).stats.sent === 2);
    const refreshes = d.calls().filter((c) => c.key === 'gone/r|refresh|slack');
    expect(refreshes).toEqual([expect.objectContaining({ reasons: ['status', 'level', 'severity'] })]);
    // After the pause: the page first, then the merged refresh.
    expect((await startTimes(d.handle)).map((s) => s.key)).toEqual(['gone/p|1|slack', 'gone/p|1|slack', 'gone/r|refresh|slack']);
  });

  it('(d) a 429 with Retry-After 5 s holds the channel 5 s; the send is retried, sent, never reported failed', async () => {
    // Successes are the send activity's to report; the dispatcher reports retries and failures only.
    const incident = await receiver();
    const p = incident.page('1.e1.p0.l1');
    const other = page('q', '1', { severity: 'low' });
    const d = await startDispatcher(1, [p], (s, nth) =>
      s.key === p.key && nth === 1 ? { type: 'rate_limited', retryAfterMs: 5000, calls: 1, detail: '429 Too Many Requests' } : { type: 'sent', calls: 1, detail: 'posted' },
    );
    // Another incident's page arrives during the pause.
    await until(async () => (await d.status()).pausedUntil !== null);
    await d.enqueue([other]);
    await env.sleep('10s');
    await until(async () => (await d.status()).stats.sent === 2);

    const starts = await startTimes(d.handle);
    expect(starts.map((s) => s.key)).toEqual([p.key, p.key, other.key]);
    // Nothing at all started during the pause, not even the other incident's page.
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(5000);
    expect(starts[1]!.at - starts[0]!.at).toBeLessThan(6000);
    // A rate limit is not an attempt.
    expect(d.calls().filter((c) => c.key === p.key).map((c) => c.attempt)).toEqual([0, 0]);
    expect((await d.status()).stats).toMatchObject({ sent: 2, rateLimited: 1, failed: 0 });
    // A rate limit is "not yet": nothing for the incident's timeline, neither a retry nor a failure.
    expect((await reportsSent(d.handle)).to).toEqual([]);
    expect(await incident.heard('slack')).toEqual([]);
  });

  it('(e) a permanent failure is final at once and reported; reports to a missing incident do not stop the dispatcher', async () => {
    const incident = await receiver();
    const p = incident.page('1.e1.p0.l1', { severity: 'critical' });
    // g1 fails for good and g2 fails once: both reports go to workflows that do not exist.
    const g1 = page('g1', '1');
    const g2 = page('g2', '1');
    const d = await startDispatcher(1, [p, g1, g2, page('g3', '1')], (s, nth) => {
      if (s.key === p.key || s.key === g1.key) return { type: 'failed', permanent: true, calls: 1, detail: 'channel_not_found' };
      if (s.key === g2.key && nth === 1) return { type: 'failed', permanent: false, calls: 1, detail: '502 Bad Gateway' };
      return { type: 'sent', calls: 1, detail: 'posted' };
    });
    await env.sleep('6s');
    await until(async () => (await d.status()).stats.sent === 2);

    expect(d.calls().filter((c) => c.key === p.key)).toHaveLength(1);
    expect((await d.status()).stats).toMatchObject({ sent: 2, failed: 2 });
    await until(async () => (await incident.heard('slack')).length > 0);
    expect(await incident.heard('slack')).toEqual([expect.objectContaining({ type: 'notify_failed', text: expect.stringContaining('channel_not_found') })]);

    // The reports to g1 and g2 found nobody; the dispatcher carried on, and still sends what comes next.
    const reports = await reportsSent(d.handle);
    expect(reports.to.sort()).toEqual([g1.workflowId, g2.workflowId, p.workflowId].sort());
    expect(reports.failed).toBe(2);
    expect((await d.handle.describe()).status.name).toBe('RUNNING');
    await d.enqueue([page('g4', '1')]);
    await env.sleep('2s');
    await until(async () => (await d.status()).stats.sent === 3);
  });

  it('(e) a failing send is retried 1, 2, 4, 8 s apart, each attempt reported, then fails after 5 attempts', async () => {
    const incident = await receiver();
    const p = incident.page('1.e1.p0.l1');
    const d = await startDispatcher(1, [p], () => ({ type: 'failed', permanent: false, calls: 1, detail: '500 Internal Server Error' }));
    await env.sleep('20s');
    await until(async () => (await d.status()).stats.failed === 1);

    expect(d.calls().map((c) => c.attempt)).toEqual([0, 1, 2, 3, 4]);
    const waited = gaps(await startTimes(d.handle));
    [1000, 2000, 4000, 8000].forEach((backoff, n) => {
      expect(waited[n]).toBeGreaterThanOrEqual(backoff);
      expect(waited[n]).toBeLessThan(backoff + 1000);
    });
    await until(async () => (await incident.heard('slack')).length === 5);
    expect((await incident.heard('slack')).map((e) => `${e.type}:${e.data?.attempt ?? ''}`)).toEqual([
      'notify_retry:1', 'notify_retry:2', 'notify_retry:3', 'notify_retry:4', 'notify_failed:',
    ]);
  });

  it('(f) continue-as-new keeps the queue: 320 sends each happen once across runs, every report arrives', async () => {
    const TOTAL = 320;
    expect(TOTAL).toBeGreaterThan(SENDS_PER_RUN);
    const incident = await receiver();
    // Half belong to a live incident and fail for good, so the dispatcher reports each (a report lost
    // around continue-as-new would show); half are sent. Each has its own target, so none waits for another's message.
    const sends = Array.from({ length: TOTAL }, (_, n) => (n % 2 === 0 ? incident.page(`1.e1.p0.l${n}`, { target: `t${n}`, enqueuedAt: n }) : page(`f${n}`, '1', { enqueuedAt: n })));
    const live = sends.filter((s) => s.workflowId === sends[0]!.workflowId);
    // 1/s and one signal, not 100/s in batches: the time-skipping server refuses the completion of a
    // workflow task that cancels a timer which fired while the task was with the worker ("invalid
    // history builder state for action") and strands the run; a signal or an activity result
    // cancelling a 10 ms slot timer does that every few hundred sends. A 1 s slot leaves a slow task
    // plenty of room, and the skipped time costs nothing. The real server accepts such a task.
    const d = await startDispatcher(1, sends, (s) =>
      s.workflowId === live[0]!.workflowId ? { type: 'failed', permanent: true, calls: 1, detail: 'not_in_channel' } : { type: 'sent', calls: 1, detail: 'posted' },
    );
    await env.sleep('330s');
    await until(async () => (await d.status()).stats.sent === TOTAL - live.length, 30_000);

    const perKey = new Map<string, number>();
    for (const c of d.calls()) perKey.set(c.key, (perKey.get(c.key) ?? 0) + 1);
    expect([...perKey.keys()].sort()).toEqual(sends.map((s) => s.key).sort());
    expect([...perKey.values()].filter((n) => n !== 1)).toEqual([]);
    // It did continue as new, with the stats carried.
    const { runId } = await d.handle.describe();
    expect(runId).not.toBe(d.firstRunId);
    // And only once its reports were delivered: the server drops a signal whose sender's run has
    // closed by the time the signal goes out (continue-as-new closes it).
    const first = await reportsSent(env.client.workflow.getHandle(d.handle.workflowId, d.firstRunId));
    expect(first.to.length).toBeGreaterThan(0);
    expect(first.unfinished).toBe(0);
    expect(await d.status()).toMatchObject({ queued: 0, inFlight: 0, stats: { sent: TOTAL - live.length, failed: live.length } });

    // A retried enqueue of the sent pages, in the new run: the done list came along, so none is sent again.
    await d.enqueue(sends.filter((s) => !live.includes(s)));
    await env.sleep('2s');
    expect((await d.status()).queued).toBe(0);
    expect(d.calls()).toHaveLength(TOTAL);

    // Every failure report reached the live incident, including those settled around the continue-as-new.
    const failed = async () => (await getIncidentState(env.client, live[0]!.workflowId)).timeline.filter((e) => e.type === 'notify_failed').length;
    await until(async () => (await failed()) === live.length);
  }, 120_000);
});
