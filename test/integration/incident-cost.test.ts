import { writeFileSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { getIncidentState } from '../../app/incident-client';
import { violationSchema } from '../../domain/violation';
import { VigilService, VigilStatus } from '../../workflows/search-attributes';
import { startFakePagerDuty, type FakePagerDuty } from '../support/fake-pagerduty';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { workflowBundle } from '../support/time-skipping';

/**
 * What one incident costs the Temporal server through level 2 (level 1: one channel, level 2: two),
 * read from its history. Before one activity per step: 11 workflow tasks, 10 activities (plan, a send
 * per target and a projection per change) and 73 history events; with pageStep per level plus a
 * projection activity after each ('page-step-v1'): 7, 5 and 46; now that pageStep also projects what
 * its step recorded ('page-step-v2'): 5, 3 (pageStep per level, level 2's in-place edit of the level-1
 * page) and 34; 6 tasks when level 2's two activities finish in separate tasks (timing decides), so
 * that is the activity path's budget. Paged locally (config incidents.pageStep, the default), each
 * step's pageStep runs inside the workflow task its timer fires: 2 tasks, 1 activity (the in-place
 * edit), 2 local activities and 16 events; 3 tasks when the edit finishes in a task of its own.
 * Raise these only with a measurement (bench/results/incidents.md) that says the extra round trips
 * pay for themselves.
 */
const BUDGET = {
  local: { workflowTasks: 3, activities: ['refreshMessages'], localActivities: 2 },
  activity: { workflowTasks: 6, activities: ['pageStep', 'pageStep', 'refreshMessages'], localActivities: 0 },
};

const SECRET = 'incident-cost-webhook-secret';
const ROUTING_KEY = 'R0COSTGUARD00000000000000000000X';

let services: Services;
let hooks: WebhookReceiver;
let pd: FakePagerDuty;
let incidents: IncidentService;
let config: ReturnType<typeof testConfig>;
let byActivity: IncidentService;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  hooks = await startWebhookReceiver({ secret: SECRET });
  pd = await startFakePagerDuty();
  config = testConfig(
    {
      channels: { hooks: { type: 'webhook', url: hooks.url }, pd: { type: 'pagerduty', apiUrl: pd.url }, console: { type: 'console' } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['hooks'] }, { delay: '2s', targets: ['pd', 'console'] }] } },
    },
    services,
  );
  stopWorker = (await startWorker(services, config, { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, VIGIL_WEBHOOK_SECRET: SECRET })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  // The same worker; the paging path travels in each incident's start input.
  byActivity = createIncidentService({ client: services.client, pool: services.pool, config: { ...config, incidents: { ...config.incidents, pageStep: 'activity' } } });
});

afterAll(async () => {
  await stopWorker?.();
  await Promise.all([hooks?.close(), pd?.close()]);
  await services?.close();
});

/** Workflow tasks, activities and local activities (markers) in one incident's history. */
async function costOf(workflowId: string) {
  const history = await services.client.workflow.getHandle(workflowId).fetchHistory();
  const T = temporal.api.enums.v1.EventType;
  // Recording a fixture for the upgrade-replay test: RECORD_INCIDENT_HISTORY=test/fixtures/incident-history-vN.pb
  if (process.env.RECORD_INCIDENT_HISTORY) writeFileSync(process.env.RECORD_INCIDENT_HISTORY, temporal.api.history.v1.History.encode(history).finish());
  const events = history.events ?? [];
  return {
    workflowTasks: events.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    activities: events.filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name),
    localActivities: events.filter((e) => e.eventType === T.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    patchMarkers: events.filter((e) => e.eventType === T.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_patch').length,
    searchAttributeUpserts: events.filter((e) => e.eventType === T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).length,
    signals: events.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length,
    events: events.length,
  };
}

describe('per-incident cost guard', () => {
  for (const path of ['local', 'activity'] as const) {
    const budget = BUDGET[path];
    it(`pages two levels (${path} steps) in at most ${budget.workflowTasks} workflow tasks, activities ${budget.activities.join(' + ')} and ${budget.localActivities} local activities, projection complete`, async () => {
      const service = `cost-guard-${path}`;
      const r = await (path === 'local' ? incidents : byActivity).raise(violationSchema.parse({ service, kind: 'availability_sla', severity: 'critical', title: 'availability 97% < 99.5%' }));
      const state = await eventually('level 2 delivered to both targets', async () => {
        const s = await getIncidentState(services.client, r.workflowId);
        return s.timeline.filter((e) => e.type === 'notified').length === 3 ? s : undefined;
      });
      // The projection has caught up with everything the workflow knows, paging included.
      await eventually('projection at the workflow seq', async () => {
        const row = await services.pool.query<{ last_seq: number }>('SELECT last_seq FROM incidents WHERE workflow_id = $1', [r.workflowId]);
        return row.rows[0]?.last_seq === state.seq;
      });
      // One page at level 1; level 2 edits it in place (incident.updated: escalated), through refreshMessages.
      expect(hooks.received.filter((h) => JSON.stringify(h.json).includes(r.workflowId)).map((h) => h.json?.event)).toEqual(['incident.notify', 'incident.updated']);
      expect(pd.requests.filter((q) => q.status === 202 && JSON.stringify(q.event).includes(r.workflowId))).toHaveLength(1);
      const cost = await costOf(r.workflowId);
      console.info(`incident cost through level 2 (${path} steps): ${JSON.stringify(cost)}`);
      expect(cost.workflowTasks).toBeLessThanOrEqual(budget.workflowTasks);
      expect(cost.activities.sort()).toEqual(budget.activities);
      expect(cost.localActivities).toBe(budget.localActivities);
      // The paging path comes with the start input (pagePath, settings), not a patch marker and its TemporalChangeVersion upsert.
      expect(cost.patchMarkers).toBe(0);
      expect(cost.searchAttributeUpserts).toBe(0);
      // A new incident is a plain start: its violation is the first occurrence, no signal.
      expect(cost.signals).toBe(0);
      expect(state.occurrences).toBe(1);
      // The Temporal UI still reads it: the summary the starter wrote (the workflow's own first line) and the search attributes.
      const desc = await services.client.workflow.getHandle(r.workflowId).describe();
      expect(desc.memo?.summary).toBe(`[CRITICAL] ${service} availability_sla: availability 97% < 99.5% — triggered`);
      expect(desc.typedSearchAttributes.get(VigilStatus)).toBe('triggered');
      expect(desc.typedSearchAttributes.get(VigilService)).toBe(service);
      // Its history replays on the current workflow code (local activities come back from their markers).
      const history = await services.client.workflow.getHandle(r.workflowId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, r.workflowId)).resolves.toBeUndefined();
    });
  }

  it('a repeat adds to the open incident (signal-with-start), from this client or a fresh one; concurrent first reports open one incident', async () => {
    const v = violationSchema.parse({ service: 'cost-guard-repeat', kind: 'error_rate_sla', severity: 'high', title: 'errors 4% > 1%' });
    const first = await incidents.raise(v);
    const again = await incidents.raise(v);
    // A client that never raised it tries a start, is refused, and signals instead.
    const cold = createIncidentService({ client: new Client({ connection: services.client.connection }), pool: services.pool, config });
    const fromCold = await cold.raise(v);
    expect([again.runId, fromCold.runId]).toEqual([first.runId, first.runId]);
    await eventually('three occurrences counted', async () => (await getIncidentState(services.client, first.workflowId)).occurrences === 3);

    const w = violationSchema.parse({ service: 'cost-guard-race', kind: 'error_rate_sla', severity: 'high', title: 'errors 9% > 1%' });
    const racers = Array.from({ length: 12 }, () => createIncidentService({ client: new Client({ connection: services.client.connection }), pool: services.pool, config }));
    const raised = await Promise.all(racers.map((r) => r.raise(w)));
    expect(new Set(raised.map((r) => r.runId)).size).toBe(1);
    await eventually('twelve occurrences in one incident', async () => (await getIncidentState(services.client, raised[0]!.workflowId)).occurrences === 12);
  });
});
