import { describe, expect, it } from 'vitest';
import { createPageStep, PRE_STEP_PROJECTION_AFTER_MS } from '../../activities/notify/page-step';
import type { DeliverInput } from '../../activities/notify/types';
import type { ProjectIncidentInput } from '../../activities/store/types';
import { recordStepPaged, stepAttempts } from '../../domain/delivery/step-paged';
import { escalationPolicySchema } from '../../domain/escalation-policy-schema';
import type { IncidentState } from '../../domain/incident-state';
import * as t from '../../domain/incident-transitions';
import { toView } from '../../domain/incident-view';
import { violationSchema } from '../../domain/violation';

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const M = 60_000;

function opened(): IncidentState {
  const violation = violationSchema.parse({ service: 'search-api', kind: 'response_time_sla', dimension: 'p95', severity: 'high', title: 'p95 slow' });
  const policy = escalationPolicySchema.parse({ levels: [{ delay: 0, targets: ['slack', 'pd', 'mail'] }, { delay: '5m', targets: ['lead'] }] });
  const s = t.openIncident({ workflowId: 'incident/fp', incidentId: 'run-1', fingerprint: 'fp', violation, policyName: 'default', policy, settings: { reopenWindowMs: 10 * M, resolveAfterQuietMs: null, uiUrl: null } }, T0);
  return t.recordOccurrence(s, { severity: 'high', title: 'p95 slow', details: {} }, T0).state;
}

const sent = (detail: string, extra: object = {}) => ({ detail, channelType: 'test', duplicate: false, ...extra });

describe('recordStepPaged', () => {
  it('records who was paged, then each delivery in plan order; failures are left to the retry stage', () => {
    const s = opened();
    const after = recordStepPaged(
      s,
      'L1',
      ['on call: alice'],
      [
        { target: 'slack', channel: 'slack', sent: sent('posted', { ref: { ts: '1.2' } }) },
        { target: 'pd', channel: 'pd' },
        { target: 'mail', channel: 'mail', sent: sent('queued behind 3', { queued: true }) },
      ],
      T0 + 500,
    );
    const added = after.timeline.filter((e) => e.seq > s.seq);
    expect(added.map((e) => [e.type, e.at])).toEqual([
      ['paged', T0 + 500],
      ['notified', T0 + 500],
      ['queued', T0 + 500],
    ]);
    expect(after.messages).toEqual([{ target: 'slack', channel: 'slack', channelType: 'test', ref: { ts: '1.2' } }]);
  });

  it('a repeat the ledger answered says so; a held step is released and the ladder shifted by the hold', () => {
    const s = opened();
    const held = t.holdStep(s, { step: 'L1', position: s.escalation.next!, targets: ['slack'] }, 'silenced', T0 + 10 * M, T0);
    const after = recordStepPaged(held, 'L1', [], [{ target: 'slack', channel: 'slack', sent: sent('posted', { duplicate: true }) }], T0 + 10 * M);
    expect(after.timeline.filter((e) => e.seq > held.seq).map((e) => e.type)).toEqual(['released', 'notified']);
    expect(after.timeline.at(-1)!.text).toContain('(already sent)');
    expect(after.escalation.dueAt).toBe(held.escalation.dueAt! + 10 * M);
  });
});

describe('pageStep given the whole state', () => {
  it('projects exactly the state the workflow will derive from its result, pre-step events included', async () => {
    const s = opened();
    const projections: ProjectIncidentInput[] = [];
    const step = createPageStep({
      plan: async (i) => ({ deliveries: i.targets.map((k) => ({ key: k, channel: k })), paged: [] }),
      deliver: async (i: DeliverInput) => {
        if (i.target === 'pd') throw new Error('connection reset');
        return sent(`sent to ${i.target}`);
      },
      project: async (p) => void projections.push(p),
    });
    const pre = s.timeline;
    const r = await step({ state: s, step: 'L1', targets: ['slack', 'pd'], at: T0 + 1, projection: { lastSeq: s.seq, events: pre } });
    if (r.suppressed || r.at === undefined) throw new Error('expected a paged step with its time');
    expect(r.at).toBeGreaterThanOrEqual(Date.now() - 5000); // the worker's clock is ahead of T0 here
    const derived = recordStepPaged(s, 'L1', r.paged, stepAttempts(r.outcomes), r.at);
    expect(r.projectedThrough).toBe(derived.seq);
    const after = projections.find((p) => p.lastSeq === derived.seq)!;
    expect(after.view).toEqual(toView(derived));
    expect(after.events.map((e) => e.seq)).toEqual(derived.timeline.map((e) => e.seq));
    expect(r.outcomes[1]!.failure?.message).toBe('connection reset');
  });

  it('a failed projection is left to the workflow, and a step given only a view projects nothing after it', async () => {
    const s = opened();
    const base = { plan: async () => ({ deliveries: [{ key: 'slack', channel: 'slack' }], paged: [] }), deliver: async () => sent('ok') };
    const failing = await createPageStep({ ...base, project: async () => { throw new Error('db down'); } })({ state: s, step: 'L1', targets: ['slack'] });
    expect(failing.suppressed ? null : failing.projectedThrough).toBeUndefined();
    const projections: ProjectIncidentInput[] = [];
    const old = await createPageStep({ ...base, project: async (p) => void projections.push(p) })({ view: toView(s), step: 'L1', targets: ['slack'], projection: { lastSeq: s.seq, events: s.timeline } });
    expect(old.suppressed ? null : old.at).toBeUndefined();
    expect(projections.map((p) => p.lastSeq)).toEqual([s.seq]);
  });

  it('stamps the attempts no earlier than the step time plus what they took (time-skipping, a lagging worker clock)', async () => {
    const s = opened();
    const future = Date.now() + 3_600_000;
    const r = await createPageStep({ plan: async () => ({ deliveries: [], paged: [] }), deliver: async () => sent('ok') })({ state: s, step: 'L1', targets: [], at: future });
    expect(r.suppressed ? null : r.at).toBeGreaterThanOrEqual(future);
  });

  it('a fast step writes its pre-step events with its own projection (one write); a slow one writes them first, on their own', async () => {
    const s = opened();
    const run = async (deliverMs: number) => {
      const writes: ProjectIncidentInput[] = [];
      const r = await createPageStep({
        plan: async () => ({ deliveries: [{ key: 'slack', channel: 'slack' }], paged: [] }),
        deliver: async () => {
          await new Promise((ok) => setTimeout(ok, deliverMs));
          return sent('ok');
        },
        project: async (p) => void writes.push(p),
      })({ state: s, step: 'L1', targets: ['slack'], projection: { lastSeq: s.seq, events: s.timeline } });
      return { r, writes };
    };
    const fast = await run(0);
    expect(fast.writes).toHaveLength(1);
    expect(fast.writes[0]!.events.slice(0, s.timeline.length)).toEqual(s.timeline);
    // The workflow must not write the pre-step projection again: the one write held it.
    expect(fast.r.projected).toBe(true);
    const slow = await run(PRE_STEP_PROJECTION_AFTER_MS + 100);
    expect(slow.writes.map((w) => w.lastSeq)).toEqual([s.seq, slow.r.suppressed ? -1 : slow.r.projectedThrough]);
    expect(slow.r.projected).toBe(true);
  });

  it('a muted step writes the pre-step projection at once, and reports it written', async () => {
    const s = opened();
    const writes: ProjectIncidentInput[] = [];
    const r = await createPageStep({
      plan: async () => ({ suppressed: { reason: 'silenced by s1', recheckAt: T0 + M } }),
      deliver: async () => sent('ok'),
      project: async (p) => void writes.push(p),
    })({ state: s, step: 'L1', targets: ['slack'], projection: { lastSeq: s.seq, events: s.timeline } });
    expect(r.projected).toBe(true);
    expect(writes.map((w) => w.lastSeq)).toEqual([s.seq]);
  });
});
