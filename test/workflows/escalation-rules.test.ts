import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPageStep } from '../../activities/notify/page-step';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliverInput, DeliveryPlan, NotifyActivities, PlanInput } from '../../activities/notify/types';
import type { StoreActivities } from '../../activities/store/types';
import { actOnIncident, getIncidentState, raiseViolation } from '../../app/incident-client';
import type { EscalationPolicyInput } from '../../domain/escalation-policy';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';

const TASK_QUEUE = `rules-wf-${randomUUID()}`;
const M = 60_000;
let env: TestWorkflowEnvironment;
let harness: TimeSkippingHarness | undefined;
const sent: DeliverInput[] = [];
/** Per service: a mute the fake planner reports (its re-check time computed from the step's workflow time). */
const mutes = new Map<string, (input: PlanInput) => { reason: string; recheckAt: number }>();

const activities: NotifyActivities & StoreActivities = {
  // The real composition over the doubles below, as the worker builds it.
  pageStep: (input) => createPageStep({ plan: (i) => activities.planDelivery(i), deliver: (i) => activities.deliverNotification(i), project: (i) => activities.projectIncident(i) })(input),
  async planDelivery(input): Promise<DeliveryPlan> {
    const mute = mutes.get(input.view.service);
    if (mute) return { suppressed: mute(input) };
    return { deliveries: input.targets.map((t) => ({ key: t, channel: t })), paged: [] };
  },
  async deliverNotification(input) {
    sent.push(input);
    return { detail: 'recorded', channelType: 'test', duplicate: false };
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

async function raise(policy: EscalationPolicyInput, service = `svc-${randomUUID().slice(0, 8)}`) {
  const violation = violationSchema.parse({ service, kind: 'quality_sla', severity: 'medium', title: 'quality 0.61 < 0.70' });
  const r = await raiseViolation(env.client, TASK_QUEUE, {
    violation,
    policyName: 'test',
    policy: escalationPolicySchema.parse(policy),
    settings: { reopenWindowMs: 10 * M, resolveAfterQuietMs: null, uiUrl: null },
  });
  return { ...r, service };
}

const state = (id: string): Promise<IncidentState> => getIncidentState(env.client, id);
const pagedSteps = (workflowId: string) => sent.filter((d) => d.view.workflowId === workflowId).map((d) => d.step);
const offsets = (s: IncidentState, type: string) => s.timeline.filter((e) => e.type === type).map((e) => e.at - s.openedAt);

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('escalation rules (time-skipping)', () => {
  it('ack timeout: acked at 1m with a 30m timeout → triggered again at exactly 31m, paging the acked level', async () => {
    const r = await raise({ levels: [{ delay: 0, targets: ['oncall'] }, { delay: '1h', targets: ['lead'] }], ackTimeout: '30m' });
    await env.sleep(M);
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    const ackedAt = (await state(r.workflowId)).acknowledged!.at;
    await env.sleep(30 * M - 1000);
    expect((await state(r.workflowId)).status).toBe('acknowledged');
    await env.sleep(2000);
    const s = await state(r.workflowId);
    expect(s.status).toBe('triggered');
    const lapse = s.timeline.find((e) => e.type === 'ack_timeout')!;
    expect(lapse.at - ackedAt).toBeGreaterThanOrEqual(30 * M);
    expect(lapse.at - ackedAt).toBeLessThan(30 * M + 1000);
    await until(async () => pagedSteps(r.workflowId).length === 2);
    expect(pagedSteps(r.workflowId)).toEqual(['1.e1.p0.l1', '2.e1.p0.l1']);
  });

  it('repeat 2: the two-level ladder runs three times, then stops', async () => {
    const r = await raise({ levels: [{ delay: 0, targets: ['a'] }, { delay: '5m', targets: ['b'] }], repeat: 2, repeatDelay: '10m' });
    await env.sleep(3 * 60 * M);
    const s = await state(r.workflowId);
    expect(offsets(s, 'escalated')).toHaveLength(6);
    expect(s.timeline.filter((e) => e.type === 'escalated').map((e) => e.data?.dueAt as number - s.openedAt)).toEqual([0, 5, 15, 20, 30, 35].map((m) => m * M));
    expect(s.escalation.next).toBeNull();
  });

  it('repeat until acknowledged keeps paging past any count, and the ack stops it', async () => {
    const r = await raise({ levels: [{ delay: 0, targets: ['a'] }], repeat: 'until-acknowledged', repeatDelay: '1m' });
    await env.sleep(30 * M);
    expect(offsets(await state(r.workflowId), 'escalated').length).toBeGreaterThanOrEqual(30);
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    const n = offsets(await state(r.workflowId), 'escalated').length;
    await env.sleep(30 * M);
    expect(offsets(await state(r.workflowId), 'escalated')).toHaveLength(n);
  });

  it('a silence ending mid-incident: level 1 held from 0 to 10m, sent at 10m, level 2 keeps its 5m spacing (15m)', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    let opened = 0;
    mutes.set(service, (input) => ({ reason: 'silenced by ops (reindex)', recheckAt: (opened ||= input.view.openedAt) + 10 * M }));
    const r = await raise({ levels: [{ delay: 0, targets: ['oncall'] }, { delay: '5m', targets: ['lead'] }] }, service);
    await env.sleep(9 * M);
    let s = await state(r.workflowId);
    expect(pagedSteps(r.workflowId)).toEqual([]);
    expect(s.timeline.filter((e) => e.type === 'suppressed')).toHaveLength(1);
    mutes.delete(service); // the silence's end passes
    await env.sleep(M + 1000);
    await until(async () => pagedSteps(r.workflowId).length === 1);
    s = await state(r.workflowId);
    expect(offsets(s, 'released')[0]).toBeGreaterThanOrEqual(10 * M);
    await env.sleep(5 * M);
    await until(async () => pagedSteps(r.workflowId).length === 2);
    s = await state(r.workflowId);
    const level2 = s.timeline.filter((e) => e.type === 'escalated')[1]!;
    // The ladder shifts by how long the step was held (measured from when the hold began, a few ms after it fell due).
    expect(Math.abs(Number(level2.data?.dueAt) - s.openedAt - 15 * M)).toBeLessThan(2000);
  });

  it('inhibition lifts when the source incident resolves: re-checked every 30 s, sent within 30 s', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    mutes.set(service, (input) => ({ reason: 'inhibited by open critical availability_sla incident', recheckAt: (input.at ?? 0) + 30_000 }));
    const r = await raise({ levels: [{ delay: 0, targets: ['oncall'] }] }, service);
    await env.sleep(5 * M);
    let s = await state(r.workflowId);
    expect(pagedSteps(r.workflowId)).toEqual([]);
    expect(s.timeline.filter((e) => e.type === 'suppressed')).toHaveLength(1); // re-checks do not flood the timeline
    mutes.delete(service); // the source incident resolved
    await env.sleep(31_000);
    await until(async () => pagedSteps(r.workflowId).length === 1);
    s = await state(r.workflowId);
    expect(s.held).toBeNull();
  });

  it('an acknowledgement while a step is held drops it: nothing is sent when the mute lifts', async () => {
    const service = `svc-${randomUUID().slice(0, 8)}`;
    mutes.set(service, (input) => ({ reason: 'silenced', recheckAt: (input.at ?? 0) + 5 * M }));
    const r = await raise({ levels: [{ delay: 0, targets: ['oncall'] }] }, service);
    await env.sleep(M);
    await actOnIncident(env.client, r.workflowId, { type: 'acknowledge', by: 'alice' });
    mutes.delete(service);
    await env.sleep(10 * M);
    expect(pagedSteps(r.workflowId)).toEqual([]);
    expect((await state(r.workflowId)).held).toBeNull();
  });
});
