import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentActivities } from '../../activities/experiments/types';
import { createRng } from '../../domain/anomaly/rng';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import { planExperiment } from '../../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateWindow } from '../../domain/experiments/simulate';
import type { VariantWindow } from '../../domain/experiments/variant-window';
import { experimentStatusQuery, stopExperimentUpdate, variantWindowsSignal, type ExperimentStatusView } from '../../workflows/experiment-messages';
import { quietRuntime, startTimeSkippingWorker, workflowBundle, type TimeSkippingHarness } from '../support/time-skipping';

/**
 * A three-variant experiment whose variant c breaks its p95 guardrail and is stopped; then control
 * and b keep their 40:30 split of what is counted, and then b loses a fifth of its units.
 * RECORD_EXPERIMENT_HISTORY=<file> writes the history (the v0 fixture was recorded this way on the
 * code before the SRM phases, 4722fda, with the assertions on the new behaviour left out).
 */
const V0 = path.join(__dirname, '..', 'fixtures', 'experiment-history-v0.pb');
const RECORD = process.env.RECORD_EXPERIMENT_HISTORY;
const TASK_QUEUE = 'experiment-srm-replay';

const definition = experimentDefinitionSchema.parse({
  name: 'srm-after-stop',
  service: 'rag',
  unit: 'request',
  variants: [
    { name: 'control', weight: 0.4 },
    { name: 'b', weight: 0.3 },
    { name: 'c', weight: 0.3 },
  ],
  primary: 'quality',
  guardrails: [{ metric: 'p95_latency', margin: 0.1 }],
  mde: 0.05,
  stopForFutility: false,
});
const plan = planExperiment(definition, null);
// Traffic split as the definition says (the truths' weights), or the SRM gate would withhold everything.
const control = { ...DEFAULT_TRUTH, weight: 0.4 };
const b = { ...DEFAULT_TRUTH, weight: 0.3 };
const slowC = { control, b, c: { ...DEFAULT_TRUTH, weight: 0.3, latencyMedianMs: 1200 } };

const activities: ExperimentActivities = {
  recordExperimentLook: async () => undefined,
  openExperimentIncident: async () => ({ incidentWorkflowId: 'incident/x' }),
  publishExperimentReport: async () => ({ delivered: 0 }),
};

let harness: TimeSkippingHarness;
beforeAll(async () => {
  harness = await startTimeSkippingWorker(TASK_QUEUE, activities);
}, 60_000);
afterAll(async () => harness?.stop());

describe('the SRM gate after a stopped variant, in the workflow', () => {
  it('stays on after a guardrail stop, passes a fair split of the running variants and withholds results on a starved one', { timeout: 120_000 }, async () => {
    const rng = createRng(11);
    const handle = await harness.env.client.workflow.start('experimentWorkflow', { workflowId: `experiment/${definition.name}`, taskQueue: TASK_QUEUE, args: [{ definition, plan }] });
    const status = () => handle.query(experimentStatusQuery);
    const send = async (ws: VariantWindow[], look: number) => {
      await handle.signal(variantWindowsSignal, ws);
      let s: ExperimentStatusView;
      do s = await status();
      while (s.look < look);
      return s;
    };
    let look = 0;
    let s: ExperimentStatusView | undefined;
    // c is 3× slower at p95: stopped within a few windows.
    while (!s?.stopped.c && look < 30) s = await send(simulateWindow(rng, definition.name, slowC, 6000, look * 10_000), ++look);
    expect(s!.stopped.c?.reason, s!.why).toBe('guardrail');
    // After the stop c's units are counted nowhere: control and b split the rest 40:30.
    const running = { control, b };
    for (let i = 0; i < 3; i++) s = await send(simulateWindow(rng, definition.name, running, 3000, look * 10_000), ++look);
    if (!RECORD) {
      expect(s!.srm).not.toBeNull();
      expect(s!.srm!.mismatch).toBe(false);
      expect(s!.decision).toBe('keep_running');
    }
    // b loses a fifth of its units (a broken assignment or logging) over the next windows.
    const starved = { control, b: { ...b, weight: 0.24 } };
    for (let i = 0; i < 3; i++) s = await send(simulateWindow(rng, definition.name, starved, 6000, look * 10_000), ++look);
    if (!RECORD) {
      expect(s!.srm!.mismatch, s!.why).toBe(true);
      expect(s!.decision).toBe('withheld');
    }
    // Still starved, and now b is 3× slower too: with the gate off (the old code) b's guardrail
    // breach stops it, opens an incident and ends the experiment; with the gate on, results stay
    // withheld. So replaying the old history with the gate on would schedule other activities.
    const slowB = { control, b: { ...b, weight: 0.24, latencyMedianMs: 1200 } };
    for (let i = 0; i < 3 && !['stop_harm', 'stopped'].includes(s!.decision); i++) s = await send(simulateWindow(rng, definition.name, slowB, 6000, look * 10_000), ++look);
    if (!RECORD) expect(s!.decision).toBe('withheld');
    if (s!.decision === 'withheld') await handle.executeUpdate(stopExperimentUpdate, { args: [{ by: 'test' }] });
    await handle.result();
    const history = await handle.fetchHistory();
    if (RECORD) writeFileSync(RECORD, temporal.api.history.v1.History.encode(history).finish());
  });

  // An experiment that ran on the code before the SRM phases, with a variant stopped and looks after
  // the stop: an upgraded worker must replay it (patched('srm-after-stop') keeps the gate off there).
  it.skipIf(RECORD !== undefined)('replays a history written before the SRM phases', async () => {
    quietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(V0));
    const T = temporal.api.enums.v1.EventType;
    const incidents = (history.events ?? []).filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'openExperimentIncident').length;
    // The fixture really has b's breach after c's stop (which the gate would now withhold), or this test proves little.
    expect(incidents).toBe(2);
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'experiment/v0')).resolves.toBeUndefined();
  });
});
