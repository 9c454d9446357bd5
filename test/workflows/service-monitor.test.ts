import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorActivities } from '../../activities/monitor/types';
import { slaStatus } from '../../app/monitor-client';
import type { MonitorAction } from '../../domain/monitor';
import { SLA_DEFAULTS, type ServiceSla } from '../../domain/sla-config';
import { monitorWorkflowId, windowSignal } from '../../workflows/service-monitor-messages';
import { startTimeSkippingWorker, type TimeSkippingHarness } from '../support/time-skipping';
import { windowOf } from '../support/windows';

const TASK_QUEUE = `monitor-wf-${randomUUID()}`;
let env: TestWorkflowEnvironment;
let harness: TimeSkippingHarness | undefined;
const actions = new Map<string, MonitorAction[]>();
const stored = new Map<string, number>();
// Quick verdicts for tests: one-window evaluation, open after 2 breaches, clear after 3 clear windows.
const SLA: ServiceSla = { ...SLA_DEFAULTS, evaluationWindow: 10_000, openAfter: 2, resolveAfter: 3, minRequests: 10, burnRateAlerts: false };

const activities: MonitorActivities = {
  async loadMonitorSettings() {
    return { sla: SLA, anomaly: { enabled: false, openAfter: 2, resolveAfter: 6 }, mlTaskQueue: 'unused' };
  },
  async applyMonitorActions({ actions: list }) {
    for (const a of list) {
      const service = a.type === 'raise' ? a.violation.service : a.service;
      actions.set(service, [...(actions.get(service) ?? []), a]);
    }
    return { raised: list.filter((a) => a.type === 'raise').length, cleared: list.filter((a) => a.type === 'clear').length };
  },
  async storeWindows({ windows }) {
    for (const w of windows) stored.set(w.service, (stored.get(w.service) ?? 0) + 1);
    return { stored: windows.length };
  },
};

beforeAll(async () => {
  harness = await startTimeSkippingWorker(TASK_QUEUE, activities);
  env = harness.env;
});
afterAll(async () => harness?.stop());

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

/** Sends windows i = 0.. with the given latency per window (2350 ms breaches the 2000 ms p95 SLA). */
async function send(service: string, latencies: number[], opts: { windowsPerRun?: number; from?: number } = {}): Promise<string[]> {
  const runs: string[] = [];
  for (const [i, latencyMs] of latencies.entries()) {
    const w = windowOf({ service, start: T0 + ((opts.from ?? 0) + i) * 10_000, latencyMs, n: 50 });
    const h = await env.client.workflow.signalWithStart('serviceMonitorWorkflow', {
      workflowId: monitorWorkflowId(service),
      taskQueue: TASK_QUEUE,
      args: [{ service, ...(opts.windowsPerRun ? { windowsPerRun: opts.windowsPerRun } : {}) }],
      signal: windowSignal,
      signalArgs: [w],
    });
    runs.push(h.signaledRunId);
  }
  return runs;
}

/** Polls `check`; a single check that takes over 2 s (e.g. a query during continue-as-new) counts as "not yet". */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = () => Promise.race([Promise.resolve(check()).catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const kinds = (service: string) => (actions.get(service) ?? []).map((a) => (a.type === 'raise' ? `raise:${a.violation.kind}` : `clear:${a.kind}`));

describe('service monitor (time-skipping)', () => {
  it('opens the p95 incident on the second breaching window, feeds it, and clears it after three clear windows', async () => {
    const service = `mon-${randomUUID().slice(0, 8)}`;
    await send(service, [300, 2350]);
    await until(async () => (await slaStatus(env.client, service)).windows === 2);
    expect(kinds(service)).toEqual([]); // one breach is not enough
    await send(service, [2350, 2600], { from: 2 });
    await until(() => kinds(service).length === 2);
    const [open, occurrence] = actions.get(service)! as Array<Extract<MonitorAction, { type: 'raise' }>>;
    expect(open!.violation).toMatchObject({ kind: 'response_time_sla', dimension: 'p95', severity: 'high', threshold: 2000, unit: 'ms' });
    expect(open!.violation.current).toBeGreaterThan(2300);
    expect(occurrence!.violation.occurrenceId).not.toBe(open!.violation.occurrenceId);
    await send(service, [300, 300], { from: 4 });
    await until(async () => (await slaStatus(env.client, service)).windows === 6);
    expect(kinds(service)).toEqual(['raise:response_time_sla', 'raise:response_time_sla']);
    await send(service, [300], { from: 6 });
    await until(() => kinds(service).length === 3);
    expect(kinds(service)[2]).toBe('clear:response_time_sla');
  });

  it('a flapping metric (breach, clear, breach, …) never opens an incident', async () => {
    const service = `mon-${randomUUID().slice(0, 8)}`;
    await send(service, [2350, 300, 2350, 300, 2350, 300, 2350]);
    await until(async () => (await slaStatus(env.client, service)).windows === 7);
    expect(kinds(service)).toEqual([]);
  });

  it('reports { sla_compliant, violations, compliance_score } by query', async () => {
    const service = `mon-${randomUUID().slice(0, 8)}`;
    await send(service, [2350]);
    await until(async () => (await slaStatus(env.client, service)).windows === 1);
    const s = await slaStatus(env.client, service);
    expect(s.sla_compliant).toBe(false);
    expect(s.violations.map((v) => v.kind)).toEqual(['response_time_sla']);
    expect(s.compliance_score).toBeCloseTo(0.7, 5); // availability (0.5) and quality (0.2) met, latency (0.3) not
  });

  it('counts a re-sent window once', async () => {
    const service = `mon-${randomUUID().slice(0, 8)}`;
    await send(service, [300]);
    await send(service, [300]);
    await until(async () => (await slaStatus(env.client, service)).windows >= 1);
    await env.sleep('1s');
    expect((await slaStatus(env.client, service)).windows).toBe(1);
  });

  it('continues as new without losing what it tracks', async () => {
    const service = `mon-${randomUUID().slice(0, 8)}`;
    const runs = await send(service, [300, 300, 2350, 2350, 2350, 2350, 2350, 2350, 2350, 2350, 2350, 2350], { windowsPerRun: 4 });
    await until(async () => (await slaStatus(env.client, service)).windows === 12);
    // The run continues as new once its queued windows (and their incident actions) are done.
    await until(async () => (await env.client.workflow.getHandle(monitorWorkflowId(service)).describe()).runId !== runs[0]);
    const s = await slaStatus(env.client, service);
    expect(s.openChecks).toEqual(['response_time_sla/p95']);
    // opened once (window 4), then an occurrence per breaching window: no second "open" across runs
    expect(kinds(service).filter((k) => k === 'raise:response_time_sla')).toHaveLength(9);
    // 12 windows at 4 per run: every run stores its windows when it continues as new, so no idle timer is involved
    // (time-skipped sleeps here could hang under load).
    await until(() => stored.get(service) === 12);
  });
});
