import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { quietRuntime, workflowBundle } from '../support/time-skipping';

/**
 * An incident opened before steps were paged by one activity (plan + deliver + project activities,
 * recorded by test/integration/incident-cost.test.ts on that code: two levels paged, still open). A
 * worker upgraded under it must replay it without a nondeterminism error, or the incident would stop
 * escalating on the first deploy.
 */
const V0 = path.join(__dirname, '..', 'fixtures', 'incident-history-v0.pb');
/** The same incident under 'page-step-v1' (pageStep per level, then a projection activity): recorded the same way. */
const V1 = path.join(__dirname, '..', 'fixtures', 'incident-history-v1.pb');
/** The same incident under 'page-step-v2' decided by a patch marker (before starters set pagePath): recorded the same way. */
const V2 = path.join(__dirname, '..', 'fixtures', 'incident-history-v2.pb');

function patchMarkers(history: temporal.api.history.v1.IHistory): string[] {
  const T = temporal.api.enums.v1.EventType;
  return (history.events ?? [])
    .filter((e) => e.eventType === T.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString());
}

function scheduledActivities(history: temporal.api.history.v1.IHistory): Array<string | null | undefined> {
  const T = temporal.api.enums.v1.EventType;
  return (history.events ?? []).filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
}

describe('upgrade replay', () => {
  it('replays an incident history written by the plan/deliver/project version', async () => {
    quietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(V0));
    const scheduled = scheduledActivities(history);
    // The fixture really is the old shape, or this test proves nothing.
    expect(scheduled).toContain('planDelivery');
    expect(scheduled).not.toContain('pageStep');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'incident/v0')).resolves.toBeUndefined();
  });

  it('replays an incident history written by the pageStep-then-project version', async () => {
    quietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(V1));
    const scheduled = scheduledActivities(history);
    expect(scheduled).toContain('pageStep');
    expect(scheduled).toContain('projectIncident');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'incident/v1')).resolves.toBeUndefined();
  });

  it('replays an incident history whose page-step-v2 path was chosen by a patch marker', async () => {
    quietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(V2));
    expect(scheduledActivities(history)).not.toContain('projectIncident');
    expect(patchMarkers(history).join()).toContain('page-step-v2');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'incident/v2')).resolves.toBeUndefined();
  });
});
