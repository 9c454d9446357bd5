import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPageStep } from '../../activities/notify/page-step';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverInput, NotifyActivities, RefreshInput } from '../../activities/notify/types';
import type { ProjectIncidentInput, StoreActivities } from '../../activities/store/types';
import { actOnIncident, getIncidentState, raiseViolation } from '../../app/incident-client';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';
import type { IncidentState } from '../../domain/incident-state';
import type { ViolationInput } from '../../domain/violation';
import { violationSchema } from '../../domain/violation';
import type { IncidentWorkflowInput } from '../../workflows/incident-messages';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';

const TASK_QUEUE = `incident-wf-${randomUUID()}`;
const POLICY = escalationPolicySchema.parse({
  levels: [
    { delay: 0, targets: ['primary'] },
    { delay: '5m', targets: ['secondary', 'manager'] },
  ],
});

let env: TestWorkflowEnvironment;
let harness: TimeSkippingHarness | undefined;
const sent: DeliverInput[] = [];
const refreshed: RefreshInput[] = [];
const projected: ProjectIncidentInput[] = [];

/** Per target name: scripted behaviour of its channel (failures before success, or a send that hangs). */
const stepsLost = new Set<string>();
const behaviour = new Map<string, { fail?: Array<'retryable' | 'permanent'>; hangMs?: number }>();

const activities: NotifyActivities & StoreActivities = {
  // The real composition over the doubles below, as the worker builds it.
  async pageStep(input) {
    // A step activity lost as a whole after its sends (a worker dying before it reported back).
    const lost = input.targets.find((t) => t.startsWith('lost-step-') && !stepsLost.has(t));
    const out = await createPageStep({ plan: (i) => activities.planDelivery(i), deliver: (i) => activities.deliverNotification(i), project: (i) => activities.projectIncident(i) })(input);
    if (lost) {
      stepsLost.add(lost);
      throw ApplicationFailure.create({ message: 'worker lost mid-step', type: 'test_lost', nonRetryable: false });
    }
    return out;
  },
  async planDelivery({ targets }) {
    return { deliveries: targets.map((t) => ({ key: t, channel: t, ...(t.startsWith('flaky-') ? { fallback: 'primary' } : {}) })), paged: [] };
  },
  async deliverNotification(input) {
    const b = behaviour.get(input.target);
    const failure = b?.fail?.shift();
    if (failure) throw ApplicationFailure.create({ message: `HTTP ${failure === 'permanent' ? 403 : 500} from the channel`, type: failure === 'permanent' ? 'delivery_auth' : 'delivery_server', nonRetryable: failure === 'permanent' });
    if (b?.hangMs) await new Promise((r) => setTimeout(r, b.hangMs));
    sent.push(input);
    return { detail: 'recorded', channelType: 'test', duplicate: false };
  },
  async refreshMessages(input) {
    refreshed.push(input);
    return { updated: 0, queued: 0, failures: [] };
  },
  async projectIncident(input) {
    projected.push(input);
  },
};

beforeAll(async () => {
  harness = await startTimeSkippingWorker(TASK_QUEUE, activities);
  env = harness.env;
});
afterAll(async () => harness?.stop());

/** A violation on a service name unique to the test, so incidents never collide. */
function violation(overrides: Partial<ViolationInput> = {}) {
  return violationSchema.parse({
    service: `svc-${randomUUID().slice(0, 8)}`,
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'high',
    title: 'p95 2350 ms > 2000 ms',
    current: 2350,
    threshold: 2000,
    unit: 'ms',
    ...overrides,
  });
}

function input(v: ReturnType<typeof violation>, extra: Partial<IncidentWorkflowInput> = {}) {
  return {
    violation: v,
    policyName: 'test',
    policy: POLICY,
    settings: { reopenWindowMs: 600_000, resolveAfterQuietMs: null, uiUrl: null },
    ...extra,
  };
}

/** Polls a condition that activities make true shortly after the workflow decided (real time, a few ms). */
async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function state(id: string): Promise<IncidentState> {
  return getIncidentState(env.client, id);
}

/** Escalation times as offsets from opening: `due` is the timer's exact deadline, `offset` when it ran. */
function escalations(s: IncidentState) {
  return s.timeline
    .filter((e) => e.type === 'escalated')
    .map((e) => ({ due: Number(e.data?.dueAt) - s.openedAt, offset: e.at - s.openedAt, text: e.text }));
}

/** Workflow time stamps trail the timer by a workflow task's latency (milliseconds), never more than a second. */
function expectAround(actual: number, expected: number): void {
  expect(actual).toBeGreaterThanOrEqual(expected);
  expect(actual).toBeLessThan(expected + 1000);
}

function targetsFor(workflowId: string): string[] {
  return sent.filter((d) => d.view.workflowId === workflowId).map((d) => `${d.step}:${d.target}`);
}

describe('incident workflow (time-skipping)', () => {
  it('fires level 1 at once and level 2 exactly at its delay, not a second before', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await env.sleep(299_000);
    let s = await state(r.workflowId);
    expect(escalations(s).map((e) => e.offset)).toEqual([0]);
    expect(targetsFor(r.workflowId)).toEqual(['1.e1.p0.l1:primary']);
    await env.sleep('1s');
    s = await state(r.workflowId);
    expect(escalations(s).map((e) => e.due)).toEqual([0, 300_000]);
    expectAround(escalations(s)[1]!.offset, 300_000);
    expect(targetsFor(r.workflowId).sort()).toEqual(['1.e1.p0.l1:primary', '2.e1.p0.l2:manager', '2.e1.p0.l2:secondary']);
    // Deliveries are activities that finish a moment after the timer fired.
    await until(async () => (await state(r.workflowId)).timeline.filter((e) => e.type === 'notified').length === 3);
  });

  it('stops escalating once acknowledged (ack at 3m, no page at 5m)', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await env.sleep('3m');
    const res = await actOnIncident(env.client, r.fingerprint, { type: 'acknowledge', by: 'alice' });
    expect(res).toMatchObject({ changed: true, status: 'acknowledged' });
    await env.sleep('10m');
    const s = await state(r.workflowId);
    expect(escalations(s)).toHaveLength(1);
    expect(s.acknowledged?.by).toBe('alice');
    expectAround(s.acknowledged!.at - s.openedAt, 180_000);
  });

  it('treats a second acknowledgement as a no-op that names who acknowledged first', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    const second = await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'bob' });
    expect(second.changed).toBe(false);
    expect(second.message).toMatch(/Already acknowledged by alice/);
  });

  it('snooze delays escalation until it ends, then escalation starts over', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await env.sleep('1m');
    const until = new Date((await state(r.workflowId)).openedAt + 11 * 60_000).toISOString();
    await actOnIncident(env.client, r.workflowId, { type: 'snooze', by: 'alice', until });
    await env.sleep('9m'); // t = 10m: still snoozed, level 2 (due at 5m) never fired
    let s = await state(r.workflowId);
    expect(s.status).toBe('snoozed');
    expect(escalations(s).map((e) => e.offset)).toEqual([0]);
    await env.sleep('1m'); // t = 11m: snooze over, level 1 again
    s = await state(r.workflowId);
    expect(s.status).toBe('triggered');
    expect(escalations(s)).toHaveLength(2);
    expectAround(escalations(s)[1]!.due, 660_000);
  });

  it('refuses a snooze into the past with a clear reason', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await expect(
      actOnIncident(env.client, r.workflowId, { type: 'snooze', by: 'alice', until: '2001-01-01T00:00:00Z' }),
    ).rejects.toThrow(/must be a time in the future/);
  });

  it('lands a repeated violation in the same incident run', async () => {
    const v = violation();
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v));
    const b = await raiseViolation(env.client, TASK_QUEUE, input({ ...v, current: 2600, title: 'p95 2600 ms > 2000 ms' }));
    expect(b.runId).toBe(a.runId);
    const s = await state(a.workflowId);
    expect(s.occurrences).toBe(2);
    expect(s.details.current).toBe(2600);
  });

  it('counts a redelivered occurrence id once', async () => {
    const v = violation({ occurrenceId: 'window-42' });
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v));
    await raiseViolation(env.client, TASK_QUEUE, input(v));
    expect((await state(a.workflowId)).occurrences).toBe(1);
  });

  it('resolve refuses later acks, completes after the reopen window, and a new violation opens a new run', async () => {
    const v = violation();
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v));
    await actOnIncident(env.client, a.workflowId, { type: 'resolve', by: 'alice', reason: 'rolled back' });
    await expect(actOnIncident(env.client, a.workflowId, { type: 'acknowledge', by: 'bob' })).rejects.toThrow(
      /was resolved by alice .* cannot be acknowledged/,
    );
    const outcome = await env.client.workflow.getHandle(a.workflowId, a.runId).result();
    expect(outcome).toMatchObject({ status: 'resolved', episodes: 1 });
    const b = await raiseViolation(env.client, TASK_QUEUE, input(v));
    expect(b.workflowId).toBe(a.workflowId);
    expect(b.runId).not.toBe(a.runId);
  });

  it('reopens the same incident when the problem returns inside the reopen window', async () => {
    const v = violation();
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v));
    await actOnIncident(env.client, a.workflowId, { type: 'resolve', by: 'alice' });
    await env.sleep('2m');
    const b = await raiseViolation(env.client, TASK_QUEUE, input(v));
    expect(b.runId).toBe(a.runId);
    const s = await state(a.workflowId);
    expect(s).toMatchObject({ status: 'triggered', episode: 2, resolved: null });
    await until(async () => targetsFor(a.workflowId).includes('2.e2.p0.l1:primary'));
  });

  it('auto-resolves when the condition clears, and an ack racing it is refused, not lost', async () => {
    const v = violation();
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v));
    await env.client.workflow.getHandle(a.workflowId).signal('conditionCleared', { reason: 'p95 back under 2000 ms' });
    await expect(actOnIncident(env.client, a.workflowId, { type: 'acknowledge', by: 'bob' })).rejects.toThrow(/resolved by system/);
    const s = await state(a.workflowId);
    expect(s.resolved).toMatchObject({ by: 'system', reason: 'p95 back under 2000 ms' });
  });

  it('escalate-now jumps to the next level at once', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await env.sleep('1m');
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    await actOnIncident(env.client, r.workflowId, { type: 'escalate', by: 'alice' });
    await env.sleep('1s');
    const s = await state(r.workflowId);
    expect(escalations(s)).toHaveLength(2);
    expectAround(escalations(s)[1]!.offset, 60_000);
    expect(escalations(s)[1]!.text).toMatch(/level 2/);
    expect(s.status).toBe('triggered');
  });

  it('continues as new under many occurrences without losing state', async () => {
    const v = violation();
    const a = await raiseViolation(env.client, TASK_QUEUE, input(v, { occurrencesPerRun: 5 }));
    await actOnIncident(env.client, a.workflowId, { type: 'note', by: 'alice', text: 'looking at the retriever' });
    for (let i = 0; i < 12; i++) await raiseViolation(env.client, TASK_QUEUE, input(v));
    await env.sleep('1s');
    const d = await env.client.workflow.getHandle(a.workflowId).describe();
    expect(d.runId).not.toBe(a.runId);
    const s = await state(a.workflowId);
    expect(s.occurrences).toBe(13);
    expect(s.incidentId).toBe(a.runId);
    expect(s.timeline.some((e) => e.type === 'note' && e.text === 'looking at the retriever')).toBe(true);
    const seqs = projected.filter((p) => p.view.workflowId === a.workflowId).flatMap((p) => p.events.map((e) => e.seq));
    // Every change projected, and a later run never sends the carried timeline again: the opening
    // event is projected only while the first run (at most 5 occurrences) was live. (A local projection
    // may repeat when its workflow task is redone, e.g. new signals racing the continue-as-new; the
    // projection is idempotent, so that costs a statement, not a wrong row.)
    expect(new Set(seqs).size).toBe(s.seq);
    const withOpening = projected.filter((p) => p.view.workflowId === a.workflowId && p.events.some((e) => e.seq === 1));
    expect(withOpening.length).toBeGreaterThan(0);
    expect(withOpening.map((p) => p.view.occurrences).every((n) => n <= 5)).toBe(true);
  });

  it('upserts search attributes and a one-line memo for the Web UI', async () => {
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation()));
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    await env.sleep('1s');
    const d = await env.client.workflow.getHandle(r.workflowId).describe();
    expect(d.searchAttributes).toMatchObject({ VigilStatus: ['acknowledged'], VigilSeverity: ['high'] });
    expect(d.memo?.summary).toMatch(/acknowledged by alice/);
  });
  it('puts every failed attempt on the timeline while it is retried (attempt n, reason, next try), then the success', async () => {
    const target = `flaky-${randomUUID().slice(0, 6)}`;
    behaviour.set(target, { fail: ['retryable', 'retryable'] });
    const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: [target] }] });
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation(), { policy }));
    await until(async () => (await state(r.workflowId)).timeline.some((e) => e.type === 'notified'), 15_000);
    const s = await state(r.workflowId);
    const retries = s.timeline.filter((e) => e.type === 'notify_retry');
    expect(retries.map((e) => e.data?.attempt)).toEqual([1, 2]);
    expect(retries[0]!.text).toMatch(new RegExp(`Notifying ${target}: attempt 1 failed \\(HTTP 500 from the channel\\); next try at `));
    // 1 s, then 2 s between attempts (domain/delivery/retry.ts), in workflow time.
    expect(Number(retries[0]!.data?.nextTryAt) - retries[0]!.at).toBe(1000);
    expect(Number(retries[1]!.data?.nextTryAt) - retries[1]!.at).toBe(2000);
    expect(s.timeline.filter((e) => e.type === 'notified' && e.data?.target === target)).toHaveLength(1);
    expect(s.timeline.filter((e) => e.type === 'notify_failed')).toEqual([]);
  });

  it('a step activity lost after its sends is planned and sent again the two-activity way, and the ledger (here: the double) is asked once more', async () => {
    const target = `lost-step-${randomUUID().slice(0, 6)}`;
    const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: [target] }] });
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation(), { policy }));
    await until(async () => (await state(r.workflowId)).timeline.some((e) => e.type === 'notified'), 15_000);
    // pageStep's send, then deliverNotification's for the same (step, target): the real ledger makes the second a no-op.
    expect(targetsFor(r.workflowId)).toEqual([`1.e1.p0.l1:${target}`, `1.e1.p0.l1:${target}`]);
    const s = await state(r.workflowId);
    expect(s.timeline.filter((e) => e.type === 'notified')).toHaveLength(1);
    expect(s.timeline.filter((e) => e.type === 'notify_failed')).toEqual([]);
  });

  it('a permanent refusal is not retried: notify_failed with the reason, then the fallback is paged', async () => {
    const target = `flaky-${randomUUID().slice(0, 6)}`;
    behaviour.set(target, { fail: ['permanent'] });
    const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: [target] }] });
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation(), { policy }));
    await until(async () => (await state(r.workflowId)).timeline.some((e) => e.type === 'notified'), 15_000);
    const s = await state(r.workflowId);
    expect(s.timeline.filter((e) => e.type === 'notify_retry')).toEqual([]);
    expect(s.timeline.find((e) => e.type === 'notify_failed')!.text).toMatch(/HTTP 403 from the channel/);
    expect(s.timeline.find((e) => e.type === 'fallback')!.text).toBe(`${target} kept failing; falling back to primary`);
    expect(targetsFor(r.workflowId)).toEqual([`1.e1.p0.l1:${target}>primary`]);
  });

  it('fires level 2 on time while level 1\'s send is still hanging (levels are independent)', async () => {
    const slow = `slow-${randomUUID().slice(0, 6)}`;
    behaviour.set(slow, { hangMs: 3000 });
    const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: [slow] }, { delay: '1s', targets: ['secondary'] }] });
    const r = await raiseViolation(env.client, TASK_QUEUE, input(violation(), { policy }));
    await until(async () => targetsFor(r.workflowId).includes('2.e1.p0.l2:secondary'), 10_000);
    // Level 2 went out although level 1's send has not returned yet.
    expect(targetsFor(r.workflowId)).not.toContain(`1.e1.p0.l1:${slow}`);
    const s = await state(r.workflowId);
    const l2 = escalations(s)[1]!;
    expectAround(l2.offset, l2.due);
    await until(async () => targetsFor(r.workflowId).includes(`1.e1.p0.l1:${slow}`), 10_000);
  });
});
